"""HW2P1 section 1: Conv1d forward and backward, and Flatten, against torch float64.

Conv1d stacks of 1, 2 and 3 layers, sizes drawn from fixed seeds in the course's ranges
(batch 1-3, width 60-79, channels 5-14, kernel 3-6, stride 3-4) and random biases (a
Conv1d starts with zero biases, which would hide a bias that is dropped). Gradients come
from `backward()` on the non-scalar output (a gradient of ones, as torch's `.sum()`); in a
deeper stack the earlier layers see gradients that vary.
"""
import numpy as np
import torch

from autograder.checking import assert_close, assert_grad
from autograder.models import Twin

STACK_DEPTHS = (1, 2, 3)
CASES_PER_DEPTH = 2


def random_stacks(seed):
    """Yield (Twin of a Conv1d stack, input batch, description) for every depth and case."""
    rng = np.random.default_rng(seed)
    for depth in STACK_DEPTHS:
        for case in range(CASES_PER_DEPTH):
            channels = [int(c) for c in rng.integers(5, 15, depth + 1)]
            width = start = int(rng.integers(60, 80))
            spec = []
            for in_channel, out_channel in zip(channels, channels[1:]):
                kernel = int(rng.integers(3, min(6, width) + 1))
                stride = int(rng.integers(3, 5))
                spec.append(("Conv1d", in_channel, out_channel, kernel, stride))
                width = (width - kernel) // stride + 1
            twin = Twin(spec, int(rng.integers(1 << 31)))
            for ours, theirs in zip(twin.ours.layers, twin.theirs):
                bias = rng.normal(0, 1, ours.out_channel)
                ours.bias.data[...] = bias
                with torch.no_grad():
                    theirs.bias.copy_(torch.tensor(bias))
            batch = rng.normal(0, 1, (int(rng.integers(1, 4)), channels[0], start))
            layers = ", ".join(f"Conv1d{args[1:]}" for args in spec)
            yield twin, batch, f"stack {depth}.{case + 1} [{layers}] on {batch.shape}"


def test_conv1d_forward():
    from mytorch.tensor import Tensor
    for twin, batch, stack in random_stacks(seed=20):
        out, expected = twin.forward(Tensor(batch, requires_grad=True),
                                     torch.tensor(batch, requires_grad=True))
        assert_close(out, expected, f"output of {stack}")
        assert out.requires_grad and not out.is_leaf, \
            f"output of {stack}: must require grad and not be a leaf (a node of the graph)"
    return True


def test_conv1d_backward():
    from mytorch.tensor import Tensor
    for twin, batch, stack in random_stacks(seed=30):
        x, tx = Tensor(batch, requires_grad=True), torch.tensor(batch, requires_grad=True)
        out, expected = twin.forward(x, tx)
        out.backward()
        expected.sum().backward()
        assert_grad(x, tx, f"the input of {stack}")
        for ours, theirs, what in twin.parameters():
            assert_grad(ours, theirs, f"{what} in {stack}")
    return True


def test_flatten():
    """Flatten of (batch, channels, width) to (batch, channels * width) in C order, and its
    gradient: a random upstream gradient, multiplied in as a constant Tensor (with ones a
    wrong order would not show)."""
    from mytorch.nn.conv import Flatten
    from mytorch.tensor import Tensor
    rng = np.random.default_rng(40)
    for _ in range(4):
        shape = tuple(int(n) for n in rng.integers(1, 8, 3))
        data, upstream = rng.normal(0, 1, shape), rng.normal(0, 1, (shape[0], shape[1] * shape[2]))
        x, tx = Tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
        out, expected = Flatten()(x), torch.nn.Flatten()(tx)
        assert_close(out, expected, f"Flatten of {shape}")
        (out * Tensor(upstream)).backward()
        (expected * torch.tensor(upstream)).sum().backward()
        assert_grad(x, tx, f"the input of Flatten of {shape}")
    return True
