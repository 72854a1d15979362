"""Comparisons of a hand-in's Tensors with torch float64, as the course's graders make them:
exact type `np.ndarray`, identical shape, then closeness (rtol 1e-5, atol 1e-8).

Every failure is an AssertionError whose one line names the tensor ("weight gradient of
Linear layer 2 after step 3"), and says what differs: the largest absolute difference, or
the expected and actual shape or type. The hand-in's `Tensor` class is imported only when
a comparison runs, inside the test's child process, so this module loads no MyTorch.
"""
import numpy as np
import torch

RTOL, ATOL = 1e-5, 1e-8
PARAMETER_NAMES = ("weight", "bias", "gamma", "beta")


def handin_tensor_class():
    """The hand-in's Tensor (imported from the hand-in's mytorch when first needed)."""
    from mytorch.tensor import Tensor
    return Tensor


def as_array(expected):
    """A torch tensor or array-like as a float64 NumPy array."""
    if isinstance(expected, torch.Tensor):
        return expected.detach().numpy()
    return np.asarray(expected)


def describe(value):
    """A short name for a value in a failure line."""
    data = getattr(value, "data", None)
    if isinstance(data, np.ndarray):
        return f"a {type(value).__name__} of shape {data.shape}"
    return f"a {type(value).__name__}"


def assert_array(actual, expected, what):
    """`actual` is an np.ndarray of `expected`'s shape and values."""
    expected = as_array(expected)
    assert type(actual) is np.ndarray, \
        f"{what}: .data is a {type(actual).__name__}, expected np.ndarray"
    assert actual.shape == expected.shape, \
        f"{what}: shape {actual.shape}, expected {expected.shape}"
    if not np.allclose(actual, expected, rtol=RTOL, atol=ATOL):
        with np.errstate(all="ignore"):
            gap = np.max(np.abs(actual.astype(np.float64) - expected), initial=0.0)
        raise AssertionError(f"{what}: values differ from torch, largest absolute difference "
                             f"{gap:.3g}")


def assert_close(ours, expected, what):
    """`ours` (a hand-in Tensor, or None) equals `expected` (a torch tensor, an array, or
    None when torch has no value there, such as the .grad of an intermediate tensor)."""
    if expected is None:
        assert ours is None, f"{what}: expected None (as torch), got {describe(ours)}"
        return
    shape = tuple(as_array(expected).shape)
    assert ours is not None, f"{what}: is None, expected a Tensor of shape {shape}"
    tensor = handin_tensor_class()
    assert isinstance(ours, tensor), f"{what}: is {describe(ours)}, expected a Tensor"
    assert_array(ours.data, expected, what)


def assert_grad(ours, expected, what):
    """The .grad of hand-in Tensor `ours` equals the .grad of torch tensor `expected`;
    `what` names the tensor ("weight of Conv1d layer 2": "weight gradient of Conv1d layer 2")."""
    name, of, layer = what.partition(" of ")
    named = of and name in PARAMETER_NAMES
    assert_close(ours.grad, expected.grad,
                 f"{name} gradient of {layer}" if named else f"gradient of {what}")


def assert_leaf_parameter(tensor, what):
    """A parameter stays a leaf that requires grad and is marked a parameter."""
    flags = {name: getattr(tensor, name, None) for name in ("is_leaf", "requires_grad",
                                                            "is_parameter")}
    wrong = [f"{name}={value}" for name, value in flags.items() if value is not True]
    assert not wrong, f"{what}: must be a leaf parameter, has {', '.join(wrong)}"


def torch_of(tensor, requires_grad=False):
    """A float64 torch tensor with the values of a hand-in Tensor (or an array)."""
    data = getattr(tensor, "data", tensor)
    return torch.tensor(np.array(data, dtype=np.float64), requires_grad=requires_grad)


def copy_into(torch_parameter, tensor, what):
    """Give a torch parameter the values of a hand-in parameter of the same shape."""
    data = getattr(tensor, "data", None)
    assert type(data) is np.ndarray, f"{what}: .data is {describe(data)}, expected np.ndarray"
    expected = tuple(torch_parameter.shape)
    assert data.shape == expected, f"{what}: shape {data.shape}, expected {expected}"
    with torch.no_grad():
        torch_parameter.copy_(torch.tensor(data, dtype=torch.float64))


def warm_up():
    """Run once, in the runner, each kind of torch work the checks do (torch loads parts of
    itself on first use), so that it is done before the children are forked, not in each.
    One thread, so that no thread pool is started before a fork."""
    torch.set_num_threads(1)
    model = torch.nn.Sequential(torch.nn.Conv1d(2, 3, 2, 2), torch.nn.Tanh(), torch.nn.Flatten(),
                                torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(),
                                torch.nn.Sigmoid()).double()
    x = torch.ones((2, 2, 3), dtype=torch.float64, requires_grad=True)
    torch.nn.functional.cross_entropy(model(x), torch.tensor([0, 1])).backward()
    model.eval()
    (torch.add(x, x) * x - x / (x + 2)).exp().sum().backward()
    x.backward(torch.ones_like(x))  # a given gradient: torch imports its shape checks here
