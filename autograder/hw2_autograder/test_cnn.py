"""HW2P1 section 3: the CNN of the handout's figure, checked layer by layer against the
figure, then three SGD steps on one batch against the same network in torch float64 from
the hand-in's weights. Each step compares the logits, the loss, the input gradient and the
gradient of every Conv1d and Linear parameter, then every parameter after the update; at
the end every parameter of `cnn.layers.parameters()` must still be a leaf parameter."""
import numpy as np
import torch

from autograder.checking import (assert_close, assert_grad, assert_leaf_parameter,
                                 copy_into)
from autograder.hw2_autograder.torch_cnn import torch_cnn
from autograder.reference_optim import SGD as ReferenceSGD

STEPS, BATCH_SIZE, WIDTH, LR = 3, 2, 60, 0.01
FIGURE = [("Conv1d", (24, 56, 5, 1)), ("Tanh", ()), ("Conv1d", (56, 28, 6, 2)), ("ReLU", ()),
          ("Conv1d", (28, 14, 2, 2)), ("Sigmoid", ()), ("Flatten", ()), ("Linear", (182, 10))]
MODULES = {"Conv1d": "mytorch.nn.conv", "Flatten": "mytorch.nn.conv", "Linear": "mytorch.nn.linear",
           "Tanh": "mytorch.nn.activations", "ReLU": "mytorch.nn.activations",
           "Sigmoid": "mytorch.nn.activations"}


def settings(layer, kind):
    """What the figure fixes for a layer: Conv1d (in, out, kernel, stride), Linear (in, out)."""
    if kind == "Conv1d":
        return layer.in_channel, layer.out_channel, layer.kernel_size, layer.stride
    if kind == "Linear":
        return tuple(reversed(layer.weight.data.shape))
    return ()


def check_layout(cnn):
    """The eight layers of the figure, in order, with its sizes."""
    import importlib
    layers = cnn.layers.layers
    assert len(layers) == len(FIGURE), \
        f"CNN().layers has {len(layers)} layers, the handout's figure has {len(FIGURE)}"
    for index, (layer, (kind, expected)) in enumerate(zip(layers, FIGURE)):
        cls = getattr(importlib.import_module(MODULES[kind]), kind)
        assert isinstance(layer, cls), \
            f"CNN layer {index}: a {type(layer).__name__}, the handout's figure has {kind}"
        actual = settings(layer, kind)
        assert actual == expected, \
            f"CNN layer {index}: {kind}{actual}, the handout's figure has {kind}{expected}"


def test_cnn():
    from hw2.hw2 import CNN, get_final_conv_output_size
    from mytorch.nn.loss import CrossEntropyLoss
    from mytorch.optim.sgd import SGD
    from mytorch.tensor import Tensor
    np.random.seed(50)
    cnn = CNN()
    check_layout(cnn)
    final = get_final_conv_output_size(cnn.layers, WIDTH)
    assert final == 13, f"get_final_conv_output_size(cnn.layers, {WIDTH}) is {final}, expected 13"
    reference = torch_cnn()
    pairs = []
    for index, layer in enumerate(cnn.layers.layers):
        if FIGURE[index][0] in ("Conv1d", "Linear"):
            name = f"{FIGURE[index][0]} layer {index}"
            for attribute in ("weight", "bias"):
                theirs = getattr(reference[index], attribute)
                copy_into(theirs, getattr(layer, attribute), f"{attribute} of {name}")
                pairs.append((getattr(layer, attribute), theirs, f"{attribute} of {name}"))
    optimizer = SGD(cnn.parameters(), lr=LR)
    reference_optimizer = ReferenceSGD(reference.parameters(), lr=LR)
    rng = np.random.default_rng(50)
    data, labels = rng.normal(0, 1, (BATCH_SIZE, 24, WIDTH)), rng.integers(0, 10, BATCH_SIZE)
    for step in range(1, STEPS + 1):
        optimizer.zero_grad()
        reference_optimizer.zero_grad()
        x, tx = Tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
        out, expected = cnn(x), reference(tx)
        assert_close(out, expected, f"logits at step {step}")
        loss = CrossEntropyLoss()(out, Tensor(labels))
        expected_loss = torch.nn.functional.cross_entropy(expected, torch.tensor(labels))
        assert_close(loss, expected_loss, f"loss at step {step}")
        loss.backward()
        expected_loss.backward()
        assert_grad(x, tx, f"the input at step {step}")
        for ours, theirs, what in pairs:
            assert_grad(ours, theirs, f"{what} at step {step}")
        optimizer.step()
        reference_optimizer.step()
        for ours, theirs, what in pairs:
            assert_close(ours, theirs, f"{what} after step {step}")
    for index, parameter in enumerate(cnn.layers.parameters()):
        assert_leaf_parameter(parameter, f"parameter {index} of cnn.layers after training")
    return True
