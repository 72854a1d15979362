"""The runner's side of `lib` (see autograder/child/drivers.py): the same steps on torch
float64, each record becoming an expected value. Built in the runner's process only; it
reads the hand-in's data just where the course's tests do (the Dropout masks a hand-in
drew), after checking it."""
import numpy as np
import torch
from torch import nn

from autograder import checking
from autograder.child.drivers import raised_key
from autograder.hw2_autograder.torch_cnn import torch_cnn
from autograder.reference_optim import SGD, Adam

TORCH_LAYERS = {"Linear": nn.Linear, "ReLU": nn.ReLU, "Tanh": nn.Tanh, "Sigmoid": nn.Sigmoid,
                "BatchNorm1d": nn.BatchNorm1d, "Conv1d": nn.Conv1d, "Flatten": nn.Flatten}
TORCH_NAMES = {"gamma": "weight", "beta": "bias"}
OPERATORS = {"Add": torch.add, "Sub": torch.sub, "Mul": torch.mul, "Div": torch.div}


class Stop(Exception):
    """The reference cannot go on: what the hand-in sent at `key` is unusable."""

    def __init__(self, key, message):
        super().__init__(message)
        self.key, self.message = key, message


class DropoutMask(nn.Identity):
    """A Dropout layer of the reference: its mask is the hand-in's own (see Torch.dropout)."""

    def __init__(self, p):
        super().__init__()
        self.p = p


class ScanReference(nn.Module):
    """What a scanning-MLP CNN must show: three Conv1d weights of the handout's shapes,
    leaf parameters of its .layers, and the output of the MLP scanned over the series."""

    def __init__(self, shapes, output):
        super().__init__()
        self.layers = nn.ParameterList([nn.Parameter(torch.zeros(shape, dtype=torch.float64))
                                        for shape in shapes])
        self.output = torch.tensor(output)

    def forward(self, x):
        return self.output


class CNNReference(nn.Module):
    """The handout's CNN in torch, with its layers under `.layers` as a hand-in's."""

    def __init__(self):
        super().__init__()
        self.layers = torch_cnn()

    def forward(self, x):
        return self.layers(x)


class Torch:
    """torch float64 behind the drivers' calls; `expected` collects what they record, as
    (key, checking.Expected) in the order the test checks them. `observed` is the hand-in's
    reply, read only for the Dropout masks."""

    def __init__(self, observed, scans=None):
        self.observed, self.scans = observed, scans or {}
        self.expected, self.training, self.rules = [], True, 0
        self.dropped = {}  # p: [first mask's key, units dropped, units that were not 0]

    def expect(self, key, kind, value):
        if kind not in ("check", "raised") and any(key == known for known, _ in self.expected):
            raise ValueError(f"the test records {key!r} twice")  # a fault of the test
        self.expected.append((key, checking.Expected(kind, value, self.rules > 0)))

    def rule(self, what, steps):
        """Steps only the handout asks for: what they record is a rule's (a warning)."""
        self.rules += 1
        try:
            self.expect(raised_key(what), "raised", None)
            steps()
        finally:
            self.rules -= 1

    def snapshot(self, tensor):
        return None

    def record_unchanged(self, key, tensor, before):
        self.expect(key, "check", lambda same: None if same is True else key)

    def record_statistic(self, key, value):
        self.record(key, value)

    def record(self, key, value):
        self.expect(key, "tensor", None if value is None else value.detach().clone())

    def record_flags(self, key, tensor, names):
        flags = {"requires_grad": tensor.requires_grad, "is_leaf": tensor.is_leaf,
                 "is_parameter": isinstance(tensor, nn.Parameter)}
        self.expect(key, "flags", {name: flags[name] for name in names})

    def record_value(self, key, value):
        self.expect(key, "value", list(value) if isinstance(value, tuple) else value)

    def record_draws(self, key, first, second, p):
        self.expect(key, "check", lambda draws: checking.dropout_draws(draws, tuple(first.shape),
                                                                       p))

    def tensor(self, data, requires_grad=False):
        return torch.tensor(np.array(data), requires_grad=requires_grad)

    def function_forward(self, name, a, b):
        out = OPERATORS[name](a, b)
        return (out, a, b), out

    def function_backward(self, name, ctx, upstream):
        out, a, b = ctx
        return torch.autograd.grad(out, (a, b), upstream)

    def backward(self, tensor):
        """As the course's `.backward()`: a non-scalar output seeds a gradient of ones."""
        (tensor.sum() if tensor.dim() else tensor).backward()

    def transpose(self, tensor):
        return tensor.T

    def draw(self, tensor):
        return tensor

    def grad(self, tensor):
        return tensor.grad if tensor.is_leaf else None

    def layer(self, kind, *arguments):
        return DropoutMask(*arguments) if kind == "Dropout" \
            else TORCH_LAYERS[kind](*arguments).double()

    def sequential(self, layers):
        return nn.Sequential(*layers)

    def call(self, function, x):
        return function(x)

    def set_parameter(self, layer, attribute, value, what):
        with torch.no_grad():
            self.parameter(layer, attribute).copy_(torch.tensor(value))

    def parameter(self, layer, attribute):
        return getattr(layer, TORCH_NAMES.get(attribute, attribute))

    def attribute(self, owner, name):
        return getattr(owner, name)

    def parameters(self, model):
        return list(model.parameters())

    def train(self, model, mode):
        model.train(mode)
        self.training = mode

    def optimizer(self, settings, parameters):
        if settings["kind"] == "adam":
            return Adam(parameters, lr=settings["lr"])
        return SGD(parameters, lr=settings["lr"], momentum=settings["momentum"])

    def cross_entropy(self, out, labels):
        return nn.functional.cross_entropy(out, torch.tensor(np.array(labels)))

    def dropout(self, layer, x, key, before):
        """Torch's activations times the mask read off the hand-in's Dropout output, once
        that output is checked: each unit 0 or its input / (1 - p) while training, the
        input itself in eval mode."""
        pair = self.observed.get(f"{key}: mask")
        if pair is None:
            raise Stop(f"{key}: mask", None)
        shape = tuple(x.shape)
        valid = (isinstance(pair, list) and len(pair) == 2
                 and all(type(a) is np.ndarray and a.shape == shape
                         and a.dtype.kind == "f" for a in pair))
        if not valid:
            raise Stop(key, f"{key}: expected the input and output of Dropout as np.ndarray "
                            f"of shape {shape}")
        ours_in, ours_out = (a.astype(np.float64) for a in pair)
        if not self.training:
            self.expect(f"{key}: mask", "check",
                        lambda pair: checking.array_message(pair[1], ours_in,
                                                            f"{key} in eval mode (must be "
                                                            "the input)"))
            return x
        kept = ours_out != 0
        counts = self.dropped.setdefault(layer.p, [f"{key}: mask", 0, 0])
        counts[1] += int(np.sum(~kept & (ours_in != 0)))
        counts[2] += int(np.sum(ours_in != 0))
        scaled = np.where(kept, ours_in / (1 - layer.p), 0.0)
        self.expect(f"{key}: mask", "check",
                    lambda pair: checking.array_message(np.where(kept, pair[1], 0.0), scaled,
                                                        f"{key} (kept units are scaled by "
                                                        "1 / (1 - p))"))
        return x * torch.tensor(kept / (1 - layer.p))

    def finish(self):
        """Checks over the whole test: each Dropout rate's share of units dropped, over
        all its calls, within 5 standard deviations of p (no mask that drops all, or
        nothing, passes)."""
        for p, (key, dropped, units) in self.dropped.items():
            share = dropped / max(units, 1)
            if abs(share - p) > 5 * np.sqrt(p * (1 - p) / max(units, 1)):
                line = (f"Dropout(p={p}) dropped {share:.3f} of the units over the test's calls, "
                        f"expected about {p}")
                self.expect(key, "check", lambda _, line=line: line)

    def scanning_model(self, name):
        shapes, output = self.scans[name]
        return ScanReference(shapes, output)

    def init_weights(self, model, weights):
        pass

    def conv_layers(self, model):
        return [_Weighted(weight) for weight in model.layers]

    def contains(self, tensors, tensor):
        return any(item is tensor for item in tensors)

    def shape(self, tensor):
        return tuple(tensor.shape)

    def cnn(self):
        return CNNReference()

    def layers_of(self, model):
        return list(model.layers)

    def describe_layer(self, layer):
        if isinstance(layer, nn.Conv1d):
            settings = (layer.in_channels, layer.out_channels, *layer.kernel_size,
                        *layer.stride)
        elif isinstance(layer, nn.Linear):
            settings = (layer.in_features, layer.out_features)
        else:
            settings = ()
        return f"{type(layer).__name__}({', '.join(map(str, settings))})"

    def final_conv_output_size(self, model, width):
        for layer in model.layers:
            if isinstance(layer, nn.Conv1d):
                width = (width - layer.kernel_size[0]) // layer.stride[0] + 1
        return width


class _Weighted:
    """A Conv1d of a scanning reference: only its weight is looked at."""

    def __init__(self, weight):
        self.weight = weight
