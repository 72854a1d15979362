"""NBSVM on IMDb (Wang & Manning, 2012): the n-gram baseline every classifier of
section 6 is compared with.

    python imdb/nbsvm.py           # the chosen setting, validation
    python imdb/nbsvm.py --final   # train on 25,000, score test once

A review becomes the set of its word n-grams (n = 1..--ngrams; present or not). Each
n-gram is weighted by its naive-Bayes log-count ratio r = log((p/|p|) / (q/|q|)),
where p and q count the positive and negative training reviews that hold it, plus
--alpha; a linear model is fit on these weighted features (--loss: logistic
regression or the squared hinge of an L2-SVM, C as in LIBLINEAR), and its weights are
pulled towards their mean magnitude, w' = (1 - beta) mean|w| + beta w, as the paper
does. Without --final it trains on 20,000 reviews and scores the 5,000 held out
(the split of imdb/classify.py); with --final it trains on all 25,000 and scores the
test set once. Each run writes <config>_<val|final>_seed<S>[_<tag>].json. It runs on
the CPU (--device is not used), and L-BFGS from zero weights repeats itself, so --seed
only names the file.
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import argparse
import time
import warnings

import numpy as np
import torch

import store
from imdb.configs import NBSVM, add_run_arguments, run_name
from imdb.data_rnn import every_nth, load_imdb
from imdb.ngrams import binary_features, log_count_ratio, row_starts

QUICK_REVIEWS = 300  # --quick: this many training and as many evaluation reviews
LOSSES = ("logistic", "squared_hinge")


def sparse_rows(rows, columns, values, shape):
    """The row-sorted (row, column, value) triples as a torch CSR matrix."""
    starts = torch.from_numpy(row_starts(rows, shape[0]))
    with warnings.catch_warnings():  # torch calls its CSR tensors "beta"; they are tested here
        warnings.simplefilter("ignore", UserWarning)
        return torch.sparse_csr_tensor(starts, torch.from_numpy(columns),
                                       torch.from_numpy(values), shape, check_invariants=True)


def fit(rows, columns, values, labels, width, C, loss, max_iter):
    """Minimise (C * sum of the losses + |w|^2 / 2) / (C n) over w and an unpenalised
    bias with L-BFGS; returns w, b and the iterations used. The features are a CSR
    matrix and its transpose, so that both products of each step are row-wise
    (twice as fast here as np.bincount over the triples)."""
    n = len(labels)
    sign = torch.as_tensor(np.asarray(labels) * 2 - 1, dtype=torch.float64)
    features = sparse_rows(rows, columns, values.astype(np.float64), (n, width))
    transposed = features.t().to_sparse_csr()
    w = torch.zeros(width, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([w, b], lr=1, max_iter=max_iter, history_size=20,
                                  tolerance_grad=1e-9, tolerance_change=1e-12,
                                  line_search_fn="strong_wolfe")
    bar = utils.progress(desc="fit (loss evaluations)")

    def objective():
        weights = w.detach()
        margin = sign * (features @ weights + b.detach())
        if loss == "logistic":
            total = torch.logaddexp(torch.zeros(()), -margin).sum()
            slope = -sign * torch.sigmoid(-margin)
        else:
            gap = (1 - margin).clamp(min=0)
            total = (gap ** 2).sum()
            slope = -2 * sign * gap
        w.grad = (transposed @ slope + weights / C) / n
        b.grad = slope.sum().reshape(1) / n
        bar.update()
        return (total + weights @ weights / (2 * C)) / n
    optimizer.step(objective)
    bar.close()
    return w.detach().numpy(), b.item(), optimizer.state[w]["n_iter"]


def interpolate(w, beta):
    """w' = (1 - beta) mean|w| + beta w (Wang & Manning's interpolation)."""
    return (1 - beta) * np.abs(w).mean() + beta * w


def accuracy(rows, columns, values, labels, w, b):
    scores = np.bincount(rows, weights=values * w[columns], minlength=len(labels)) + b
    return float(np.mean((scores > 0) == (np.asarray(labels) == 1)))


# --- Command line -----------------------------------------------------------------

def unit_interval(text):
    """A flag type for a number in [0, 1]."""
    value = utils.non_negative_float(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"{value} must be in [0, 1]")
    return value


def build_parser():
    parser = argparse.ArgumentParser(allow_abbrev=False, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    utils.add_config_argument(parser, NBSVM)
    add, default = parser.add_argument, " (default: %(default)s)"
    add("--ngrams", type=utils.bounded_int(1, 3), help="longest n-gram, in words" + default)
    add("--alpha", type=utils.positive_float,
        help="smoothing added to every n-gram's count in the ratio" + default)
    add("--loss", choices=LOSSES, help="the linear model's loss" + default)
    add("--C", type=utils.positive_float, help="inverse regularisation strength" + default)
    add("--beta", type=unit_interval,
        help="interpolation towards the mean weight magnitude, 1 for none" + default)
    add("--max-iter", type=utils.bounded_int(1, 100_000),
        help="L-BFGS iterations at most" + default)
    add_run_arguments(parser)
    utils.add_common_args(parser, "imdb")
    parser.set_defaults(**next(iter(NBSVM.values())))  # what --help shows: the first config
    return parser


def main(argv=None):
    args = utils.parse_args(build_parser(), argv)
    out = utils.output_dir(args)
    start, cpu_start = time.perf_counter(), time.process_time()
    (x_train, y_train), (x_eval, y_eval), (i2w, _), _ = load_imdb(
        final=args.final, val=args.val, seed=0, data_dir=args.data_dir)
    if args.quick:
        x_train, y_train = every_nth(x_train, y_train, QUICK_REVIEWS)
        x_eval, y_eval = every_nth(x_eval, y_eval, QUICK_REVIEWS)
    name = run_name(args)
    with store.run_lock(out, name):
        rows, columns, vocabulary = binary_features(x_train, args.ngrams, len(i2w))
        ratio = log_count_ratio(rows, columns, y_train, len(vocabulary), args.alpha)
        print(f"{name}: {len(x_train)} train / {len(x_eval)} "
              f"{'test' if args.final else 'validation'} reviews, {len(vocabulary):,} n-grams "
              f"(1 to {args.ngrams} words), {len(rows):,} present in the training reviews")
        w, b, iterations = fit(rows, columns, ratio[columns], y_train, len(vocabulary), args.C,
                               args.loss, args.max_iter)
        w = interpolate(w, args.beta)
        train_acc = accuracy(rows, columns, ratio[columns], y_train, w, b)
        eval_rows, eval_columns, _ = binary_features(x_eval, args.ngrams, len(i2w), vocabulary)
        eval_acc = accuracy(eval_rows, eval_columns, ratio[eval_columns], y_eval, w, b)
        split = "test" if args.final else "validation"
        print(f"train accuracy {train_acc:.4f}, {split} accuracy {eval_acc:.4f} "
              f"({iterations} L-BFGS iterations)")
        result = {"script": "imdb/nbsvm.py", "settings": utils.run_settings(args),
                  "environment": utils.environment(), "split": "final" if args.final else "val",
                  "seed": args.seed, "tag": args.tag, "complete": True,
                  "train_reviews": len(x_train), "features": len(vocabulary),
                  "iterations": iterations, "train_acc": train_acc,
                  "val_acc": None if args.final else eval_acc,
                  "test_acc": eval_acc if args.final else None,
                  "seconds": time.perf_counter() - start,
                  "cpu_seconds": time.process_time() - cpu_start,
                  "threads": torch.get_num_threads()}
        store.save_json(result, out / f"{name}.json")
    return result


if __name__ == "__main__":
    utils.run_main(lambda: main() and None)
