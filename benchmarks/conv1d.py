"""Forward + backward of MyTorch's Conv1d against torch.nn.functional.conv1d,
both float64 on the CPU, in one process.

    python benchmarks/conv1d.py           # about half a minute
    python benchmarks/conv1d.py --quick   # seconds (smoke run)

Ours runs through the autograd engine as a model would (`Conv1d.apply`, then
`backward` with an upstream gradient into the input, weight and bias); torch
the same with `conv1d(...).backward(grad)`. Sizes (batch, in, out, kernel,
stride, width) are fixed; each timing is the median of interleaved repeats.
Target: within 1.5x of torch.
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import numpy as np
import torch

import benchmarks
import mytorch.nn.functional as F
from benchmarks import time_alternating
from mytorch.tensor import Tensor

SIZES = [(32, 24, 56, 5, 1, 200), (8, 64, 64, 3, 1, 1000)]
SIZE_FIELDS = ("batch", "in_channel", "out_channel", "kernel_size", "stride", "width")
TARGET = 1.5


def make_steps(batch, in_channel, out_channel, kernel, stride, width, seed=0):
    """Two zero-argument functions, one forward + backward each (ours, torch)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, in_channel, width))
    weight = rng.normal(size=(out_channel, in_channel, kernel))
    bias = rng.normal(size=out_channel)
    output_size = F.get_conv1d_output_size(width, kernel, stride)
    grad = rng.normal(size=(batch, out_channel, output_size))
    ours = [Tensor(a, requires_grad=True) for a in (x, weight, bias)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, weight, bias)]
    torch_grad = torch.tensor(grad)

    def step_ours():
        for t in ours:
            t.grad = None
        F.Conv1d.apply(*ours, stride).backward(grad)

    def step_torch():
        for t in theirs:
            t.grad = None
        torch.nn.functional.conv1d(*theirs, stride=stride).backward(torch_grad)

    return step_ours, step_torch


def run(quick=False, seed=0):
    torch.set_num_threads(1)
    rows = []
    for size in SIZES:
        if quick:
            size = size[:5] + (size[5] // 10,)
        ours_s, torch_s = time_alternating(make_steps(*size, seed=seed),
                                           repeats=3 if quick else 15, inner=2 if quick else 5)
        rows.append({"name": "Conv1d forward + backward (batch, in, out, kernel, stride, width) "
                             f"= {size}, float64",
                     "sizes": dict(zip(SIZE_FIELDS, size)), "ours_s": ours_s,
                     "reference": "torch.nn.functional.conv1d", "reference_s": torch_s,
                     "ratio": ours_s / torch_s, "target": f"<= {TARGET:g}x torch",
                     "met": ours_s / torch_s <= TARGET})
    return rows


def build_parser():
    return benchmarks.build_parser(__doc__)


if __name__ == "__main__":
    benchmarks.command_line(__doc__, __file__, run)
