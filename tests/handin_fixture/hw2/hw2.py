from mytorch.nn.activations import ReLU, Sigmoid, Tanh
from mytorch.nn.conv import Conv1d, Flatten
from mytorch.nn.functional import get_conv1d_output_size
from mytorch.nn.linear import Linear
from mytorch.nn.module import Module
from mytorch.nn.sequential import Sequential


class CNN(Module):
    def __init__(self):
        super().__init__()
        input_width = 60
        first_layers = [Conv1d(24, 56, 5, 1), Tanh(),
                        Conv1d(56, 28, 6, 2), ReLU(),
                        Conv1d(28, 14, 2, 2), Sigmoid()]
        output_size = get_final_conv_output_size(first_layers, input_width)
        self.layers = Sequential(*first_layers, Flatten(), Linear(14 * output_size, 10))

    def forward(self, x):
        return self.layers(x)


def get_final_conv_output_size(layers, input_size):
    output_size = input_size
    for layer in layers:
        if isinstance(layer, Conv1d):
            output_size = get_conv1d_output_size(output_size, layer.kernel_size, layer.stride)
    return output_size
