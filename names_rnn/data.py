"""Surnames by language (the PyTorch char-RNN tutorial's data/names/*.txt).

Reads the 18 `<Language>.txt` files, folds names to ASCII, splits the distinct
names into train, validation and test sets so that no name lies in two of them,
and serves shuffled batches of packed names, every name once per epoch.
"""
import string
import unicodedata
from collections import Counter

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence

import store
import utils

DATA_URL = "https://download.pytorch.org/tutorial/data.zip"
ALPHABET = string.ascii_letters + " .,;'"
UNKNOWN = len(ALPHABET)  # index of every character outside ALPHABET ("-", "ß", digits, ...)
N_LETTERS = len(ALPHABET) + 1
LETTER_INDEX = {letter: i for i, letter in enumerate(ALPHABET)}
SPLITS = ("names", "lines")


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
        folded = (unicode_to_ascii(line.strip()) for line in lines)
        pairs += [(name, label) for name in folded if name]
    if not pairs:
        raise utils.DataError(f"the <Language>.txt files in {folder}/ hold no names")
    return categories, pairs


def name_groups(pairs):
    """{name: languages}: each distinct name with the labels it carries, its stratum
    first: the language with the fewest distinct names among them (ties: the first
    file), so that a small language keeps its names when they also occur under a
    big one (most Scottish names are also English ones)."""
    labels_of = {}
    for name, label in pairs:
        labels_of.setdefault(name, set()).add(label)
    size = Counter(label for labels in labels_of.values() for label in labels)
    return {name: tuple(sorted(labels, key=lambda label: (size[label], label)))
            for name, labels in sorted(labels_of.items())}


def draw_split(items, strata, test_fraction, val_fraction, seed):
    """(train, val, test) lists of `items`, drawn per stratum with `seed`: round(
    test_fraction * n) of a stratum's n items go to test, then round(val_fraction *
    the rest) to validation, the others to train (each share at least one item when
    the stratum has enough, and train keeps at least one). The test draw is the same
    for any val_fraction."""
    generator = torch.Generator().manual_seed(seed)
    by_stratum = {}
    for item, stratum in zip(items, strata):
        by_stratum.setdefault(stratum, []).append(item)
    train, val, test = [], [], []
    for stratum in sorted(by_stratum):
        group = by_stratum[stratum]
        order = [group[i] for i in torch.randperm(len(group), generator=generator).tolist()]
        n_test = min(len(group) - 1, max(1, round(test_fraction * len(group))))
        rest = len(group) - n_test
        n_val = min(rest - 1, max(1, round(val_fraction * rest))) if val_fraction else 0
        test += order[:n_test]
        val += order[n_test:n_test + n_val]
        train += order[n_test + n_val:]
    return train, val, test


class NamesData:
    """The train, validation and test sets, with the language names and the
    majority language of the training set.

    `split="names"` (the default): the distinct names are drawn, stratified by their
    first language (`name_groups`), so that a name never lies in two sets; each
    (name, language) pair of a training name is one training example, and a
    validation or test name is one item scored against every language it carries.
    `split="lines"` draws the lines of the files instead, repeats and all, stratified
    by language, and scores each test line against its own language only: the split
    the tutorial invites, where a repeated name can sit on both sides.

    Every entry of `train`, `val` and `test` is (name, labels), labels a tuple.
    `val_fraction` > 0 moves that share of the training draw into `val`; the test set
    is the same with or without it.
    """

    def __init__(self, data_dir=None, split="names", split_seed=0, test_fraction=0.2,
                 val_fraction=0.0):
        if split not in SPLITS:
            raise utils.UserError(f"unknown split {split!r}; one of {', '.join(SPLITS)}")
        self.categories, pairs = read_names(names_folder(data_dir))
        self.n_lines = len(pairs)
        if split == "names":
            groups = name_groups(pairs)
            items = list(groups.items())
            strata = [labels[0] for labels in groups.values()]
        else:
            items = [(name, (label,)) for name, label in pairs]
            strata = [label for _, label in pairs]
        self.train, self.val, self.test = draw_split(items, strata, test_fraction,
                                                     val_fraction, split_seed)
        if not self.train or not self.test:
            raise utils.DataError(f"too few names to split ({len(items)}); the language "
                                  "files need at least two names in all")
        counts = Counter(label for _, labels in self.train for label in labels)
        self.majority_label = counts.most_common(1)[0][0]
        self.majority_baseline = self.baseline(self.test)

    def training_pairs(self):
        """One (name, label) example per training name and language it carries."""
        return [(name, label) for name, labels in self.train for label in labels]

    def baseline(self, items):
        """The accuracy on `items` of always answering the training set's majority
        language."""
        return sum(self.majority_label in labels for _, labels in items) / len(items)

    def __repr__(self):
        val = f" / {len(self.val)} validation" if self.val else ""
        return (f"NamesData({len(self.categories)} languages, {len(self.train)} train{val} / "
                f"{len(self.test)} test names, majority baseline "
                f"{self.categories[self.majority_label]} {self.majority_baseline:.1%})")


class NameBatches:
    """Iterate over (PackedSequence of names, label tensor) batches, every entry
    once per pass; with `shuffle` the order is redrawn from a seeded generator each
    pass.

    Entries are (name, label) or (name, labels): the first label is the one trained
    on and the row of the confusion matrix; `label_sets` keeps every label an entry
    is scored against. The names are encoded once, into one padded letter matrix,
    so a batch is two index operations and one pack, with no string work.

    With `bucket` (and shuffle, batch size > 1) the shuffled names are grouped by
    length and each group is cut into full batches; the few names left over, in
    length order, fill the last batches, and the batches are then shuffled. A packed
    batch takes as many RNN steps as its longest name, so a batch of one length
    wastes none, and torch's CPU RNN runs it as one dense block, which is faster
    than step-by-step packed work (the batching benchmark measures the gain).
    """

    def __init__(self, entries, batch_size=1, shuffle=False, seed=0, bucket=False):
        if batch_size < 1:
            raise utils.UserError(f"--batch-size must be at least 1, got {batch_size}")
        self.names = [name for name, _ in entries]
        self.label_sets = [labels if isinstance(labels, tuple) else (labels,)
                           for _, labels in entries]
        self.labels = torch.tensor([labels[0] for labels in self.label_sets], dtype=torch.long)
        encoded = [encode_name(name) for name in self.names]
        self.lengths = torch.tensor([len(letters) for letters in encoded], dtype=torch.long)
        self.letters = (pad_sequence(encoded, batch_first=True) if encoded
                        else torch.zeros(0, 1, dtype=torch.long))
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.bucket = bucket and shuffle and batch_size > 1
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self):
        return -(-len(self.names) // self.batch_size)

    def batch_indices(self):
        """The index tensors of one pass, in the order they are served."""
        n = len(self.names)
        order = torch.randperm(n, generator=self.generator) if self.shuffle else torch.arange(n)
        if not self.bucket:
            return list(order.split(self.batch_size))
        by_length = order[torch.sort(self.lengths[order], stable=True).indices]
        counts = torch.unique_consecutive(self.lengths[by_length], return_counts=True)[1]
        batches, rest = [], []
        for group in by_length.split(counts.tolist()):
            whole = len(group) - len(group) % self.batch_size
            batches += group[:whole].split(self.batch_size) if whole else []
            rest.append(group[whole:])
        batches += torch.cat(rest).split(self.batch_size)  # the remainders, by length
        return [batches[i] for i in torch.randperm(len(batches), generator=self.generator).tolist()]

    def batch(self, index):
        """(PackedSequence of the names at `index`, their labels)."""
        lengths = self.lengths[index]
        letters = self.letters[index, :int(lengths.max())]
        packed = pack_padded_sequence(letters, lengths, batch_first=True, enforce_sorted=False)
        return packed, self.labels[index]

    def __iter__(self):
        for index in self.batch_indices():
            yield self.batch(index)
