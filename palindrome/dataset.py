"""Palindromes of decimal digits: the exercise's data, generated on the fly.

A palindrome of length T reads the same both ways, so its last digit equals its
first. The network sees the first T-1 digits and must name the last one, i.e. keep
the first digit in memory for T-1 steps while the others stream past.
"""
import math
import sys

import torch
from torch.utils import data

# Seeds of the two fixed sets, apart from each other and from every run's training
# seed (--seed is at most a few hundred in every sweep): the validation set makes
# every choice, the test set is scored once per run.
TEST_SEED, VALIDATION_SEED = 12345, 54321


def generate_palindromes(count, length, generator=None):
    """`count` random palindromes of `length` digits, as a (count, length) float tensor.

    The first ceil(length/2) digits are uniform; the rest mirror them (for an odd
    length the middle digit is not repeated).
    """
    if length < 2:
        raise ValueError(f"a palindrome to learn from needs length >= 2, got {length}")
    left = torch.randint(0, 10, (count, math.ceil(length / 2)), generator=generator)
    right = left.flip(1)[:, length % 2:]
    return torch.cat([left, right], dim=1).float()


def generate_palindrome(length, generator=None):
    """One random palindrome of `length` digits (a 1-D float tensor)."""
    return generate_palindromes(1, length, generator)[0]


class PalindromeDataset(data.Dataset):
    """An endless supply of (first seq_length-1 digits, last digit) pairs.

    Items are drawn from the dataset's own seeded generator, so a run repeats;
    `batch` draws a whole batch at once (what training uses), `validation` and
    `test` fixed sets from seeds of their own, the same for every model.
    """

    def __init__(self, seq_length, seed=0):
        self.seq_length = seq_length
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self):
        return sys.maxsize  # endless: every index gives a fresh palindrome

    def __getitem__(self, idx):
        palindrome = generate_palindrome(self.seq_length, self.generator)
        return palindrome[:-1], int(palindrome[-1])

    def batch(self, batch_size):
        """(inputs, labels): a (batch_size, seq_length-1) float tensor and int64 labels."""
        return split(generate_palindromes(batch_size, self.seq_length, self.generator))

    def held_out(self, size, seed):
        """A fixed set of `size` palindromes drawn from `seed`, apart from training draws."""
        generator = torch.Generator().manual_seed(seed)
        return split(generate_palindromes(size, self.seq_length, generator))

    def validation(self, size):
        return self.held_out(size, VALIDATION_SEED)

    def test(self, size):
        return self.held_out(size, TEST_SEED)


def split(palindromes):
    """Inputs are all digits but the last; the label is the last digit."""
    return palindromes[:, :-1], palindromes[:, -1].long()
