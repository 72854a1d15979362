"""Module: the base class of layers and models.

Assigning a parameter Tensor (`is_parameter=True`) or a Module to an attribute
registers it, so `parameters()` finds, recursively, the very Tensors the layers
compute with (which is what an optimizer updates in place).
"""
import numbers

from mytorch.tensor import Tensor


def check_sizes(layer, **sizes):
    """Raise ValueError unless every size (in_features, kernel_size, ...) is an
    integer >= 1: a layer with no inputs, outputs or taps computes nothing."""
    for name, size in sizes.items():
        if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
            raise ValueError(f"{layer}: {name} must be a positive integer, got {size!r}")


class Module:
    def __init__(self):
        self.__dict__.setdefault("_parameters", {})
        self.__dict__.setdefault("_submodules", {})
        self.is_train = True

    def __setattr__(self, name, value):
        self.__dict__.get("_parameters", {}).pop(name, None)  # the name may change kind
        self.__dict__.get("_submodules", {}).pop(name, None)
        if isinstance(value, Module):
            self.add_module(name, value)
        elif isinstance(value, Tensor) and value.is_parameter:
            self.add_parameter(name, value)
        object.__setattr__(self, name, value)

    def add_parameter(self, name, value):
        self.__dict__.setdefault("_parameters", {})[name] = value

    def add_module(self, name, value):
        self.__dict__.setdefault("_submodules", {})[name] = value

    def parameters(self):
        """Yield every parameter Tensor of this module and its submodules, each once."""
        seen = set()
        for module in self._modules_recursive():
            for parameter in module.__dict__.get("_parameters", {}).values():
                if id(parameter) not in seen:
                    seen.add(id(parameter))
                    yield parameter

    def _modules_recursive(self):
        yield self
        for submodule in self.__dict__.get("_submodules", {}).values():
            yield from submodule._modules_recursive()

    def train(self):
        for module in self._modules_recursive():
            object.__setattr__(module, "is_train", True)
        return self

    def eval(self):
        for module in self._modules_recursive():
            object.__setattr__(module, "is_train", False)
        return self

    def forward(self, *args):
        raise NotImplementedError(f"{type(self).__name__} has no forward()")

    def __call__(self, *args):
        return self.forward(*args)
