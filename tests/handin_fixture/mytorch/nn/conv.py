import numpy as np

from mytorch.nn import functional as F
from mytorch.nn.module import Module
from mytorch.tensor import Tensor


class Conv1d(Module):
    def __init__(self, in_channel, out_channel, kernel_size, stride=1):
        super().__init__()
        self.in_channel = in_channel
        self.out_channel = out_channel
        self.kernel_size = kernel_size
        self.stride = stride
        bound = np.sqrt(1 / (in_channel * kernel_size))
        self.weight = Tensor(np.random.uniform(-bound, bound, size=(out_channel, in_channel,
                                                                    kernel_size)),
                             is_parameter=True, requires_grad=True)
        self.bias = Tensor(np.zeros(out_channel), is_parameter=True, requires_grad=True)

    def forward(self, x):
        return F.Conv1d.apply(x, self.weight, self.bias, self.stride)


class Flatten(Module):
    def __init__(self):
        super().__init__()

    def forward(self, x):
        return x.reshape(x.shape[0], -1)
