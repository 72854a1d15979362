"""Surnames by language (the PyTorch char-RNN tutorial's data/names/*.txt).

Reads the 18 `<Language>.txt` files, folds names to ASCII, encodes them as letter
indices, splits them into a stratified, seeded 80/20 train/test set (and, for
tuning, a validation set carved from the training part), and serves shuffled
batches of (name, label) pairs, every name once per epoch.
"""
import string
import unicodedata
from collections import Counter

import torch

import store
import utils

DATA_URL = "https://download.pytorch.org/tutorial/data.zip"
ALPHABET = string.ascii_letters + " .,;'"
UNKNOWN = len(ALPHABET)  # index of every character outside ALPHABET ("-", "ß", digits, ...)
N_LETTERS = len(ALPHABET) + 1
LETTER_INDEX = {letter: i for i, letter in enumerate(ALPHABET)}


def unicode_to_ascii(name):
    """Fold accents away as the tutorial does: NFD, then drop the combining marks
    ("Béringer" -> "Beringer", "Šimon" -> "Simon").

    Unlike the tutorial, characters that have no ASCII letter inside them ("ß",
    "-", digits) are kept here and become UNKNOWN when encoded, so that "Groß"
    does not turn into the different name "Gro".
    """
    return "".join(c for c in unicodedata.normalize("NFD", name)
                   if unicodedata.category(c) != "Mn")


def encode_name(name):
    """A 1-D LongTensor of letter indices for a (raw or folded) name."""
    return torch.tensor([LETTER_INDEX.get(c, UNKNOWN) for c in unicode_to_ascii(name)],
                        dtype=torch.long)


def names_folder(data_dir):
    """The folder with the 18 language files: <data-dir>/names/, downloaded if missing."""
    root = utils.data_dir(data_dir)
    folder = root / "names"
    if not sorted(folder.glob("*.txt")):
        store.download(DATA_URL, root, extract=True)  # the zip holds data/names/*.txt
        extracted = root / "data" / "names"
        if not folder.exists() and extracted.is_dir():
            extracted.rename(folder)
    if not sorted(folder.glob("*.txt")):
        raise utils.DataError(f"no <Language>.txt files in {folder}/ "
                              "(expected the tutorial's data/names/)")
    return folder


def read_names(folder):
    """(categories, pairs): the sorted language names and every (folded name, label)
    line; a folder in the place of a language file, an unreadable file, or files
    without a single name are one DataError."""
    files = sorted(folder.glob("*.txt"))
    categories = [path.stem for path in files]
    pairs = []
    for label, path in enumerate(files):
        if not path.is_file():
            raise utils.DataError(f"{path} is not a file; {folder}/ should hold only "
                                  "<Language>.txt files of names")
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError as err:
            raise utils.DataError(f"{path.name} is not UTF-8 text ({err})") from None
        except OSError as err:
            raise utils.DataError(f"cannot read {path} ({err.strerror})") from None
        pairs += [(unicode_to_ascii(line.strip()), label) for line in lines if line.strip()]
    if not pairs:
        raise utils.DataError(f"the <Language>.txt files in {folder}/ hold no names")
    return categories, pairs


def stratified_split(pairs, test_fraction=0.2, seed=0):
    """Shuffle each language's names with `seed` and put `test_fraction` of them
    (rounded, at least one) into the test set, so both sets keep the language mix."""
    generator = torch.Generator().manual_seed(seed)
    by_label = {}
    for pair in pairs:
        by_label.setdefault(pair[1], []).append(pair)
    train, test = [], []
    for label in sorted(by_label):
        group = by_label[label]
        order = torch.randperm(len(group), generator=generator).tolist()
        n_test = max(1, round(test_fraction * len(group)))
        test += [group[i] for i in order[:n_test]]
        train += [group[i] for i in order[n_test:]]
    return train, test


class NamesData:
    """The (name, label) pairs of the train and the test set, with the language
    names, the encoded names, and the majority-class baseline of the test set.

    `dedup=True` keeps each (name, language) pair once (the files repeat some
    names, and a repeat on both sides of the split is a free test point).
    `val_fraction` > 0 moves that stratified share of the training pairs into
    `val`, so that settings can be chosen without looking at the test set; the
    test set is the same with or without it.
    """

    def __init__(self, data_dir=None, dedup=False, split_seed=0, test_fraction=0.2,
                 val_fraction=0.0):
        self.categories, pairs = read_names(names_folder(data_dir))
        self.n_lines = len(pairs)
        if dedup:
            pairs = list(dict.fromkeys(pairs))
        self.train, self.test = stratified_split(pairs, test_fraction, split_seed)
        self.val = []
        if val_fraction:
            self.train, self.val = stratified_split(self.train, val_fraction, split_seed + 1)
        if not self.train:
            raise utils.DataError(f"too few names to split ({len(pairs)}); every language "
                                  "file needs at least two")
        counts = Counter(label for _, label in self.train)
        self.majority_label = counts.most_common(1)[0][0]
        self.majority_baseline = self.baseline(self.test)

    def baseline(self, pairs):
        """The accuracy on `pairs` of always answering the training set's majority language."""
        return sum(label == self.majority_label for _, label in pairs) / len(pairs)

    def __repr__(self):
        val = f" / {len(self.val)} validation" if self.val else ""
        return (f"NamesData({len(self.categories)} languages, {len(self.train)} train{val} / "
                f"{len(self.test)} test names, majority baseline "
                f"{self.categories[self.majority_label]} {self.majority_baseline:.1%})")


class NameBatches:
    """Iterate over (list of encoded names, label tensor) batches, every pair once
    per pass; with `shuffle` the order is redrawn from a seeded generator each pass.

    The handout's `iteratefromdict` with a batch size: the names are encoded once
    here, so an epoch costs no string work. With `bucket` (and shuffle), each pool
    of 50 batches' worth of shuffled names is sorted by length before it is cut
    into batches, and the batches are then shuffled: a packed batch takes as many
    RNN steps as its longest name, so batches of similar lengths take fewer,
    fuller steps (the batching benchmark measures the gain).
    """

    POOL_BATCHES = 50

    def __init__(self, pairs, batch_size=1, shuffle=False, seed=0, bucket=False):
        if batch_size < 1:
            raise utils.UserError(f"--batch-size must be at least 1, got {batch_size}")
        self.names = [name for name, _ in pairs]
        self.encoded = [encode_name(name) for name in self.names]
        self.lengths = torch.tensor([len(e) for e in self.encoded])
        self.labels = torch.tensor([label for _, label in pairs], dtype=torch.long)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.bucket = bucket and shuffle and batch_size > 1
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self):
        return -(-len(self.encoded) // self.batch_size)

    def batch_indices(self):
        """The index tensors of one pass, in the order they are served."""
        n = len(self.encoded)
        order = torch.randperm(n, generator=self.generator) if self.shuffle else torch.arange(n)
        if not self.bucket:
            return list(order.split(self.batch_size))
        batches = []
        for pool in order.split(self.POOL_BATCHES * self.batch_size):
            by_length = pool[torch.sort(self.lengths[pool], stable=True).indices]
            batches += by_length.split(self.batch_size)
        return [batches[i] for i in torch.randperm(len(batches), generator=self.generator).tolist()]

    def __iter__(self):
        for index in self.batch_indices():
            yield [self.encoded[i] for i in index.tolist()], self.labels[index]
