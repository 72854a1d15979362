"""The hand-in's side of `lib` (see drivers): the course interface called on the hand-in's
classes, and every recorded value turned into plain data (a Tensor's `.data` copied as an
array, flags, type names) for the runner to judge. Nothing here decides a test."""
import importlib
import os
import traceback

import numpy as np

import drivers
import wire

MODULES = {"Linear": "mytorch.nn.linear", "ReLU": "mytorch.nn.activations",
           "Tanh": "mytorch.nn.activations", "Sigmoid": "mytorch.nn.activations",
           "BatchNorm1d": "mytorch.nn.batchnorm", "Dropout": "mytorch.nn.dropout",
           "Conv1d": "mytorch.nn.conv", "Flatten": "mytorch.nn.conv"}
SCANNING = {"simple": "CNN_SimpleScanningMLP", "distributed": "CNN_DistributedScanningMLP"}


MESSAGE_CHARACTERS = 200  # of an exception's message: its file:line always follows


class HandinError(Exception):
    """A hand-in object that the test cannot use as the course interface says."""


def one_line(err, folder):
    """An exception as one line: type, message and where in the hand-in it was raised
    (the innermost frame in `folder`, as a path relative to the hand-in's root; for a
    SyntaxError, the file and line it names)."""
    if isinstance(err, SystemExit):
        return f"the hand-in called sys.exit({err.code!r})"
    text = str(err).strip().splitlines()
    message = wire.shorten(text[0], MESSAGE_CHARACTERS) if text else ""
    line = f"{type(err).__name__}: {message}".rstrip(": ")
    places = [(frame.filename, frame.lineno)
              for frame in traceback.extract_tb(err.__traceback__)]
    if isinstance(err, SyntaxError) and isinstance(err.filename, str):
        places.append((err.filename, err.lineno))
    places = [(name, number) for name, number in places if name.startswith(folder)]
    if places:
        line += f" (at {os.path.relpath(places[-1][0], folder)}:{places[-1][1]})"
    return line


def handin_class(kind):
    return getattr(importlib.import_module(MODULES[kind]), kind)


def type_name(value):
    return type(value).__name__


def copied(array):
    """A copy of an array the hand-in holds (it may change it in place later)."""
    return np.array(array, copy=True) if type(array) is np.ndarray \
        else {"kind": type_name(array)}


def flag(value):
    return bool(value) if type(value) in (bool, np.bool_) else {"kind": type_name(value)}


class Handin:
    """Calls into the hand-in; `observed` collects what the drivers record."""

    def __init__(self, folder):
        self.observed, self.folder = {}, folder
        self.Tensor = None

    def start(self):
        """Import the hand-in's Tensor (a step of every test but the imports' check)."""
        self.Tensor = importlib.import_module("mytorch.tensor").Tensor

    def record_import(self, module):
        """None when the hand-in's `module` imports, else the exception's line."""
        try:
            importlib.import_module(module)
            self.observed[module] = None
        except Exception as err:
            self.observed[module] = one_line(err, self.folder)

    def rule(self, what, steps):
        """Steps only the handout asks for: the hand-in's exception in them is recorded
        (a warning in the runner), and the test goes on."""
        try:
            steps()
        except Exception as err:
            self.observed[drivers.raised_key(what)] = one_line(err, self.folder)

    def snapshot(self, tensor):
        data = getattr(tensor, "data", None)
        return np.array(data, copy=True) if type(data) is np.ndarray else None

    def record_unchanged(self, key, tensor, before):
        data = getattr(tensor, "data", None)
        self.observed[key] = bool(before is not None and type(data) is np.ndarray
                                  and data.shape == before.shape
                                  and np.array_equal(data, before, equal_nan=True))

    def record_statistic(self, key, value):
        """A BatchNorm running statistic: a Tensor or a bare array, either kept."""
        self.observed[key] = {"kind": "Tensor", "data": copied(value)} \
            if type(value) is np.ndarray else self.observe(value)

    def observe(self, value):
        if value is None:
            return None
        if not isinstance(value, self.Tensor):
            return {"kind": type_name(value)}
        return {"kind": "Tensor", "data": copied(value.data)}

    def record(self, key, value):
        self.observed[key] = self.observe(value)

    def record_flags(self, key, tensor, names):
        self.observed[key] = {name: flag(getattr(tensor, name, None)) for name in names}

    def record_value(self, key, value):
        if type(value) in (tuple, list):
            value = [int(item) if isinstance(item, (int, np.integer)) else type_name(item)
                     for item in value]
        elif isinstance(value, (bool, np.bool_)):
            value = bool(value)
        elif isinstance(value, (int, np.integer)):
            value = int(value)
        elif type(value) is not str:
            value = {"kind": type_name(value)}
        self.observed[key] = value

    def record_draws(self, key, first, second, p):
        self.observed[key] = [first, second]

    def tensor(self, data, requires_grad=False):
        return self.Tensor(np.array(data), requires_grad=requires_grad)

    def function_forward(self, name, a, b):
        functional = importlib.import_module("mytorch.nn.functional")
        ctx = importlib.import_module("mytorch.autograd_engine").ContextManager()
        return ctx, getattr(functional, name).forward(ctx, a, b)

    def function_backward(self, name, ctx, upstream):
        return getattr(importlib.import_module("mytorch.nn.functional"), name).backward(
            ctx, upstream)

    def backward(self, tensor):
        tensor.backward()

    def transpose(self, tensor):
        """`T()` as the skeleton has it, or a `T` property as some hand-ins made it."""
        transposed = tensor.T
        return transposed if isinstance(transposed, self.Tensor) else transposed()

    def draw(self, tensor):
        """A copy of an output's data now (a later call may change it in place)."""
        return copied(getattr(tensor, "data", None))

    def grad(self, tensor):
        return tensor.grad

    def layer(self, kind, *arguments):
        return handin_class(kind)(*arguments)

    def sequential(self, layers):
        return importlib.import_module("mytorch.nn.sequential").Sequential(*layers)

    def call(self, function, x):
        return function(x)

    def set_parameter(self, layer, attribute, value, what):
        """Write the runner's values into the hand-in's parameter, in place."""
        data = getattr(getattr(layer, attribute), "data", None)
        if type(data) is not np.ndarray:
            raise HandinError(f"{what}: .data is a {type_name(data)}, expected np.ndarray")
        if data.shape != value.shape:
            raise HandinError(f"{what}: shape {data.shape}, expected {value.shape}")
        data[...] = value

    def parameter(self, layer, attribute):
        return getattr(layer, attribute)

    def attribute(self, owner, name):
        return getattr(owner, name)

    def parameters(self, model):
        return list(model.parameters())

    def train(self, model, mode):
        model.train() if mode else model.eval()

    def optimizer(self, settings, parameters):
        if settings["kind"] == "adam":
            return importlib.import_module("mytorch.optim.adam").Adam(parameters,
                                                                      lr=settings["lr"])
        return importlib.import_module("mytorch.optim.sgd").SGD(
            parameters, lr=settings["lr"], momentum=settings["momentum"])

    def cross_entropy(self, out, labels):
        loss = importlib.import_module("mytorch.nn.loss").CrossEntropyLoss()
        return loss(out, self.Tensor(np.array(labels)))

    def dropout(self, layer, x, key, before):
        """The layer on `x`; its input as it was before the call and its output are kept,
        for the runner to read the mask off."""
        out = layer(x)
        self.observed[f"{key}: mask"] = [before if before is not None else {"kind": "None"},
                                         copied(getattr(out, "data", None))]
        return out

    def scanning_model(self, name):
        return getattr(importlib.import_module("hw2.mlp_scan"), SCANNING[name])()

    def init_weights(self, model, weights):
        model.init_weights(tuple(weights))

    def conv_layers(self, model):
        return [layer for layer in model.layers.layers if isinstance(layer, handin_class("Conv1d"))]

    def contains(self, tensors, tensor):
        return any(item is tensor for item in tensors)

    def shape(self, tensor):
        data = getattr(tensor, "data", None)
        return tuple(data.shape) if type(data) is np.ndarray else type_name(data)

    def cnn(self):
        return importlib.import_module("hw2.hw2").CNN()

    def layers_of(self, model):
        return list(model.layers.layers)

    def describe_layer(self, layer):
        """'Conv1d(24, 56, 5, 1)', 'Tanh()', 'Linear(182, 10)': the course class the layer
        is, with what the figure fixes."""
        for kind in ("Conv1d", "Linear", "Flatten", "Tanh", "ReLU", "Sigmoid"):
            if isinstance(layer, handin_class(kind)):
                if kind == "Conv1d":
                    settings = (layer.in_channel, layer.out_channel, layer.kernel_size,
                                layer.stride)
                elif kind == "Linear":
                    settings = tuple(reversed(layer.weight.data.shape))
                else:
                    settings = ()
                return f"{kind}({', '.join(str(int(value)) for value in settings)})"
        return f"a {type_name(layer)}"

    def final_conv_output_size(self, model, width):
        """The handout's function on the list of the CNN's layers, as its docstring has it."""
        return importlib.import_module("hw2.hw2").get_final_conv_output_size(
            list(model.layers.layers), width)
