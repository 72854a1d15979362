"""Seconds per training step of a Linear-ReLU MLP (784-256-256-10, batch 128) in
MyTorch against the same model in torch float64 on the CPU, in one process.

    python benchmarks/mytorch_mlp.py            # about a minute
    python benchmarks/mytorch_mlp.py --quick    # a seconds-long smoke run

A step is forward, cross-entropy, backward and an SGD update. The two libraries
alternate step by step (so background load hits both alike) and each reports its
median step. A second row times a chain of 10,000 additions (forward and
backward), where the cost is per operation rather than in the matrix products.
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import numpy as np
import torch

import benchmarks
from benchmarks import time_alternating
from mytorch.nn.activations import ReLU
from mytorch.nn.linear import Linear
from mytorch.nn.loss import CrossEntropyLoss
from mytorch.nn.sequential import Sequential
from mytorch.optim.sgd import SGD
from mytorch.tensor import Tensor


def mlp_step_functions(sizes, batch_size, seed=0):
    """One training step of the same MLP in each library, as two callables."""
    np.random.seed(seed)
    layers, torch_layers = [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [Linear(fan_in, fan_out), ReLU()]
        torch_layers += [torch.nn.Linear(fan_in, fan_out), torch.nn.ReLU()]
    model = Sequential(*layers[:-1])
    reference = torch.nn.Sequential(*torch_layers[:-1]).double()
    optimizer = SGD(model.parameters(), lr=0.01)
    reference_optimizer = torch.optim.SGD(reference.parameters(), lr=0.01)
    x = np.random.randn(batch_size, sizes[0])
    y = np.random.randint(0, sizes[-1], batch_size)
    inputs, labels = Tensor(x), Tensor(y)
    torch_inputs, torch_labels = torch.tensor(x), torch.tensor(y)
    criterion = CrossEntropyLoss()

    def ours():
        optimizer.zero_grad()
        criterion(model(inputs), labels).backward()
        optimizer.step()

    def theirs():
        reference_optimizer.zero_grad()
        torch.nn.functional.cross_entropy(reference(torch_inputs), torch_labels).backward()
        reference_optimizer.step()

    return ours, theirs


def chain_functions(length):
    """Forward and backward through `length` additions, in each library."""
    def ours():
        a = Tensor(np.ones(3), requires_grad=True)
        x = a
        for _ in range(length):
            x = x + a
        x.backward()

    def theirs():
        a = torch.ones(3, dtype=torch.float64, requires_grad=True)
        x = a
        for _ in range(length):
            x = x + a
        x.backward(torch.ones(3, dtype=torch.float64))

    return ours, theirs


def run(quick=False, seed=0):
    torch.set_num_threads(1)  # NumPy's BLAS threads follow OMP_NUM_THREADS (recorded in the JSON)
    sizes, batch_size, repeats = (([64, 32, 32, 10], 16, 3) if quick
                                  else ([784, 256, 256, 10], 128, 100))
    chain_length, chain_repeats = (100, 2) if quick else (10_000, 5)
    mlp_ours, mlp_torch = time_alternating(mlp_step_functions(sizes, batch_size, seed), repeats)
    chain_ours, chain_torch = time_alternating(chain_functions(chain_length), chain_repeats)
    shape = "-".join(map(str, sizes))
    return [
        {"name": f"MLP {shape} training step, batch {batch_size}", "layers": sizes,
         "batch": batch_size, "ours_s": mlp_ours, "reference": "torch float64",
         "reference_s": mlp_torch, "ratio": mlp_ours / mlp_torch, "target": "<= 2x torch",
         "met": mlp_ours <= 2 * mlp_torch},
        {"name": f"chain of {chain_length:,} additions, forward+backward",
         "operations": chain_length, "ours_s": chain_ours, "reference": "torch float64",
         "reference_s": chain_torch, "ratio": chain_ours / chain_torch,
         "target": "none (for comparison)", "met": None},
    ]


def build_parser():
    return benchmarks.build_parser(__doc__)


if __name__ == "__main__":
    benchmarks.command_line(__doc__, __file__, run)
