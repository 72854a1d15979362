from mytorch.tensor import Tensor


class Module:
    """Base class (superclass) for all components of an NN."""

    def __init__(self):
        self._submodules = {}
        self._parameters = {}
        self.is_train = True

    def train(self):
        self.is_train = True
        for submodule in self._submodules.values():
            submodule.train()

    def eval(self):
        self.is_train = False
        for submodule in self._submodules.values():
            submodule.eval()

    def forward(self, *args):
        raise NotImplementedError("Subclasses of Module must implement forward")

    def is_parameter(self, obj):
        return isinstance(obj, Tensor) and obj.is_parameter

    def parameters(self):
        """Returns a generator of this module's parameters, then its submodules'."""
        self._ensure_is_initialized()
        for name, parameter in self._parameters.items():
            yield parameter
        for name, module in self._submodules.items():
            for parameter in module.parameters():
                yield parameter

    def add_parameter(self, name, value):
        self._ensure_is_initialized()
        self._parameters[name] = value

    def add_module(self, name, value):
        self._ensure_is_initialized()
        self._submodules[name] = value

    def __setattr__(self, name, value):
        if self.is_parameter(value):
            self.add_parameter(name, value)
        elif isinstance(value, Module):
            self.add_module(name, value)
        object.__setattr__(self, name, value)

    def __call__(self, *args):
        return self.forward(*args)

    def _ensure_is_initialized(self):
        if self.__dict__.get("_submodules") is None:
            raise Exception("Module not initialized. "
                            "Did you forget to call super().__init__()?")
