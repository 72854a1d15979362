"""Dropout: in training, zero each unit with probability p and scale the kept
ones by 1 / (1 - p), so the expected output equals the input; identity in eval."""
import numpy as np

from mytorch.nn.module import Module
from mytorch.tensor import Tensor


class Dropout(Module):
    def __init__(self, p=0.5):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(f"Dropout probability must be in [0, 1), got {p}")
        self.p = p

    def forward(self, x):
        if not self.is_train or self.p == 0:
            return x
        mask = np.random.binomial(1, 1 - self.p, x.shape)  # one mask per forward
        return x * Tensor(mask / (1 - self.p))
