"""Bit strings labelled with their parity: the course skeleton's `Parity` dataset
(every string up to a length) and `pad_collate`, and uniform random strings."""
import itertools

import numpy as np
import torch
from torch.nn.utils.rnn import pad_sequence
from torch.utils.data import Dataset


class Parity(Dataset):
    """Binary strings labelled with their parity (number of ones mod 2).

    split="train": every string of length 1..max_length (2 + 4 + ... + 2^max_length);
    any other split: every string of exactly max_length bits."""

    def __init__(self, split="train", max_length=4):
        lengths = range(1, max_length + 1) if split == "train" else [max_length]
        self.data = [torch.FloatTensor(seq) for n in lengths
                     for seq in itertools.product([0, 1], repeat=n)]
        self.labels = [x.sum() % 2 for x in self.data]  # once: training reads them 2000 times

    def __len__(self):
        return len(self.data)

    def __getitem__(self, idx):
        return self.data[idx], self.labels[idx]


def pad_collate(batch):
    """Stack variable-length strings into a zero-padded B x T_max float tensor.

    Returns (padded strings, labels as a long tensor, lengths)."""
    strings, labels = zip(*batch)
    lengths = torch.tensor([len(s) for s in strings], dtype=torch.long)
    return pad_sequence(strings, batch_first=True), torch.stack(labels).long(), lengths


def random_strings(rng, count, length):
    """`count` uniform random strings of `length` bits: a uint8 array, one per row."""
    return rng.integers(0, 2, size=(count, length), dtype=np.uint8)
