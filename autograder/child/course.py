"""The hand-in's side of `lib` (see drivers): the course interface called on the hand-in's
classes, and every recorded value turned into plain data (a Tensor's `.data` copied as an
array, flags, type names) for the runner to judge. Nothing here decides a test."""
import importlib

import numpy as np

MODULES = {"Linear": "mytorch.nn.linear", "ReLU": "mytorch.nn.activations",
           "Tanh": "mytorch.nn.activations", "Sigmoid": "mytorch.nn.activations",
           "BatchNorm1d": "mytorch.nn.batchnorm", "Dropout": "mytorch.nn.dropout",
           "Conv1d": "mytorch.nn.conv", "Flatten": "mytorch.nn.conv"}
SCANNING = {"simple": "CNN_SimpleScanningMLP", "distributed": "CNN_DistributedScanningMLP"}


class HandinError(Exception):
    """A hand-in object that the test cannot use as the course interface says."""


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

    def __init__(self):
        self.observed = {}
        self.Tensor = importlib.import_module("mytorch.tensor").Tensor

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
        self.observed[key] = [copied(getattr(out, "data", out)) for out in (first, second)]

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
        return tensor.T()

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

    def dropout(self, layer, x, key):
        out = layer(x)
        self.observed[f"{key}: mask"] = [copied(getattr(x, "data", None)),
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
        return importlib.import_module("hw2.hw2").get_final_conv_output_size(model.layers, width)
