"""Three baselines for the names classifiers, on the same split as train.py's runs:
the majority language, a lookup table, and naive Bayes on character n-grams
(names_rnn/naive_bayes.py).

    python names_rnn/baselines.py           # seconds
    python names_rnn/baselines.py --quick

The lookup table answers a name seen in training with its most frequent training
language, and any other name with the majority language: on a split where no name
lies on both sides it is the majority class, and the gap between the two measures
what memorising names is worth. Naive Bayes scores a name by its class prior times
the smoothed frequency, in that language's training names, of each of its character
n-grams (n = 1 to --max-n, the name lower-cased between ^ and $ marks). Its n and
smoothing are chosen on the validation split that train.py's tuning runs hold
out; the chosen setting is then fitted on the whole training split and scores the
test split once. Writes <out>/baselines.json.
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import argparse
import itertools
import math
import time
from collections import Counter

import torch

import store
from names_rnn.configs import RECIPE, VALIDATION
from names_rnn.data import SPLITS, NamesData
from names_rnn.naive_bayes import NaiveBayes
from names_rnn.scoring import accepted_labels, accuracy, confusion_counts, mean_recall

QUICK_NAMES = 300  # --quick keeps about this many training and scored names, evenly spread


def build_parser():
    parser = argparse.ArgumentParser(allow_abbrev=False, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-n", type=utils.bounded_int(1, 10), nargs="+",
                        default=[1, 2, 3, 4, 5, 6],
                        help="longest n-grams tried (default: %(default)s)")
    parser.add_argument("--alpha", type=utils.positive_float, nargs="+",
                        default=[0.01, 0.03, 0.1, 0.3, 1.0],
                        help="additive smoothing tried (default: %(default)s)")
    parser.add_argument("--split", choices=SPLITS, default=RECIPE["split"],
                        help="the split, as train.py's --split (default: %(default)s)")
    parser.add_argument("--validation", type=utils.probability, default=VALIDATION,
                        metavar="F", help="share of the training split that chooses the "
                        "n-gram setting, as train.py's tuning runs (default: %(default)s)")
    utils.add_common_args(parser, "names_rnn")
    return parser


def lookup_table(pairs, majority):
    """A predictor: a seen name's most frequent training language (ties: the first
    language file), else `majority`."""
    counts = {}
    for name, label in pairs:
        counts.setdefault(name, Counter())[label] += 1
    best = {name: min(c, key=lambda label: (-c[label], label)) for name, c in counts.items()}
    return lambda names: torch.tensor([best.get(name, majority) for name in names])


def score(predicted, entries, n_classes):
    """Accuracy, mean recall and confusion counts of predictions for (name, labels)
    entries."""
    label_sets = [labels for _, labels in entries]
    confusion = confusion_counts(torch.tensor([labels[0] for labels in label_sets]), predicted,
                                 accepted_labels(label_sets, n_classes))
    return {"acc": accuracy(confusion), "mean_recall": mean_recall(confusion),
            "confusion": confusion}


def subsample(args, entries):
    return entries[::max(1, len(entries) // QUICK_NAMES)] if args.quick else entries


def main(argv=None):
    args = utils.parse_args(build_parser(), argv)
    if not args.validation:
        raise utils.UserError("--validation must be above 0: it chooses the n-gram setting")
    out = utils.output_dir(args)
    start = time.perf_counter()
    tuning = NamesData(args.data_dir, split=args.split, val_fraction=args.validation)
    final = NamesData(args.data_dir, split=args.split)
    print(tuning)
    n_classes = len(final.categories)
    splits = {"val": (subsample(args, tuning.training_pairs()), subsample(args, tuning.val),
                      tuning.majority_label),
              "test": (subsample(args, final.training_pairs()), subsample(args, final.test),
                       final.majority_label)}
    record = {"script": "names_rnn/baselines.py", "settings": utils.run_settings(args),
              "categories": final.categories,
              **{f"n_{split}": len(entries) for split, (_, entries, _) in splits.items()},
              "n_train": len(splits["test"][0]), "environment": utils.environment()}

    for split, (pairs, entries, majority) in splits.items():
        names = [name for name, _ in entries]
        seen = {name for name, _ in pairs}
        record.setdefault("majority", {})[split] = score(
            torch.full((len(names),), majority), entries, n_classes)
        record.setdefault("lookup", {})[split] = {
            **score(lookup_table(pairs, majority)(names), entries, n_classes),
            "names_seen_in_training": sum(name in seen for name in names)}
    record["majority"]["language"] = final.categories[final.majority_label]

    pairs, entries, _ = splits["val"]
    settings = []
    for max_n, alpha in utils.progress(list(itertools.product(args.max_n, args.alpha)),
                                       desc="naive Bayes settings"):
        model = NaiveBayes.fit(pairs, n_classes, max_n, alpha)
        val = score(model.predict([name for name, _ in entries]), entries, n_classes)
        settings.append({"max_n": max_n, "alpha": alpha, "val_acc": val["acc"],
                         "val_mean_recall": val["mean_recall"]})
        print(f"naive Bayes n <= {max_n}, alpha {alpha:g}: validation accuracy "
              f"{val['acc']:.4f}", flush=True)
    chosen = max(settings, key=lambda s: (s["val_acc"], -s["max_n"], -math.log(s["alpha"])))
    pairs, entries, _ = splits["test"]
    model = NaiveBayes.fit(pairs, n_classes, chosen["max_n"], chosen["alpha"])
    record["naive_bayes"] = {"settings": settings, "chosen": chosen, "test": score(
        model.predict([name for name, _ in entries]), entries, n_classes)}
    record["wall_seconds"] = time.perf_counter() - start
    store.save_json(record, out / "baselines.json")
    for name in ("majority", "lookup", "naive_bayes"):
        test = record[name]["test"]
        print(f"{name}: test accuracy {test['acc']:.4f}, mean recall {test['mean_recall']:.4f}")
    print(f"wrote {out / 'baselines.json'}")
    return 0


if __name__ == "__main__":
    utils.run_main(main)
