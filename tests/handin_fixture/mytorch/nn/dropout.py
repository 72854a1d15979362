import numpy as np

from mytorch.nn.module import Module
from mytorch.tensor import Tensor


class Dropout(Module):
    def __init__(self, p=0.5):
        super().__init__()
        self.p = p

    def forward(self, x):
        if not self.is_train:
            return x
        mask = np.random.binomial(1, 1 - self.p, size=x.shape)
        return x * Tensor(mask / (1 - self.p))
