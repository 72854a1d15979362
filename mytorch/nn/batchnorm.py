"""BatchNorm1d: normalise each feature over the batch, then scale and shift.

Training uses the batch mean and the biased batch variance, built from
differentiable operations so gradients reach the input, gamma and beta; the
running statistics (not parameters) are updated with the unbiased variance, as
torch does. Evaluation normalises with the running statistics.
"""
import numpy as np

import mytorch.nn.functional as F
from mytorch.nn.module import Module, check_sizes
from mytorch.tensor import Tensor


class BatchNorm1d(Module):
    def __init__(self, num_features, eps=1e-5, momentum=0.1):
        super().__init__()
        check_sizes("BatchNorm1d", num_features=num_features)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.gamma = Tensor(np.ones(num_features), requires_grad=True, is_parameter=True)
        self.beta = Tensor(np.zeros(num_features), requires_grad=True, is_parameter=True)
        self.running_mean = Tensor(np.zeros(num_features))
        self.running_var = Tensor(np.ones(num_features))

    def forward(self, x):
        F.check_tensors("BatchNorm1d", x)
        if x.data.ndim != 2 or x.shape[1] != self.num_features:
            raise ValueError(f"BatchNorm1d({self.num_features}) expects input of shape "
                             f"(batch, {self.num_features}), got {x.shape}")
        if not self.is_train:
            normalised = (x - self.running_mean) / Tensor(np.sqrt(self.running_var.data + self.eps))
            return self.gamma * normalised + self.beta
        batch_size = x.shape[0]
        if batch_size < 2:
            raise ValueError("BatchNorm1d in training mode needs more than one sample per batch")
        mean = x.sum(axis=0) / batch_size
        centered = x - mean
        variance = (centered * centered).sum(axis=0) / batch_size
        normalised = centered / (variance + self.eps) ** 0.5
        keep, new = 1 - self.momentum, self.momentum
        self.running_mean.data = keep * self.running_mean.data + new * mean.data
        unbiased = variance.data * batch_size / (batch_size - 1)
        self.running_var.data = keep * self.running_var.data + new * unbiased
        return self.gamma * normalised + self.beta
