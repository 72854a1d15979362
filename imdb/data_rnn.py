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

# The toy English grammar of the course: nonterminals start with "_" and every
# choice is uniform. "(" and ")" in the right-hand sides are literal tokens.
TOY_GRAMMAR = {
    "_s": ["_s _adv", "_np _vp", "_np _vp _prep _np", "_np _vp ( _prep _np )",
           "_np _vp _con _s", "_np _vp ( _con _s )"],
    "_adv": ["briefly", "quickly", "impatiently"],
    "_np": ["a _noun", "the _noun", "a _adj _noun", "the _adj _noun"],
    "_prep": ["on", "with", "to"],
    "_con": ["while", "but"],
    "_noun": ["mouse", "bunny", "cat", "dog", "man", "woman", "person"],
    "_vp": ["walked", "walks", "ran", "runs", "goes", "went"],
    "_adj": ["short", "quick", "busy", "nice", "gorgeous"],
}
NDFA_WORDS = ["abc!", "uvw!", "klm!"]


def generate_toy_sentence(rng):
    """Expand "_s", always the leftmost nonterminal first (a stack of what is
    still to be written, next symbol on top)."""
    words, pending = [], ["_s"]
    while pending:
        symbol = pending.pop()
        if symbol.startswith("_"):
            pending.extend(reversed(rng.choice(TOY_GRAMMAR[symbol]).split()))
        else:
            words.append(symbol)
    return " ".join(words)


def generate_brackets(rng, p_open=7 / 16):
    """Open one bracket, then open another with probability `p_open` (else close)
    while any is open: a balanced string with a single outer pair."""
    string, depth = "(", 1
    while depth > 0:
        if rng.random() < p_open:
            string, depth = string + "(", depth + 1
        else:
            string, depth = string + ")", depth - 1
    return string


def generate_ndfa(rng, p_stop=1 / 4):
    """One of the three words, repeated k >= 0 times with P(k) = (1-p_stop)^k p_stop,
    between two "s"."""
    word, repeats = rng.choice(NDFA_WORDS), 0
    while rng.random() >= p_stop:
        repeats += 1
    return "s" + word * repeats + "s"


GENERATORS = {"lang": generate_toy_sentence, "dyck": generate_brackets, "ndfa": generate_ndfa}


def load_toy(n=50_000, char=True, seed=0, name="lang"):
    """`n` sentences of a synthetic language as `(sequences, (i2w, w2i))`.

    `name` is "lang" (toy English), "dyck" (brackets) or "ndfa". Sentences come
    from a private `random.Random(seed)` (the caller's random state is left
    alone), are sorted short to long, and hold no start or end token. Tokens are
    characters (`char=True`) or space-separated words. The vocabulary is the four
    specials, then the sorted symbols, so ids are the same in every process.
    """
    if name not in GENERATORS:
        raise utils.UserError(f"unknown synthetic language {name!r}; known: {', '.join(GENERATORS)}")
    rng = random.Random(seed)
    sentences = sorted((GENERATORS[name](rng) for _ in range(n)), key=len)
    split = list if char else str.split
    tokenized = [split(sentence) for sentence in sentences]
    i2w = SPECIALS + sorted({token for tokens in tokenized for token in tokens})
    w2i = {token: index for index, token in enumerate(i2w)}
    return [[w2i[token] for token in tokens] for tokens in tokenized], (i2w, w2i)


def load_ndfa(n=50_000, seed=0, char=True):
    """Strings of the handout's NDFA, e.g. "ss" or "sabc!abc!s" (characters only)."""
    if not char:
        raise utils.UserError("the ndfa strings have no words; use char=True")
    return load_toy(n, char=True, seed=seed, name="ndfa")


def load_brackets(n=50_000, seed=0, char=True):
    """Balanced bracket strings with one outer pair, e.g. "(()())" (characters only)."""
    if not char:
        raise utils.UserError("the bracket strings have no words; use char=True")
    return load_toy(n, char=True, seed=seed, name="dyck")
