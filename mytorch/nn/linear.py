"""Linear: y = x W^T + b, with the handout's initialisation."""
import numpy as np

import mytorch.nn.functional as F
from mytorch.nn.module import Module, check_sizes
from mytorch.tensor import Tensor


class Linear(Module):
    """A fully connected layer: `weight` (out_features, in_features), `bias` (out_features,).

    Both start as (U[0, 1) - 0.5) / in_features, the weight drawn first, so the
    same NumPy seed gives the same layer as the handout's reference code.
    """

    def __init__(self, in_features, out_features):
        super().__init__()
        check_sizes("Linear", in_features=in_features, out_features=out_features)
        self.in_features, self.out_features = in_features, out_features
        weight = (np.random.rand(out_features, in_features) - 0.5) / in_features
        bias = (np.random.rand(out_features) - 0.5) / in_features
        self.weight = Tensor(weight, requires_grad=True, is_parameter=True)
        self.bias = Tensor(bias, requires_grad=True, is_parameter=True)

    def forward(self, x):
        F.check_tensors("Linear", x)
        if x.data.ndim != 2 or x.shape[1] != self.in_features:
            raise ValueError(f"Linear({self.in_features}, {self.out_features}) expects input "
                             f"of shape (batch, {self.in_features}), got {x.shape}")
        return x @ self.weight.T() + self.bias

    def __repr__(self):
        return f"Linear({self.in_features}, {self.out_features})"
