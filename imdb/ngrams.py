"""Word n-gram features of IMDb reviews, shared by imdb/nbsvm.py and imdb/ngram_mlp.py:
each review is the set of its n-grams (present or not), stored as the (row, column)
pairs of a sparse binary matrix, and each n-gram can be weighted by its naive-Bayes
log-count ratio (Wang & Manning, 2012).
"""
import numpy as np


def ngram_ids(reviews, order, base):
    """(review index, n-gram id) of every n-gram of 1..`order` tokens that lies
    inside one review; an n-gram's id is its tokens as digits in base `base` (the
    vocabulary size), plus base + ... + base**(n-1) (the ids of all shorter n-grams),
    so that orders never share an id."""
    tokens = np.fromiter((t for review in reviews for t in review), dtype=np.int64)
    owner = np.repeat(np.arange(len(reviews)), [len(review) for review in reviews])
    rows, ids = [], []
    for n in range(1, order + 1):
        starts = np.arange(len(tokens) - n + 1)
        inside = owner[starts] == owner[starts + n - 1]
        ident = np.zeros(len(starts), dtype=np.int64)
        for k in range(n):
            ident = ident * base + tokens[starts + k]
        rows.append(owner[starts][inside])
        ids.append(ident[inside] + (base ** n - 1) // (base - 1) - 1)
    return np.concatenate(rows), np.concatenate(ids)


def binary_features(reviews, order, base, vocabulary=None):
    """The reviews' n-gram sets as the (row, column) pairs of a binary matrix, sorted
    by row; columns index `vocabulary` (the sorted n-gram ids, by default those of
    these reviews), n-grams outside it are dropped. Returns rows, columns, vocabulary."""
    rows, ids = ngram_ids(reviews, order, base)
    if vocabulary is None:
        vocabulary = np.unique(ids)
    columns = np.searchsorted(vocabulary, ids).clip(max=len(vocabulary) - 1)
    known = vocabulary[columns] == ids
    pairs = np.unique(rows[known] * len(vocabulary) + columns[known])  # one per review and n-gram
    return pairs // len(vocabulary), pairs % len(vocabulary), vocabulary


def log_count_ratio(rows, columns, labels, width, alpha):
    """r = log((p / |p|_1) / (q / |q|_1)): p (q) is alpha plus the number of label-1
    (label-0) reviews holding each n-gram."""
    positive = np.asarray(labels)[rows] == 1
    p = alpha + np.bincount(columns[positive], minlength=width)
    q = alpha + np.bincount(columns[~positive], minlength=width)
    return np.log(p / p.sum()) - np.log(q / q.sum())


def keep_frequent(rows, columns, vocabulary, min_count):
    """Only the n-grams that at least `min_count` of the reviews hold: the pairs of
    those n-grams, their columns renumbered, and the shorter vocabulary."""
    counts = np.bincount(columns, minlength=len(vocabulary))
    kept = counts >= min_count
    renumbered = np.cumsum(kept) - 1
    present = kept[columns]
    return rows[present], renumbered[columns[present]], vocabulary[kept]


def row_starts(rows, count):
    """Where each of `count` reviews' pairs start in row-sorted pairs (CSR offsets:
    review i holds pairs starts[i]:starts[i + 1])."""
    starts = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=count), out=starts[1:])
    return starts
