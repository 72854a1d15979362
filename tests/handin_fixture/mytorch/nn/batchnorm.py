import numpy as np

import mytorch.nn.functional as F
from mytorch.nn.module import Module
from mytorch.tensor import Tensor


class BatchNorm1d(Module):
    def __init__(self, num_features, eps=1e-05, momentum=0.1):
        super().__init__()
        self.num_features = num_features
        self.eps = Tensor(np.array([eps]))
        self.momentum = momentum
        self.gamma = Tensor(np.ones((self.num_features,)), requires_grad=True, is_parameter=True)
        self.beta = Tensor(np.zeros((self.num_features,)), requires_grad=True, is_parameter=True)
        self.running_mean = Tensor(np.zeros(self.num_features,))
        self.running_var = Tensor(np.ones(self.num_features,))

    def forward(self, x):
        if not self.is_train:
            mean, var = self.running_mean, self.running_var
            norm = (x - mean) / F.Sqrt.apply(var + self.eps)
            return norm * self.gamma + self.beta
        batch_size = x.shape[0]
        count = Tensor(np.array(float(batch_size)))
        mean = x.sum(axis=0) / count
        centered = x - mean
        var = (centered * centered).sum(axis=0) / count
        norm = centered / F.Sqrt.apply(var + self.eps)
        m = self.momentum
        unbiased = var.data * batch_size / (batch_size - 1)
        self.running_mean = Tensor((1 - m) * self.running_mean.data + m * mean.data)
        self.running_var = Tensor((1 - m) * self.running_var.data + m * unbiased)
        return norm * self.gamma + self.beta
