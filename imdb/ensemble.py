"""The n-gram MLP and a recurrent classifier (nn.RNN + lin2), their probabilities
averaged: one reads a review as a bag of n-grams, the other reads its words in order,
so they err on partly different reviews, and their average errs less often than either.

    python imdb/ensemble.py                    # validation: the chosen weight, the grid
    python imdb/ensemble.py --final --seed 1   # test, once

P(positive) = w P_ngram + (1 - w) P_partner, w = --weight (chosen on validation). It
reads the two members' runs of the same split and seed from --out: the n-gram MLP's
<ngram>_<split>_seed<S>.probs.npy (imdb/ngram_mlp.py writes it) and the partner's
checkpoint checkpoints/imdb/<partner>_<split>_seed<S>.pt (imdb/classify.py), whose
probabilities it saves beside the partner's JSON as <partner>_<split>_seed<S>.probs.npy
(without the checkpoint, it reads that file). A member whose probabilities do not give
the accuracy its JSON records is another run's, and stops the run with one line.
Without --final it scores every weight of the grid 0, 0.1, ..., 1 (1: the n-gram MLP
alone, 0: the partner alone) and, at --weight, each tagged validation run of the n-gram
MLP (its ablation) with the partner; with --final only --weight, on test, once. It
writes ensemble_<val|final>_seed<S>[_<tag>].json.
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import argparse

import numpy as np

import store
from imdb.configs import CLASSIFY, ENSEMBLE, NGRAM_MLP, add_run_arguments, run_name
from imdb.data_rnn import load_imdb
from imdb.predictions import (classifier_positive, load_positive, predicted, probs_path,
                              save_positive)

GRID = tuple(round(0.1 * step, 1) for step in range(11))  # the n-gram MLP's weights tried


def member_run(config, args, tag=None):
    split = "final" if args.final else "val"
    return f"{config}_{split}_seed{args.seed}" + (f"_{tag}" if tag else "")


def recorded_accuracy(out, run, args):
    """The accuracy a member's JSON records for the split, or one line if it has none."""
    path = out / f"{run}.json"
    saved = store.load_json(path) if path.is_file() else {}
    accuracy = saved.get("test_acc" if args.final else "val_acc") if saved.get("complete") else None
    if accuracy is None:
        raise utils.UserError(f"no finished run {run} in {out}; make it first "
                              f"(reproduce/parts.py lists its command)")
    return accuracy


def checked(positive, labels, accuracy, run):
    """`positive` if its accuracy is the one `run` recorded, else one line."""
    if len(positive) != len(labels):
        raise utils.UserError(f"{run}: {len(positive)} probabilities for {len(labels)} reviews; "
                              "was it run with another --val?")
    correct = int((predicted(positive) == labels).sum())
    if correct != round(accuracy * len(labels)):
        raise utils.UserError(f"{run}: its probabilities give {correct / len(labels):.4f}, "
                              f"its JSON {accuracy:.4f}; they are of different runs")
    return positive


def ngram_positive(out, run, labels, args):
    accuracy, path = recorded_accuracy(out, run, args), probs_path(out, run)
    if not path.is_file():
        raise utils.UserError(f"no {path.name} in {out}; run imdb/ngram_mlp.py again "
                              "(it writes the file at its end)")
    return checked(load_positive(path), labels, accuracy, run)


def partner_positive(out, checkpoints, run, reviews, labels, pad, args, device):
    """The partner's probabilities from its checkpoint (saved beside its JSON), or,
    without the checkpoint, from the file saved before."""
    accuracy = recorded_accuracy(out, run, args)
    checkpoint, path = checkpoints / f"{run}.pt", probs_path(out, run)
    if checkpoint.is_file():
        positive = checked(classifier_positive(checkpoint, reviews, pad, device), labels,
                           accuracy, run)
        save_positive(path, positive)
        return positive
    if not path.is_file():
        raise utils.UserError(f"neither {checkpoint} nor {path} exists; run imdb/classify.py "
                              f"--config {args.partner} first")
    return checked(load_positive(path), labels, accuracy, run)


def mixed_accuracy(weight, ngram, partner, labels):
    return float((predicted(weight * ngram + (1 - weight) * partner) == labels).mean())


# --- Command line -----------------------------------------------------------------

def build_parser():
    parser = argparse.ArgumentParser(allow_abbrev=False, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    utils.add_config_argument(parser, ENSEMBLE)
    add, default = parser.add_argument, " (default: %(default)s)"
    add("--ngram", choices=list(NGRAM_MLP), help="the n-gram MLP's config" + default)
    add("--partner", choices=list(CLASSIFY),
        help="the imdb/classify.py config averaged with it" + default)
    add("--weight", type=float, choices=GRID, metavar="W",
        help="the n-gram MLP's share w, one of the grid 0, 0.1, ..., 1" + default)
    add_run_arguments(parser)
    utils.add_common_args(parser, "imdb")
    parser.set_defaults(**next(iter(ENSEMBLE.values())))  # what --help shows: the first config
    return parser


def main(argv=None):
    args = utils.parse_args(build_parser(), argv)
    if args.quick:
        raise utils.UserError("imdb/ensemble.py trains nothing, so it has no --quick run; "
                              "point --out at its members' runs instead")
    out = utils.output_dir(args)
    checkpoints = utils.checkpoint_dir(args, out)
    device = utils.pick_device(args.device)
    _, (x_eval, y_eval), (_, w2i), _ = load_imdb(final=args.final, val=args.val, seed=0,
                                                 data_dir=args.data_dir)
    labels = np.asarray(y_eval)
    name = run_name(args)
    with store.run_lock(out, name):
        ngram = ngram_positive(out, member_run(args.ngram, args), labels, args)
        partner = partner_positive(out, checkpoints, member_run(args.partner, args), x_eval,
                                   labels, w2i[".pad"], args, device)
        result = {"script": "imdb/ensemble.py", "settings": utils.run_settings(args),
                  "split": "final" if args.final else "val", "seed": args.seed,
                  "tag": args.tag, "complete": True, "reviews": len(labels),
                  "val_acc": None, "test_acc": None}
        accuracy = mixed_accuracy(args.weight, ngram, partner, labels)
        if args.final:  # the test set: here, once, at the chosen weight
            result["test_acc"] = accuracy
            print(f"test accuracy, w = {args.weight:g}: {accuracy:.4f}")
        else:
            result.update(val_acc=accuracy, val_acc_by_weight={
                str(w): mixed_accuracy(w, ngram, partner, labels) for w in GRID})
            print("validation accuracy by w: " + ", ".join(
                f"{w}: {acc:.4f}" for w, acc in result["val_acc_by_weight"].items()))
            result["ngram_ablation"] = {}
            prefix = member_run(args.ngram, args) + "_"
            for path in sorted(out.glob(f"{prefix}*.probs.npy")):
                run = path.name.removesuffix(".probs.npy")
                variant = ngram_positive(out, run, labels, args)
                result["ngram_ablation"][run.removeprefix(prefix)] = mixed_accuracy(
                    args.weight, variant, partner, labels)
            print(f"validation accuracy, w = {args.weight:g}: {accuracy:.4f}; with the "
                  "n-gram MLP's ablation: " + ", ".join(
                      f"{tag}: {acc:.4f}" for tag, acc in result["ngram_ablation"].items()))
        store.save_json(result, out / f"{name}.json")
    return result


if __name__ == "__main__":
    utils.run_main(lambda: main() and None)
