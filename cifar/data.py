"""CIFAR-3 (horse, ship, truck): loading, the fixed train/validation split, and
`CIFAR3`, the skeleton's Dataset over one split.

The three classes come from the official CIFAR-10 python batches (labels 7, 8, 9
become 0, 1, 2); 2,000 of the 15,000 training images, stratified by class and
drawn with a fixed split seed, are the validation set of every run. The course's
own pickles (`cifar10_hst_{train,val,test}`) are used instead when all three are
in the data folder.
"""
import pickle
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

import store
import utils

CIFAR_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR_MD5 = "c58f30108f718f92721af3b95e74349a"
CIFAR_FOLDER = "cifar-10-batches-py"
COURSE_PICKLES = {"train": "cifar10_hst_train", "val": "cifar10_hst_val",
                  "test": "cifar10_hst_test"}
CIFAR_IDS = (7, 8, 9)  # CIFAR-10 horse, ship, truck -> our labels 0, 1, 2
CLASSES = ("horse", "ship", "truck")
IMAGE_VALUES = 3 * 32 * 32  # one channel-planar row per image
VAL_FRACTION = 2000 / 15000  # the course's split: 13,000 train / 2,000 val
SPLIT_SEED = 20240  # fixed, independent of --seed: every run validates on the same images


def check_arrays(path, data, labels, what):
    """One DataError unless `data` is N x 3072 with N labels."""
    if data.ndim != 2 or data.shape[1] != IMAGE_VALUES or len(labels) != len(data):
        raise utils.DataError(f"{path} holds images of shape {data.shape} with {len(labels)} "
                              f"labels; expected {what}: N x {IMAGE_VALUES} and N labels")


def read_batch(path):
    """One official CIFAR-10 batch file -> (uint8 array N x 3072, int64 labels)."""
    try:
        with open(path, "rb") as handle:
            batch = pickle.load(handle, encoding="bytes")
        data = np.asarray(batch[b"data"], dtype=np.uint8)
        labels = np.asarray(batch[b"labels"], dtype=np.int64)
    except (OSError, pickle.UnpicklingError, EOFError, KeyError, TypeError, ValueError) as err:
        raise utils.DataError(f"{path} is not a CIFAR-10 python batch "
                              f"({type(err).__name__}: {err}); delete {path.parent} and run "
                              "again to download a fresh copy") from None
    check_arrays(path, data, labels, "a CIFAR-10 batch")
    return data, labels


def select_classes(data, labels):
    """Keep the rows of CIFAR-10 classes 7, 8, 9 and relabel them 0, 1, 2."""
    keep = np.isin(labels, CIFAR_IDS)
    return data[keep], np.searchsorted(CIFAR_IDS, labels[keep])


def load_official(folder):
    """Train and test arrays of the three classes from the official batches in `folder`."""
    train = [select_classes(*read_batch(folder / f"data_batch_{i}")) for i in range(1, 6)]
    test = select_classes(*read_batch(folder / "test_batch"))
    return (np.concatenate([d for d, _ in train]), np.concatenate([y for _, y in train])), test


def stratified_split(labels, val_fraction=VAL_FRACTION, seed=SPLIT_SEED):
    """Indices (train, val): each class gives its share of round(N * val_fraction) images.

    The per-class counts use largest remainders, so they add up exactly.
    """
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(labels, return_counts=True)
    val_total = round(len(labels) * val_fraction)
    quotas = counts * val_total / len(labels)
    val_counts = np.floor(quotas).astype(int)
    for i in np.argsort(-(quotas - val_counts), kind="stable")[: val_total - val_counts.sum()]:
        val_counts[i] += 1
    val = np.concatenate([rng.permutation(np.flatnonzero(labels == c))[:k]
                          for c, k in zip(classes, val_counts)])
    val = np.sort(val)
    train = np.setdiff1d(np.arange(len(labels)), val)
    return train, val


def load_course_pickle(path):
    """The course's `cifar10_hst_*` pickle: {'images': N x 3072, 'labels': N x 1},
    labels 0-2 (horse, ship, truck)."""
    try:
        with open(path, "rb") as handle:
            split = pickle.load(handle, encoding="latin1")
        images = np.asarray(split["images"])
        labels = np.asarray(split["labels"]).reshape(-1)
    except (OSError, pickle.UnpicklingError, EOFError, KeyError, TypeError, ValueError) as err:
        raise utils.DataError(f"{path} is not a course CIFAR-3 pickle "
                              f"({type(err).__name__}: {err})") from None
    check_arrays(path, images, labels, "a course CIFAR-3 pickle")
    if labels.size and not np.isin(labels, range(len(CLASSES))).all():
        found = sorted(set(labels.tolist()) - set(range(len(CLASSES))))[:5]
        raise utils.DataError(f"{path} has labels {found} outside 0-{len(CLASSES) - 1} "
                              f"({', '.join(CLASSES)})")
    return images.astype(np.uint8), labels.astype(np.int64)


def to_tensors(data, labels):
    """uint8 N x 3072 (channel-planar) -> (uint8 N x 3 x 32 x 32 tensor, int64 labels)."""
    images = torch.from_numpy(np.ascontiguousarray(data).reshape(-1, 3, 32, 32))
    return images, torch.from_numpy(labels)


def load_cifar3(data_dir):
    """{'train', 'val', 'test'} -> (uint8 images N x 3 x 32 x 32, labels 0-2).

    Uses the course pickles when all three are in `data_dir`, else the official
    batches (downloaded and extracted when missing).
    """
    data_dir = Path(data_dir)
    if all((data_dir / name).exists() for name in COURSE_PICKLES.values()):
        return {split: to_tensors(*load_course_pickle(data_dir / name))
                for split, name in COURSE_PICKLES.items()}
    folder = data_dir / CIFAR_FOLDER
    if not folder.exists():
        store.download(CIFAR_URL, data_dir, md5=CIFAR_MD5, extract=True)
    (train_x, train_y), (test_x, test_y) = load_official(folder)
    if len(np.unique(train_y)) < len(CLASSES):
        raise utils.DataError(f"{folder} lacks some of the classes {CLASSES} "
                              f"(CIFAR-10 labels {CIFAR_IDS})")
    train_idx, val_idx = stratified_split(train_y)
    return {"train": to_tensors(train_x[train_idx], train_y[train_idx]),
            "val": to_tensors(train_x[val_idx], train_y[val_idx]),
            "test": to_tensors(test_x, test_y)}


class CIFAR3(Dataset):
    """One split as the skeleton's Dataset: item i is (transform(image i), label i),
    the image a uint8 3 x 32 x 32 tensor before the transform."""

    def __init__(self, images, labels, transform=None):
        self.images, self.labels, self.transform = images, labels, transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        image = self.images[index]
        return (image if self.transform is None else self.transform(image)), self.labels[index]
