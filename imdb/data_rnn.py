"""Data for assignment 3B: the IMDb sentiment set (load_imdb) and the synthetic
grammars for the autoregressive models (load_ndfa, load_brackets, load_toy).

The interface is the course's data script's, so course code runs against it.
"""
import gzip
import pickle
import random

import utils

# --- IMDb sentiment (load_imdb) ----------------------------------------------

IMDB_URL = "http://dlvu.github.io/data/imdb.{}.pkl.gz"
SPECIALS = [".pad", ".start", ".end", ".unk"]


def read_imdb_file(path):
    """The stored `(sequences, labels, i2w, w2i)` tuple, checked enough that a
    wrong or damaged file fails here with one line rather than deep in training."""
    try:
        with gzip.open(path, "rb") as handle:
            sequences, labels, i2w, w2i = pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError) as err:
        raise utils.DataError(f"{path} is not an IMDb pickle in the course format ({err}); "
                              "delete it and run again to download a fresh copy") from None
    for split in ("train", "test"):
        if split not in sequences or len(sequences[split]) != len(labels.get(split, ())):
            raise utils.DataError(f"{path}: split {split!r} is missing or its labels do not match")
    if list(i2w[:4]) != SPECIALS:
        raise utils.DataError(f"{path}: the vocabulary must start with {SPECIALS}, found {list(i2w[:4])}")
    return sequences, labels, i2w, w2i


def load_imdb(final=False, val=5000, seed=0, voc=None, char=False, data_dir=None):
    """Load IMDb as `((x_train, y_train), (x_val, y_val), (i2w, w2i), numcls)`.

    `final=True` gives the stored 25k/25k train/test split. Otherwise `val`
    reviews are held out of the training split: the same indices the course
    script draws with `random.seed(seed); random.sample(range(n), k=val)`, but
    from a private `random.Random(seed)`, so the caller's random state is left
    alone. Both halves keep the stored (short to long) order. `voc=N` keeps the
    first N vocabulary entries (the most frequent words) and maps the rest to
    `.unk`. The file is downloaded into `data_dir` when it is not there.
    """
    kind = "char" if char else "word"
    folder = utils.data_dir(data_dir)
    path = utils.download(IMDB_URL.format(kind), folder)
    sequences, labels, i2w, w2i = read_imdb_file(path)

    if voc is not None and voc < len(i2w):
        if voc < len(SPECIALS):
            raise utils.UserError(f"voc={voc} would drop the special tokens; use at least {len(SPECIALS)}")
        i2w = list(i2w[:voc])
        w2i = {word: index for index, word in enumerate(i2w)}
        unk = w2i[".unk"]
        sequences = {split: [[t if t < voc else unk for t in seq] for seq in seqs]
                     for split, seqs in sequences.items()}

    if final:
        return ((sequences["train"], labels["train"]), (sequences["test"], labels["test"]),
                (i2w, w2i), 2)

    train_x, train_y = sequences["train"], labels["train"]
    if not 0 < val < len(train_x):
        raise utils.UserError(f"val={val} must be between 1 and {len(train_x) - 1}")
    held_out = set(random.Random(seed).sample(range(len(train_x)), k=val))
    x_train = [s for i, s in enumerate(train_x) if i not in held_out]
    y_train = [y for i, y in enumerate(train_y) if i not in held_out]
    x_val = [s for i, s in enumerate(train_x) if i in held_out]
    y_val = [y for i, y in enumerate(train_y) if i in held_out]
    return (x_train, y_train), (x_val, y_val), (i2w, w2i), 2



# --- Synthetic grammars (load_ndfa, load_brackets, load_toy) -----------------
