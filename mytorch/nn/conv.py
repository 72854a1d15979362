"""Convolution layers: Conv1d, and Flatten, which joins a conv stack to Linear layers.

`get_conv1d_output_size` is defined with the Conv1d Function and importable from
here too, where the handout's code imports it from."""
import numpy as np

import mytorch.nn.functional as F
from mytorch.nn.functional import get_conv1d_output_size
from mytorch.nn.module import Module, check_sizes
from mytorch.tensor import Tensor

__all__ = ["Conv1d", "Flatten", "get_conv1d_output_size"]


class Conv1d(Module):
    """A 1-d convolution over (batch, in_channel, width) inputs, no padding.

    `weight` (out_channel, in_channel, kernel_size) is drawn from N(0, 1) and
    `bias` (out_channel,) starts at zero, as in the handout's layer.
    """

    def __init__(self, in_channel, out_channel, kernel_size, stride=1):
        super().__init__()
        check_sizes("Conv1d", in_channel=in_channel, out_channel=out_channel,
                    kernel_size=kernel_size, stride=stride)
        self.in_channel, self.out_channel = in_channel, out_channel
        self.kernel_size, self.stride = kernel_size, stride
        self.weight = Tensor(np.random.normal(0, 1, (out_channel, in_channel, kernel_size)),
                             requires_grad=True, is_parameter=True)
        self.bias = Tensor(np.zeros(out_channel), requires_grad=True, is_parameter=True)

    def forward(self, x):
        return F.Conv1d.apply(x, self.weight, self.bias, self.stride)

    def __repr__(self):
        return (f"Conv1d({self.in_channel}, {self.out_channel}, "
                f"kernel_size={self.kernel_size}, stride={self.stride})")


class Flatten(Module):
    """(batch, d1, d2, ...) -> (batch, d1 * d2 * ...), e.g. (2, 3, 4) -> (2, 12).

    A reshape, so its gradient is the incoming one reshaped back; the values
    keep their order (channel-major for a conv output)."""

    def forward(self, x):
        F.check_tensors("Flatten", x)
        if x.data.ndim < 2:
            raise ValueError(f"Flatten expects input of shape (batch, ...), got {x.shape}")
        return x.reshape(x.shape[0], int(np.prod(x.shape[1:])))
