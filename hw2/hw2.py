"""The CNN of handout section 3: three Conv1d layers with Tanh, ReLU and Sigmoid,
then Flatten and a Linear classifier, for inputs (batch, 24, 60)."""
from mytorch.nn.activations import ReLU, Sigmoid, Tanh
from mytorch.nn.conv import Conv1d, Flatten, get_conv1d_output_size
from mytorch.nn.linear import Linear
from mytorch.nn.module import Module
from mytorch.nn.sequential import Sequential

INPUT_WIDTH = 60
NUM_CLASSES = 10


class CNN(Module):
    """(batch, 24, 60) -> (batch, 10) logits; widths 60 -> 56 -> 26 -> 13."""

    def __init__(self):
        super().__init__()
        convs = [Conv1d(24, 56, 5, 1), Tanh(), Conv1d(56, 28, 6, 2), ReLU(),
                 Conv1d(28, 14, 2, 2), Sigmoid()]
        final_width = get_final_conv_output_size(convs, INPUT_WIDTH)
        classifier = Linear(convs[-2].out_channel * final_width, NUM_CLASSES)
        self.layers = Sequential(*convs, Flatten(), classifier)

    def forward(self, x):
        return self.layers(x)


def get_final_conv_output_size(layers, input_size):
    """Width of the last Conv1d's output when `layers` see inputs `input_size` wide
    (other layers keep the width)."""
    size = input_size
    for layer in layers:
        if isinstance(layer, Conv1d):
            size = get_conv1d_output_size(size, layer.kernel_size, layer.stride)
    return size
