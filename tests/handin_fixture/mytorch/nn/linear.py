import numpy as np

from mytorch.nn.module import Module
from mytorch.tensor import Tensor


class Linear(Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        # randomly initialize layer weight and bias tensors
        bound = np.sqrt(1 / in_features)
        weight = np.random.uniform(-bound, bound, size=(out_features, in_features))
        bias = np.random.uniform(-bound, bound, size=(out_features,))
        self.weight = Tensor(weight, requires_grad=True, is_parameter=True)
        self.bias = Tensor(bias, requires_grad=True, is_parameter=True)

    def forward(self, x):
        return x @ self.weight.T() + self.bias
