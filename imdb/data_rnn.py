"""Data for assignment 3B: the IMDb sentiment set (load_imdb) and the synthetic
grammars for the autoregressive models (load_ndfa, load_brackets, load_toy).

The interface is the course's data script's, so course code runs against it.
"""
import gzip
import math
import pickle
import random

import torch

import store
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
        raise utils.DataError(f"{path}: the vocabulary must start with {SPECIALS}, "
                              f"found {list(i2w[:4])}")
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
    path = store.download(IMDB_URL.format(kind), folder)
    sequences, labels, i2w, w2i = read_imdb_file(path)

    if voc is not None and voc < len(i2w):
        if voc < len(SPECIALS):
            raise utils.UserError(f"voc={voc} would drop the special tokens; "
                                  f"use at least {len(SPECIALS)}")
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


# --- Batches of similar lengths, padded (both the classifiers and the LMs) -----

def make_batches(lengths, max_tokens):
    """Cut the sequences, ordered by length, into batches of index lists.

    A batch closes when one more sequence would make (sequences x longest
    length) exceed `max_tokens`. Neighbours in length order pad each other very
    little, and a batch of short sequences holds many of them.
    """
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    batches, current, longest = [], [], 0
    for index in order:
        longest_with = max(longest, lengths[index])
        if current and (len(current) + 1) * longest_with > max_tokens:
            batches.append(current)
            current, longest_with = [], lengths[index]
        current.append(index)
        longest = longest_with
    if current:
        batches.append(current)
    return batches


def padding_fraction(batches, lengths):
    """Share of the positions in the padded batches that are `.pad`."""
    real = sum(lengths[i] for batch in batches for i in batch)
    total = sum(len(batch) * max(lengths[i] for i in batch) for batch in batches)
    return 1 - real / total


def random_batches(count, n_batches, seed):
    """The same number of batches, filled in random order: the naive alternative
    whose padding `padding_fraction` is compared against."""
    order = list(range(count))
    random.Random(seed).shuffle(order)
    size = -(-count // n_batches)
    return [order[i:i + size] for i in range(0, count, size)]


def every_nth(x, y, count):
    """About `count` reviews spread evenly over the length-sorted list."""
    step = max(1, len(x) // count)
    return x[::step], y[::step]


def truncate(sequences, max_len):
    """Keep the first `max_len` tokens of every review (all of them when None)."""
    return sequences if max_len is None else [seq[:max_len] for seq in sequences]


def pad_batch(sequences, pad):
    """A list of token lists -> (tokens (batch, longest) long, lengths (batch,) long).

    One torch.tensor over the padded lists: torch's pad_sequence, which needs a
    tensor per review first, took 1.2x as long for 64 reviews of about 200 tokens
    and 4x for 512 sequences of about 20."""
    lengths = torch.tensor([len(seq) for seq in sequences], dtype=torch.long)
    longest = int(lengths.max())
    tokens = torch.tensor([seq + [pad] * (longest - len(seq)) for seq in sequences],
                          dtype=torch.long)
    return tokens, lengths


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
        raise utils.UserError(f"unknown synthetic language {name!r}; "
                              f"known: {', '.join(GENERATORS)}")
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


def entropy_per_token(data):
    """The lowest loss per token any model can reach on ndfa or brackets: the
    generator's entropy per sequence over the number of predicted tokens per
    sequence (length + 1, counting `.end`), in nats. None for the toy grammar.

    ndfa: one choice among four after the first "s" ("s", "a", "u", "k"), then
    after each of the k words (E[k] = 3) a stop-or-repeat choice with P(stop) = 1/4;
    a sequence has 2 + 4k characters. brackets: every character after the first
    is a choice with P("(") = 7/16 until the depth is 0; the walk drifts down by
    1/8 per step, so a string has on average 1 + 8 characters.
    """
    def binary(p):
        return -(p * math.log(p) + (1 - p) * math.log(1 - p))
    if data == "ndfa":
        return (math.log(4) + 3 * binary(1 / 4)) / (2 + 4 * 3 + 1)
    if data == "brackets":
        return 8 * binary(7 / 16) / (9 + 1)
    return None
