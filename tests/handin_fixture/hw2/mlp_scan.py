import numpy as np

from mytorch.nn.activations import ReLU
from mytorch.nn.conv import Conv1d, Flatten
from mytorch.nn.sequential import Sequential
from mytorch.tensor import Tensor


def as_conv_weight(w, out_channel, kernel_size, in_channel):
    # a Linear weight (out, kernel * in), inputs time-major -> (out, in, kernel)
    w = np.array(w, dtype=float).reshape(out_channel, kernel_size, in_channel)
    return Tensor(w.transpose(0, 2, 1), requires_grad=True, is_parameter=True)


class CNN_SimpleScanningMLP():
    """The MLP sees 8 time steps and moves by 4: the first layer is a conv with kernel 8,
    stride 4; the other two look at one position at a time."""

    def __init__(self):
        self.conv1 = Conv1d(24, 8, 8, 4)
        self.conv2 = Conv1d(8, 16, 1, 1)
        self.conv3 = Conv1d(16, 4, 1, 1)
        self.layers = Sequential(self.conv1, ReLU(), self.conv2, ReLU(), self.conv3, Flatten())

    def __call__(self, x):
        return self.forward(x)

    def init_weights(self, weights):
        w1, w2, w3 = weights
        self.conv1.weight = as_conv_weight(w1, 8, 8, 24)
        self.conv2.weight = as_conv_weight(w2, 16, 1, 8)
        self.conv3.weight = as_conv_weight(w3, 4, 1, 16)

    def forward(self, x):
        return self.layers(x)


class CNN_DistributedScanningMLP():
    """Shared neurons: layer 1 has 2 distinct neurons reading 2 time steps, layer 2 has 8
    reading 2 of layer 1's groups, layer 3 has 4 reading both of layer 2's groups."""

    def __init__(self):
        self.conv1 = Conv1d(24, 2, 2, 2)
        self.conv2 = Conv1d(2, 8, 2, 2)
        self.conv3 = Conv1d(8, 4, 2, 1)
        self.layers = Sequential(self.conv1, ReLU(), self.conv2, ReLU(), self.conv3, Flatten())

    def __call__(self, x):
        return self.forward(x)

    def init_weights(self, weights):
        w1, w2, w3 = weights
        self.conv1.weight = as_conv_weight(w1[:2, :2 * 24], 2, 2, 24)
        self.conv2.weight = as_conv_weight(w2[:8, :2 * 2], 8, 2, 2)
        self.conv3.weight = as_conv_weight(w3[:4, :2 * 8], 4, 2, 8)

    def forward(self, x):
        return self.layers(x)
