"""The baseline's MLP over word n-grams instead of embedded tokens: a neural IMDb
classifier trained from scratch on the labelled reviews alone.

    python imdb/ngram_mlp.py           # the chosen setting, validation
    python imdb/ngram_mlp.py --final   # train on 25,000, score test once

A review is the set of its word n-grams (n = 1..--ngrams) that at least --min-count
training reviews hold (rarer ones cannot generalise and would only be memorised). Each
n-gram present is weighted by its naive-Bayes log-count ratio, computed on the training
reviews as imdb/nbsvm.py does (--weights binary: 1 for every n-gram), and the MLP of
imdb/models.py (NgramMLP: hidden layer, ReLU, dropout, output layer) reads the weighted
set. Adam trains it (SparseAdam for the n-gram rows a batch touches) with the
cross-entropy, in shuffled batches of --batch-size reviews; --members such MLPs, each
from its own initial weights and review orders, are trained one after another and
their probabilities averaged. Without --final it trains on 20,000 reviews and scores
the 5,000 held out (the split of imdb/classify.py) after every epoch of every member,
and the members averaged so far after each member; with --final it trains on all
25,000 and scores the test set once, at the end. Each run writes
<config>_<val|final>_seed<S>[_<tag>].json after every epoch and, at the end, the
averaged members' P(positive) per evaluation review as <same name>.probs.npy, which
imdb/ensemble.py averages with a recurrent classifier's.
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F

import store
from imdb.configs import NGRAM_MLP, add_run_arguments, run_name
from imdb.data_rnn import every_nth, load_imdb
from imdb.models import NgramMLP
from imdb.ngrams import binary_features, keep_frequent, log_count_ratio, row_starts
from imdb.predictions import probs_path, save_positive

QUICK_REVIEWS = 300  # --quick: this many training and as many evaluation reviews
WEIGHTS = ("nb", "binary")
EVAL_BATCH = 1000  # reviews per forward pass when scoring


class NgramSets:
    """Reviews as row-sorted (review, n-gram column) pairs, each pair with its weight;
    `batch` gathers the pairs of some reviews in the form NgramMLP reads."""

    def __init__(self, rows, columns, weights, labels):
        self.starts = row_starts(rows, len(labels))
        self.columns = torch.from_numpy(columns)
        self.weights = torch.from_numpy(weights).float()
        self.labels = torch.as_tensor(labels)

    def __len__(self):
        return len(self.labels)

    def batch(self, reviews, device):
        """(columns, starts, weights, labels) of the reviews with these indices."""
        first, last = self.starts[reviews], self.starts[np.asarray(reviews) + 1]
        pairs = torch.from_numpy(np.concatenate([np.arange(a, b) for a, b in zip(first, last)]))
        starts = torch.from_numpy(np.concatenate([[0], np.cumsum(last - first)[:-1]]))
        return tuple(t.to(device) for t in (self.columns[pairs], starts, self.weights[pairs],
                                            self.labels[reviews]))


def featurise(x_train, y_train, x_eval, y_eval, args, base):
    """The training and evaluation reviews as NgramSets over the training reviews'
    n-grams held by at least --min-count of them, and the number of those n-grams."""
    rows, columns, vocabulary = binary_features(x_train, args.ngrams, base)
    rows, columns, vocabulary = keep_frequent(rows, columns, vocabulary, args.min_count)
    if args.weights == "nb":
        weight = log_count_ratio(rows, columns, y_train, len(vocabulary), args.alpha)
    else:
        weight = np.ones(len(vocabulary))
    eval_rows, eval_columns, _ = binary_features(x_eval, args.ngrams, base, vocabulary)
    return (NgramSets(rows, columns, weight[columns], y_train),
            NgramSets(eval_rows, eval_columns, weight[eval_columns], y_eval), len(vocabulary))


def train_epoch(model, optimizers, sets, batch_size, generator, device):
    """One pass over the training reviews in a new random order; the mean loss."""
    model.train()
    order = torch.randperm(len(sets), generator=generator).numpy()
    total = 0.0
    for first in utils.progress(range(0, len(order), batch_size), desc="train"):
        reviews = order[first:first + batch_size]
        columns, starts, weights, labels = sets.batch(reviews, device)
        loss = F.cross_entropy(model(columns, starts, weights), labels)
        utils.check_finite(loss.item(), f"a batch of {len(reviews)} reviews")
        for optimizer in optimizers:
            optimizer.zero_grad()
        loss.backward()
        for optimizer in optimizers:
            optimizer.step()
        total += loss.item() * len(reviews)
    return total / len(sets)


@torch.no_grad()
def probabilities(model, sets, device):
    """The model's class probabilities for every review of `sets`, (reviews, classes)."""
    model.eval()
    return torch.cat([model(*sets.batch(np.arange(first, min(first + EVAL_BATCH, len(sets))),
                                        device)[:3]).softmax(dim=1).cpu()
                      for first in range(0, len(sets), EVAL_BATCH)])


def accuracy(probs, sets):
    return float((probs.argmax(dim=1) == sets.labels).float().mean())


# --- Command line -----------------------------------------------------------------

def build_parser():
    parser = argparse.ArgumentParser(allow_abbrev=False, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    utils.add_config_argument(parser, NGRAM_MLP)
    add, default = parser.add_argument, " (default: %(default)s)"
    add("--ngrams", type=utils.bounded_int(1, 3), help="longest n-gram, in words" + default)
    add("--min-count", type=utils.bounded_int(1, 25_000),
        help="keep the n-grams that at least this many training reviews hold" + default)
    add("--weights", choices=WEIGHTS,
        help="an n-gram's input value: its naive-Bayes log-count ratio, or 1" + default)
    add("--alpha", type=utils.positive_float,
        help="smoothing added to every n-gram's count in the ratio" + default)
    add("--hidden", type=utils.bounded_int(1, 4096), help="hidden units" + default)
    add("--dropout", type=utils.probability, help="dropout on the hidden units" + default)
    add("--lr", type=utils.positive_float, help="Adam learning rate" + default)
    add("--epochs", type=utils.bounded_int(1, 1000), help="passes over the training set" + default)
    add("--batch-size", type=utils.bounded_int(1, 25_000), help="reviews per batch" + default)
    add("--members", type=utils.bounded_int(1, 100),
        help="MLPs trained one after another, their probabilities averaged" + default)
    add_run_arguments(parser)
    utils.add_common_args(parser, "imdb")
    parser.set_defaults(**next(iter(NGRAM_MLP.values())))  # what --help shows: the first config
    return parser


def main(argv=None):
    args = utils.parse_args(build_parser(), argv)
    out = utils.output_dir(args)
    utils.seed_everything(args.seed)
    device = utils.pick_device(args.device)
    start, cpu_start = time.perf_counter(), time.process_time()
    (x_train, y_train), (x_eval, y_eval), (i2w, _), numcls = load_imdb(
        final=args.final, val=args.val, seed=0, data_dir=args.data_dir)
    if args.quick:
        x_train, y_train = every_nth(x_train, y_train, QUICK_REVIEWS)
        x_eval, y_eval = every_nth(x_eval, y_eval, QUICK_REVIEWS)
    name = run_name(args)
    split = "test" if args.final else "validation"
    split_key = "test_acc" if args.final else "val_acc"
    with store.run_lock(out, name):
        train, evaluation, width = featurise(x_train, y_train, x_eval, y_eval, args, len(i2w))
        print(f"{name}: {len(train)} train / {len(evaluation)} {split} reviews, {width:,} "
              f"n-grams (1 to {args.ngrams} words, in at least {args.min_count} training "
              f"reviews), {len(train.columns):,} present in the training reviews")
        result = {"script": "imdb/ngram_mlp.py", "settings": utils.run_settings(args),
                  "environment": utils.environment(), "split": "final" if args.final else "val",
                  "seed": args.seed, "tag": args.tag, "complete": False,
                  "train_reviews": len(train), "features": width, "history": [],
                  "members_val_acc": [], "val_acc": None, "test_acc": None,
                  "threads": torch.get_num_threads(), "device": str(device)}
        generator = torch.Generator().manual_seed(args.seed)  # the members' review orders
        summed = 0  # the members' probabilities on the evaluation reviews, summed
        for member in range(1, args.members + 1):
            model = NgramMLP(width, args.hidden, numcls, args.dropout).to(device)
            optimizers = [torch.optim.SparseAdam([model.hidden.weight], lr=args.lr),
                          torch.optim.Adam([model.bias, *model.out.parameters()], lr=args.lr)]
            for epoch in range(1, args.epochs + 1):
                loss = train_epoch(model, optimizers, train, args.batch_size, generator, device)
                probs = None if args.final else probabilities(model, evaluation, device)
                val_acc = None if args.final else accuracy(probs, evaluation)
                result["history"].append({"member": member, "epoch": epoch, "train_loss": loss,
                                          "val_acc": val_acc})
                shown = "" if val_acc is None else f", validation accuracy {val_acc:.4f}"
                print(f"member {member}, epoch {epoch}: train loss {loss:.4f}{shown}",
                      flush=True)
                result.update(seconds=time.perf_counter() - start,
                              cpu_seconds=time.process_time() - cpu_start)
                store.save_json(result, out / f"{name}.json")
            summed = summed + (probabilities(model, evaluation, device) if args.final else probs)
            if not args.final:  # the members so far, averaged
                result["members_val_acc"].append(accuracy(summed, evaluation))
                print(f"{member} member(s) averaged: validation accuracy "
                      f"{result['members_val_acc'][-1]:.4f}")
        result[split_key] = accuracy(summed, evaluation)  # the test set: here, once
        save_positive(probs_path(out, name), (summed / args.members)[:, 1])
        print(f"{split} accuracy of the {args.members} member(s) averaged: "
              f"{result[split_key]:.4f}")
        result.update(complete=True,
                      parameters=args.members * sum(p.numel() for p in model.parameters()),
                      seconds=time.perf_counter() - start,
                      cpu_seconds=time.process_time() - cpu_start)
        store.save_json(result, out / f"{name}.json")
    return result


if __name__ == "__main__":
    utils.run_main(lambda: main() and None)
