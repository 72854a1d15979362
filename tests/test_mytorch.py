"""MyTorch: values and gradients against torch (float64), graph rules, layers, optimizers."""

import numpy as np
import pytest
import torch

import mytorch.nn.functional as F
from mytorch.nn.activations import ReLU
from mytorch.nn.batchnorm import BatchNorm1d
from mytorch.nn.conv import Conv1d
from mytorch.nn.dropout import Dropout
from mytorch.nn.linear import Linear
from mytorch.nn.sequential import Sequential
from mytorch.optim.adam import Adam
from mytorch.optim.sgd import SGD
from mytorch.tensor import Tensor
from utils import REPO_ROOT


def pair(shape, rng, requires_grad=True):
    """The same random values as a mytorch Tensor and a torch tensor."""
    data = rng.standard_normal(shape)
    return (Tensor(data, requires_grad=requires_grad),
            torch.tensor(data, requires_grad=requires_grad))


def close(ours, theirs):
    expected = theirs.detach().numpy()
    assert type(ours.data) is np.ndarray and ours.data.shape == expected.shape
    np.testing.assert_allclose(ours.data, expected, rtol=1e-5, atol=1e-8)


def test_broadcast_arithmetic_matches_torch():
    rng = np.random.default_rng(0)
    a, ta = pair((3, 4), rng)
    b, tb = pair((4,), rng)
    c, tc = pair((3, 1), rng)
    out = ((a + b) * c - a / (b * b + 1.0) - 2 * c).sum()
    tout = ((ta + tb) * tc - ta / (tb * tb + 1.0) - 2 * tc).sum()
    out.backward()
    tout.backward()
    close(out, tout)
    for ours, theirs in [(a, ta), (b, tb), (c, tc)]:
        close(ours.grad, theirs.grad)
        assert ours.grad.grad_fn is None and not ours.grad.is_parameter


def test_grad_rules_reuse_constants_and_intermediates():
    rng = np.random.default_rng(1)
    a, ta = pair((2, 3), rng)
    b, tb = pair((2, 3), rng, requires_grad=False)
    middle = a * a
    (middle * b + a).reshape(-1).sum().backward()
    tmiddle = ta * ta
    (tmiddle * tb + ta).reshape(-1).sum().backward()
    close(a.grad, ta.grad)
    assert b.grad is None and middle.grad is None and not middle.is_leaf


def test_backward_needs_requires_grad_and_shapes_are_checked():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (Tensor([1.0]) * 2).backward()
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4,\)"):
        Tensor(np.ones((2, 3))) + Tensor(np.ones(4))
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2, 3\)"):
        Tensor(np.ones((2, 3))) @ Tensor(np.ones((2, 3)))


def test_function_called_directly():
    rng = np.random.default_rng(2)
    a, ta = pair((2, 3), rng)
    b, tb = pair((1, 3), rng)
    from mytorch.autograd_engine import ContextManager
    ctx = ContextManager()
    out = F.Add.forward(ctx, a, b)
    close(out, ta + tb)
    grads = F.Add.backward(ctx, Tensor(np.ones((2, 3))))
    assert grads[0].shape == (2, 3) and grads[1].shape == (1, 3)
    np.testing.assert_allclose(grads[1].data, 2 * np.ones((1, 3)))


# --- The autograder, gradient checks, deep graphs ---

def numeric_gradients(function, arrays, weights, step=1e-6):
    """Central differences of sum(function(*arrays) * weights) w.r.t. each array."""
    grads = []
    for array in arrays:
        grad = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            saved = array[index]
            array[index] = saved + step
            plus = (function(*[Tensor(a) for a in arrays]).data * weights).sum()
            array[index] = saved - step
            minus = (function(*[Tensor(a) for a in arrays]).data * weights).sum()
            array[index] = saved
            grad[index] = (plus - minus) / (2 * step)
        grads.append(grad)
    return grads


LABELS = Tensor(np.array([2, 0, 1]))
GRADIENT_CASES = {  # Function name -> (computation, input shapes, inputs must be positive)
    "Add": (lambda a, b: F.Add.apply(a, b), [(3, 4), (4,)], False),
    "Sub": (lambda a, b: F.Sub.apply(a, b), [(3, 1), (3, 4)], False),
    "Mul": (lambda a, b: F.Mul.apply(a, b), [(2, 3), (2, 3)], False),
    "Div": (lambda a, b: F.Div.apply(a, b), [(2, 3), (1, 3)], True),
    "Neg": (lambda a: F.Neg.apply(a), [(2, 3)], False),
    "Pow": (lambda a: F.Pow.apply(a, 2.5), [(2, 3)], True),
    "Log": (lambda a: F.Log.apply(a), [(2, 3)], True),
    "Exp": (lambda a: F.Exp.apply(a), [(2, 3)], False),
    "ReLU": (lambda a: F.ReLU.apply(a), [(3, 4)], False),
    "Transpose": (lambda a: F.Transpose.apply(a), [(2, 3)], False),
    "Reshape": (lambda a: F.Reshape.apply(a, (3, -1)), [(2, 3)], False),
    "Sum": (lambda a: F.Sum.apply(a, 1, False) + F.Sum.apply(a, (0, 1), True) + F.Sum.apply(a),
            [(2, 3)], False),
    "MatMul": (lambda a, b: F.MatMul.apply(a, b), [(2, 3), (3, 4)], False),
    "cross_entropy": (lambda a: F.cross_entropy(a, LABELS), [(3, 4)], False),
}
HW2_FUNCTIONS = {"Conv1d", "Tanh", "Sigmoid"}  # checked in tests/test_hw2.py


@pytest.mark.parametrize("name", sorted(GRADIENT_CASES))
def test_finite_difference_gradients(name):
    function, shapes, positive = GRADIENT_CASES[name]
    rng = np.random.default_rng(len(name))
    arrays = [rng.uniform(0.5, 2, s) if positive else rng.standard_normal(s) for s in shapes]
    inputs = [Tensor(a, requires_grad=True) for a in arrays]
    out = function(*inputs)
    weights = rng.standard_normal(out.shape)
    out.backward(Tensor(weights))
    for ours, expected in zip(inputs, numeric_gradients(function, arrays, weights)):
        np.testing.assert_allclose(ours.grad.data, expected, rtol=1e-5, atol=1e-7)


def test_every_function_has_a_gradient_check():
    from mytorch.autograd_engine import Function
    functions = {name for name, value in vars(F).items()
                 if isinstance(value, type) and issubclass(value, Function)
                 and value is not Function}
    missing = functions - set(GRADIENT_CASES) - HW2_FUNCTIONS
    assert not missing, f"add a finite-difference case for {sorted(missing)}"


def test_graph_ten_thousand_operations_deep():
    a = Tensor(np.ones(3), requires_grad=True)
    x = a
    for _ in range(10_000):
        x = x + a
    x.backward()
    np.testing.assert_array_equal(a.grad.data, np.full(3, 10_001.0))


# --- API details graders rely on ---

def test_tensor_api():
    t = Tensor.randn(2, 3)
    assert t.shape == (2, 3) and t.data.dtype == np.float64 and t.grad is None and t.grad_fn is None
    assert Tensor.ones(2).data.tolist() == [1, 1] and Tensor.zeros(1, 2).shape == (1, 2)
    assert Tensor(np.float32([1.5])).data.dtype == np.float64
    ints = Tensor([1, 2, 3], requires_grad=True)
    assert ints.data.dtype == np.float64
    (ints * ints).backward()  # non-scalar output: seeded with ones
    assert ints.grad.data.tolist() == [2, 4, 6]
    assert (Tensor(3) * Tensor(2.0)).data == 6 and (-Tensor([1.0])).data.tolist() == [-1]
    assert Tensor(np.zeros((2, 3))).T().shape == (3, 2)
    leaf = Tensor([1.0, 2.0], requires_grad=True)
    leaf.backward()
    assert leaf.grad.data.tolist() == [1, 1]


def test_bad_input_messages():
    with pytest.raises(ValueError, match=r"cannot reshape .*\(2, 3\)"):
        Tensor(np.ones((2, 3))).reshape(4, 2)
    with pytest.raises(ValueError, match="labels"):
        F.cross_entropy(Tensor(np.ones((2, 3))), Tensor([0, 3]))
    with pytest.raises(ValueError, match="integer class labels"):
        F.cross_entropy(Tensor(np.ones((2, 3))), Tensor([0.5, 1.7]))
    with pytest.raises(ValueError, match=r"\(batch, 4\).*\(2, 5\)"):
        Linear(4, 2)(Tensor(np.ones((2, 5))))
    with pytest.raises(TypeError, match="Linear expects Tensors, got ndarray"):
        Linear(4, 2)(np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"BatchNorm1d\(4\).*\(2, 5\)"):
        BatchNorm1d(4)(Tensor(np.ones((2, 5))))
    with pytest.raises(ValueError, match="Dropout"):
        Dropout(1.0)


def test_module_registration_and_sequential():
    np.random.seed(0)
    model = Sequential(Linear(3, 4), ReLU(), Sequential(Linear(4, 2), BatchNorm1d(2)))
    params = list(model.parameters())
    assert len(model) == 3 and list(model)[0] is model[0]
    assert set(model._submodules) == {"0", "1", "2"}
    assert params[0] is model[0].weight and params[-1] is model[2][1].beta and len(params) == 6
    assert model[2][1].running_mean not in params
    model.eval()
    assert not model[2][1].is_train
    model.train()
    assert model[2][1].is_train


def test_linear_init_follows_the_handout():
    np.random.seed(3)
    weight = (np.random.rand(4, 5) - 0.5) / 5
    bias = (np.random.rand(4) - 0.5) / 5
    np.random.seed(3)
    layer = Linear(5, 4)
    np.testing.assert_array_equal(layer.weight.data, weight)
    np.testing.assert_array_equal(layer.bias.data, bias)


def test_star_imports_bind_only_layers():
    namespace = {}
    exec("from mytorch.nn.activations import *\nfrom mytorch.nn.loss import *", namespace)
    from mytorch.autograd_engine import Function
    assert not [name for name, value in namespace.items()
                if isinstance(value, type) and issubclass(value, Function)]


def test_mytorch_imports_numpy_only():
    import subprocess
    import sys
    modules = ["mytorch." + ".".join(p.relative_to(REPO_ROOT / "mytorch").with_suffix("").parts)
               for p in (REPO_ROOT / "mytorch").rglob("*.py") if p.stem != "__init__"]
    code = ("import sys\n" + "".join(f"import {m}\n" for m in modules)
            + "print('torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_benchmark_quick_rows():
    from benchmarks.mytorch_mlp import run
    rows = run(quick=True)
    assert {"name", "ours_s", "reference", "reference_s", "ratio", "target", "met"} <= set(rows[0])


# --- Edge cases that must match torch or fail clearly ---

def test_relu_keeps_nan_as_torch_does():
    data = np.array([np.nan, -1.0, 0.0, 2.0])
    ours = F.ReLU.apply(Tensor(data)).data
    np.testing.assert_array_equal(ours, torch.relu(torch.tensor(data)).numpy())
    assert np.isnan(ours[0])


@pytest.mark.parametrize("label", [0, 1])
def test_cross_entropy_of_extreme_logits_matches_torch(label):
    logits = np.array([[1e308, -1e308]])
    ours = Tensor(logits, requires_grad=True)
    loss = F.cross_entropy(ours, Tensor([label]))
    loss.backward()
    theirs = torch.tensor(logits, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(theirs, torch.tensor([label]))
    expected.backward()
    np.testing.assert_array_equal(loss.data, expected.detach().numpy())
    np.testing.assert_array_equal(ours.grad.data, theirs.grad.numpy())


@pytest.mark.parametrize("make, message", [
    (lambda: Linear(0, 3), "Linear: in_features must be a positive integer, got 0"),
    (lambda: Linear(4, -2), "Linear: out_features must be a positive integer, got -2"),
    (lambda: Linear(2.5, 3), "in_features must be a positive integer, got 2.5"),
    (lambda: Conv1d(3, 4, 0), "Conv1d: kernel_size must be a positive integer, got 0"),
    (lambda: Conv1d(0, 4, 2), "in_channel must be a positive integer"),
    (lambda: Conv1d(3, 4, 2, stride=0), "stride must be a positive integer, got 0"),
    (lambda: BatchNorm1d(0), "BatchNorm1d: num_features must be a positive integer"),
])
def test_layers_refuse_non_positive_sizes(make, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        make()


def test_conv1d_function_refuses_an_empty_kernel():
    x, weight, bias = Tensor(np.ones((1, 2, 5))), Tensor(np.ones((3, 2, 0))), Tensor(np.ones(3))
    with pytest.raises(ValueError, match=r"kernel of width >= 1 \(got 0\)"):
        F.Conv1d.apply(x, weight, bias, 1)


@pytest.mark.parametrize("make, message", [
    (lambda params: SGD(params, lr=-1), "invalid learning rate: -1"),
    (lambda params: SGD(params, lr=float("nan")), "invalid learning rate: nan"),
    (lambda params: SGD(params, lr=0.1, momentum=-0.5), "invalid momentum: -0.5"),
    (lambda params: Adam(params, lr=-1e-3), "invalid learning rate"),
    (lambda params: Adam(params, betas=(0.9, 1.0)),
     r"invalid beta: 1.0 \(must be in \[0.0, 1.0\)\)"),
    (lambda params: Adam(params, eps=-1e-8), "invalid epsilon"),
])
def test_optimizers_refuse_bad_hyperparameters(make, message):
    with pytest.raises(ValueError, match=message):
        make(Linear(2, 2).parameters())


def test_conv1d_output_size_is_importable_from_conv():
    from mytorch.nn import conv
    assert conv.get_conv1d_output_size is F.get_conv1d_output_size
    assert conv.get_conv1d_output_size(60, 5, 1) == 56


@pytest.mark.parametrize("flags", [["--momentum", "-0.5"], ["--momentum", "1"], ["--lr", "nan"],
                                   ["--epochs", "0"], ["--batch-size", "-1"],
                                   ["--train-size", "10000000"], ["--strength", "inf"],
                                   ["--seed", "-1"]])
def test_train_demo_refuses_bad_flags_before_training(tmp_path, flags):
    import subprocess
    import sys
    result = subprocess.run([sys.executable, "hw2/train_demo.py", *flags, "--out",
                             str(tmp_path / "out")], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2 and result.stderr.startswith("usage: ")
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()
