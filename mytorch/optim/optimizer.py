"""Optimizer: the base class that holds the parameters and clears their gradients."""


def check_hyperparameter(name, value, low=0.0, high=None):
    """Raise ValueError unless low <= value (< high), as torch's optimizers do; a
    negative learning rate would climb the loss, and NaN compares false."""
    if not (low <= value and (high is None or value < high)):
        bound = f"in [{low}, {high})" if high is not None else f">= {low}"
        raise ValueError(f"invalid {name}: {value!r} (must be {bound})")


class Optimizer:
    def __init__(self, params):
        self.params = list(params)
        if not self.params:
            raise ValueError("optimizer got an empty parameter list")

    def step(self):
        raise NotImplementedError

    def zero_grad(self):
        for param in self.params:
            param.grad = None
