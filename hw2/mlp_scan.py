"""Scanning MLPs rewritten as CNNs (handout section 2).

The MLP reads 8 consecutive time steps of a (1, 128, 24) series, flattened
time-major to 192 values, through [Linear(192, 8), ReLU, Linear(8, 16), ReLU,
Linear(16, 4)] (biases ignored), and moves 4 steps at a time: 31 positions,
whose outputs are concatenated channel-major into (1, 4 * 31). The CNNs compute
the same thing on the series laid out channels-first, (1, 24, 128).

A Linear weight (out, in) becomes a Conv1d weight (out_channel, in_channel,
kernel_size) by reading its `in` axis as (tap, channel), the MLP's time-major
order, and swapping those two axes (`linear_to_conv_weight`).
"""
import numpy as np

from mytorch.nn.activations import ReLU
from mytorch.nn.conv import Conv1d, Flatten
from mytorch.nn.module import Module
from mytorch.nn.sequential import Sequential
from mytorch.tensor import Tensor


def linear_to_conv_weight(weight, kernel_size):
    """A Linear weight (out, kernel_size * in_channel), inputs time-major, as a
    Conv1d weight (out, in_channel, kernel_size)."""
    weight = np.asarray(weight, dtype=np.float64)
    out_features = weight.shape[0]
    return weight.reshape(out_features, kernel_size, -1).transpose(0, 2, 1)


def install_weights(convs, weights):
    """Give each Conv1d a fresh float64 leaf parameter made from its Linear weight
    (plain assignment of new Tensors: no operation, so no graph node)."""
    for conv, weight in zip(convs, weights):
        conv_weight = linear_to_conv_weight(weight, conv.kernel_size)
        if conv_weight.shape != conv.weight.shape:
            raise ValueError(f"weight {np.shape(weight)} does not fit {conv!r}")
        conv.weight = Tensor(np.ascontiguousarray(conv_weight), requires_grad=True,
                             is_parameter=True)


class CNN_SimpleScanningMLP(Module):
    """One Conv1d per MLP layer: the first sees the MLP's whole 8-step window
    (kernel 8, stride 4); the later layers act on one position at a time (kernel 1)."""

    def __init__(self):
        super().__init__()
        self.conv1 = Conv1d(24, 8, kernel_size=8, stride=4)
        self.conv2 = Conv1d(8, 16, kernel_size=1, stride=1)
        self.conv3 = Conv1d(16, 4, kernel_size=1, stride=1)
        self.layers = Sequential(self.conv1, ReLU(), self.conv2, ReLU(), self.conv3, Flatten())

    def init_weights(self, weights):
        """weights: the MLP's (8, 192), (16, 8), (4, 16) Linear weights."""
        install_weights((self.conv1, self.conv2, self.conv3), weights)

    def forward(self, x):
        return self.layers(x)


class CNN_DistributedScanningMLP(Module):
    """The shared-parameter MLP: each distinct neuron becomes one channel of a
    conv whose kernel spans just what that neuron sees.

    Layer 1: 2 distinct neurons, each on 2 time steps -> conv 24->2, kernel 2, stride 2.
    Layer 2: 8 distinct neurons, each on 2 layer-1 groups -> conv 2->8, kernel 2, stride 2.
    Layer 3: 4 neurons on the 2 layer-2 groups -> conv 8->4, kernel 2, stride 1.
    Widths 128 -> 64 -> 32 -> 31: output position p sees time steps 4p..4p+7.
    """

    def __init__(self):
        super().__init__()
        self.conv1 = Conv1d(24, 2, kernel_size=2, stride=2)
        self.conv2 = Conv1d(2, 8, kernel_size=2, stride=2)
        self.conv3 = Conv1d(8, 4, kernel_size=2, stride=1)
        self.layers = Sequential(self.conv1, ReLU(), self.conv2, ReLU(), self.conv3, Flatten())

    def init_weights(self, weights):
        """weights: the shared-parameter MLP's (8, 192), (16, 8), (4, 16) Linear weights."""
        w1, w2, w3 = weights
        # Neurons are ordered group by group, and each group repeats the first
        # one's weights on the next slice of the input. So the first group's rows,
        # restricted to the inputs that group sees, are the distinct weights:
        # layer 1, 2 neurons x (2 steps x 24 features); layer 2, 8 neurons x
        # (2 groups x 2 neurons); layer 3 is not shared and is used whole.
        distinct = (np.asarray(w1)[:2, :2 * 24], np.asarray(w2)[:8, :2 * 2], np.asarray(w3))
        install_weights((self.conv1, self.conv2, self.conv3), distinct)

    def forward(self, x):
        return self.layers(x)
