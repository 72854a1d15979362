"""Hand-in models and their torch float64 twins, built side by side from one list of layer
specs such as [("Linear", 7, 5), ("ReLU",)], starting from the same weights.

The hand-in's layers are made by the class names and module paths of the course interface
(imported when a test runs, so a missing bonus file costs only the bonus tests). Weights are
read from the hand-in's layers and copied into torch, so how a hand-in initialises does not
matter. Dropout has no torch twin: its mask is read off the hand-in's output (every unit is
either dropped to 0 or scaled by 1 / (1 - p)) and applied to torch's activations, so the
hand-in may draw its mask however it likes.
"""
import importlib

import numpy as np
import torch

from autograder.checking import assert_array, copy_into

MODULES = {"Linear": "mytorch.nn.linear", "ReLU": "mytorch.nn.activations",
           "Tanh": "mytorch.nn.activations", "Sigmoid": "mytorch.nn.activations",
           "BatchNorm1d": "mytorch.nn.batchnorm", "Dropout": "mytorch.nn.dropout",
           "Conv1d": "mytorch.nn.conv", "Flatten": "mytorch.nn.conv"}
PARAMETERS = {"Linear": (("weight", "weight"), ("bias", "bias")),  # (hand-in name, torch name)
              "Conv1d": (("weight", "weight"), ("bias", "bias")),
              "BatchNorm1d": (("gamma", "weight"), ("beta", "bias"))}
TORCH = {"Linear": torch.nn.Linear, "ReLU": torch.nn.ReLU, "Tanh": torch.nn.Tanh,
         "Sigmoid": torch.nn.Sigmoid, "BatchNorm1d": torch.nn.BatchNorm1d,
         "Conv1d": torch.nn.Conv1d, "Flatten": torch.nn.Flatten}


def handin_class(kind):
    """The hand-in's class `kind` from its course module path."""
    return getattr(importlib.import_module(MODULES[kind]), kind)


class Twin:
    """A hand-in Sequential (`ours`) and the torch layers that mirror it (`theirs`)."""

    def __init__(self, spec, seed):
        from mytorch.nn.sequential import Sequential
        np.random.seed(seed)  # the hand-in initialises with np.random
        self.kinds = [kind for kind, *_ in spec]
        self.ours = Sequential(*[handin_class(kind)(*args) for kind, *args in spec])
        self.theirs = [None if kind == "Dropout" else TORCH[kind](*args).double()
                       for kind, *args in spec]
        self.p = {index: args[0] for index, (kind, *args) in enumerate(spec) if kind == "Dropout"}
        for ours, theirs, what in self.parameters():
            copy_into(theirs, ours, what)

    def layers(self):
        """(hand-in layer, torch layer, name such as 'Linear layer 2') for every layer."""
        counts = {}
        for ours, theirs, kind in zip(self.ours.layers, self.theirs, self.kinds):
            counts[kind] = counts.get(kind, 0) + 1
            yield ours, theirs, f"{kind} layer {counts[kind]}"

    def parameters(self):
        """(hand-in Tensor, torch parameter, name) for every parameter, layer by layer."""
        for (ours, theirs, name), kind in zip(self.layers(), self.kinds):
            for our_name, torch_name in PARAMETERS.get(kind, ()):
                yield getattr(ours, our_name), getattr(theirs, torch_name), f"{our_name} of {name}"

    def train(self, mode=True):
        """train() / eval() on both models."""
        (self.ours.train if mode else self.ours.eval)()
        for theirs in self.theirs:
            if theirs is not None:
                theirs.train(mode)

    def forward(self, x, tx):
        """Both models on the same batch. Without Dropout this is `ours(x)`; with it the
        hand-in's layers run one at a time so that each Dropout mask can be read off."""
        if not self.p:
            return self.ours(x), torch.nn.Sequential(*self.theirs)(tx)
        for index, (ours, theirs, name) in enumerate(self.layers()):
            out = ours(x)
            if index in self.p:
                tx = tx * torch.tensor(dropout_scale(x, out, self.p[index], self.ours.is_train,
                                                     name))
            else:
                tx = theirs(tx)
            x = out
        return x, tx


def dropout_scale(x, out, p, training, name):
    """The factor a Dropout layer applied to each unit: 0 or 1 / (1 - p) while training
    (checked on every unit that was not 0 already), 1 in eval mode."""
    assert type(out.data) is np.ndarray and out.data.shape == x.data.shape, \
        f"output of {name}: expected an np.ndarray of shape {x.data.shape}"
    if not training:
        assert_array(out.data, x.data, f"output of {name} in eval mode (must be the input)")
        return np.ones(x.data.shape)
    kept = out.data != 0
    assert_array(np.where(kept, out.data, 0.0), np.where(kept, x.data / (1 - p), 0.0),
                 f"output of {name} (kept units are scaled by 1 / (1 - p))")
    return kept / (1 - p)
