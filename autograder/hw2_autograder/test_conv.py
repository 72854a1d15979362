"""Graded tests of Conv1d (forward, backward) and Flatten against torch float64.

Sizes are drawn from fixed seeds in the course's ranges (batch 1-3, width 60-79,
channels 5-14, kernel 3-6, stride 3-4) for stacks of 1, 2 and 3 Conv1d layers.
Gradients come from `backward()` on the non-scalar output (a gradient of ones),
torch's from the same seed gradient.
"""
import numpy as np
import torch

import mytorch.nn.functional as F
from autograder.hw1_autograder.checks import assert_close, copy_weights
from mytorch.autograd_engine import ContextManager
from mytorch.nn.conv import Conv1d, Flatten
from mytorch.nn.sequential import Sequential
from mytorch.tensor import Tensor

STACK_DEPTHS = (1, 2, 3)
CASES_PER_DEPTH = 3


def random_stacks(seed):
    """Yield (mytorch stack, torch stack, input batch) for every depth and case."""
    rng = np.random.default_rng(seed)
    np.random.seed(seed)  # Conv1d draws its weight with np.random
    for depth in STACK_DEPTHS:
        for _ in range(CASES_PER_DEPTH):
            channels = [int(c) for c in rng.integers(5, 15, depth + 1)]
            width = int(rng.integers(60, 80))
            ours, theirs = [], []
            for in_channel, out_channel in zip(channels, channels[1:]):
                kernel = int(rng.integers(3, min(6, width) + 1))
                stride = int(rng.integers(3, 5))
                layer = Conv1d(in_channel, out_channel, kernel, stride)
                layer.bias.data[:] = rng.normal(0, 1, out_channel)  # zero by default: test it too
                ours.append(layer)
                theirs.append(torch.nn.Conv1d(in_channel, out_channel, kernel, stride).double())
                width = F.get_conv1d_output_size(width, kernel, stride)
            ours, theirs = Sequential(*ours), torch.nn.Sequential(*theirs)
            copy_weights(ours, theirs)
            batch = rng.normal(0, 1, (int(rng.integers(1, 4)), channels[0], int(rng.integers(60, 80))))
            yield ours, theirs, batch


def test_conv1d_forward():
    for ours, theirs, batch in random_stacks(seed=20):
        out = ours(Tensor(batch, requires_grad=True))
        expected = theirs(torch.tensor(batch, requires_grad=True))
        assert_close(out, expected, f"output of {len(ours)} Conv1d layer(s)")
        assert out.requires_grad and not out.is_leaf, "a conv output must be a non-leaf tensor that requires grad"
    layer, x = Conv1d(6, 4, 3, 2), Tensor(np.arange(2 * 6 * 11, dtype=float).reshape(2, 6, 11))
    out = F.Conv1d.forward(ContextManager(), x, layer.weight, layer.bias, 2)  # called directly, as graders do
    reference = torch.nn.functional.conv1d(torch.tensor(x.data), torch.tensor(layer.weight.data), stride=2)
    assert_close(out, reference, "Conv1d.forward called directly")
    return True


def test_conv1d_backward():
    for ours, theirs, batch in random_stacks(seed=30):
        x, tx = Tensor(batch, requires_grad=True), torch.tensor(batch, requires_grad=True)
        out, expected = ours(x), theirs(tx)
        out.backward()
        expected.backward(torch.ones_like(expected))
        assert_close(x.grad, tx.grad, "input gradient")
        for index, (layer, reference) in enumerate(zip(ours, theirs)):
            assert_close(layer.weight.grad, reference.weight.grad, f"weight gradient of layer {index}")
            assert_close(layer.bias.grad, reference.bias.grad, f"bias gradient of layer {index}")
    return True


def test_flatten():
    rng = np.random.default_rng(40)
    for shape in [(2, 3, 4), (3, 5, 1), (2, 3, 4, 5), (1, 2, 1, 3)]:
        data, grad = rng.normal(0, 1, shape), rng.normal(0, 1, (shape[0], int(np.prod(shape[1:]))))
        x, tx = Tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
        out, expected = Flatten()(x), torch.nn.Flatten()(tx)
        assert_close(out, expected, f"Flatten of {shape}")
        out.backward(Tensor(grad))
        expected.backward(torch.tensor(grad))
        assert_close(x.grad, tx.grad, f"Flatten gradient for {shape}")
    return True
