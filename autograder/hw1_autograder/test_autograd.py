"""HW1P1's first tests: Add, Sub, Mul and Div, each called directly
(`Function.forward(ctx, a, b)`, then `Function.backward(ctx, grad)`) and through its
operator, and Autograd on small graphs. Only the course interface is used: operators
between two Tensors, constants wrapped as Tensors of the same shape, `.backward()` without
an argument (a non-scalar output seeds a gradient of ones, as torch's `.sum().backward()`).
Shapes and values are drawn from each test's own seed.
"""
import operator

import numpy as np
import torch

from autograder.checking import assert_close, assert_grad

OPERATORS = {"Add": torch.add, "Sub": torch.sub, "Mul": torch.mul, "Div": torch.div}
SYMBOLS = {"Add": ("+", operator.add), "Sub": ("-", operator.sub), "Mul": ("*", operator.mul),
           "Div": ("/", operator.truediv)}


def random_shape(rng):
    return tuple(int(n) for n in rng.integers(1, 6, int(rng.integers(1, 4))))


def pair(rng, shape, requires_grad=True, positive=False):
    """The same values as a hand-in Tensor and a torch float64 tensor."""
    from mytorch.tensor import Tensor
    data = rng.uniform(0.5, 2.0, shape) * rng.choice([-1, 1], shape) if positive \
        else rng.standard_normal(shape)
    return (Tensor(data, requires_grad=requires_grad),
            torch.tensor(data, requires_grad=requires_grad))


def check_function(name, seed):
    """`name` called directly with a random upstream gradient, then through its operator."""
    import mytorch.nn.functional as F
    from mytorch.autograd_engine import ContextManager
    from mytorch.tensor import Tensor
    function, reference = getattr(F, name), OPERATORS[name]
    rng = np.random.default_rng(seed)
    for case in range(3):
        shape = random_shape(rng)
        (a, ta), (b, tb) = pair(rng, shape), pair(rng, shape, positive=name == "Div")
        ctx = ContextManager()
        out, expected = function.forward(ctx, a, b), reference(ta, tb)
        assert_close(out, expected, f"{name}.forward (case {case + 1}, shape {shape})")
        upstream = rng.standard_normal(shape)
        grads = function.backward(ctx, Tensor(upstream))
        expected.backward(torch.tensor(upstream))
        assert_close(grads[0], ta.grad, f"{name}.backward: gradient of the first input")
        assert_close(grads[1], tb.grad, f"{name}.backward: gradient of the second input")
        (a, ta), (b, tb) = pair(rng, shape), pair(rng, shape, positive=name == "Div")
        symbol, apply_operator = SYMBOLS[name]
        out = apply_operator(a, b)  # the operator of this Function only
        expected = reference(ta, tb)
        assert_close(out, expected, f"a {symbol} b")
        assert out.requires_grad and not out.is_leaf, \
            f"a {symbol} b: the result must require grad and not be a leaf"
        out.backward()
        expected.sum().backward()
        assert_grad(a, ta, f"a in a {symbol} b")
        assert_grad(b, tb, f"b in a {symbol} b")
    return True


def test_add():
    return check_function("Add", 101)


def test_sub():
    return check_function("Sub", 102)


def test_mul():
    return check_function("Mul", 103)


def test_div():
    return check_function("Div", 104)


def constant(rng, shape):
    """A constant (no requires_grad) wrapped as a Tensor, and its torch twin."""
    return pair(rng, shape, requires_grad=False, positive=True)


def graph_reuse(rng, shape):
    """A tensor used several times: its gradients add up."""
    (a, ta), (b, tb) = pair(rng, shape), pair(rng, shape)
    (one, tone) = constant(rng, shape)
    c, tc = a * b, ta * tb
    out = (c * a + c - b / (a * a + one)) * c
    return out, (tc * ta + tc - tb / (ta * ta + tone)) * tc, {"a": (a, ta), "b": (b, tb),
                                                               "c = a * b": (c, None)}


def graph_constants(rng, shape):
    """Constants wrapped as Tensors, and an input without requires_grad."""
    (a, ta), (k, tk) = pair(rng, shape), constant(rng, shape)
    (frozen, tfrozen) = pair(rng, shape, requires_grad=False)
    out = k * a - a / k + frozen * a - (k - a) * frozen
    expected = tk * ta - ta / tk + tfrozen * ta - (tk - ta) * tfrozen
    return out, expected, {"a": (a, ta), "the constant": (k, tk),
                           "the input without requires_grad": (frozen, tfrozen)}


def graph_no_grad_branch(rng, shape):
    """A branch of tensors none of which requires grad stays out of the graph."""
    (a, ta), (b, tb), (c, tc) = pair(rng, shape), *(pair(rng, shape, False) for _ in range(2))
    frozen, tfrozen = b * c + b, tb * tc + tb
    assert not frozen.requires_grad, "b * c + b of tensors without requires_grad must not " \
                                     "require grad"
    out = a * frozen - c / (frozen * frozen + b * b + a * a)
    return out, ta * tfrozen - tc / (tfrozen * tfrozen + tb * tb + ta * ta), \
        {"a": (a, ta), "b": (b, tb), "c": (c, tc), "b * c + b": (frozen, None)}


def graph_reshape(rng, shape):
    """reshape (with -1) and T() in the middle of a graph."""
    rows, cols = shape[0] + 1, shape[-1] + 1
    (a, ta), (b, tb) = pair(rng, (rows, cols)), pair(rng, (cols, rows))
    out = (a * b.T() - a).reshape(cols, -1) * b + b.reshape(-1).reshape(cols, rows)
    expected = (ta * tb.T - ta).reshape(cols, -1) * tb + tb.reshape(-1).reshape(cols, rows)
    return out, expected, {"a": (a, ta), "b": (b, tb)}


def test_autograd():
    rng = np.random.default_rng(105)
    for build in (graph_reuse, graph_constants, graph_no_grad_branch, graph_reshape):
        shape = tuple(int(n) for n in rng.integers(2, 6, 2))
        out, expected, tensors = build(rng, shape)
        what = build.__doc__.split(":")[0].rstrip(".")
        assert_close(out, expected, f"{what}: output")
        out.backward()
        expected.sum().backward()
        for name, (ours, theirs) in tensors.items():
            expected_grad = None if theirs is None else theirs.grad
            assert_close(ours.grad, expected_grad, f"{what}: .grad of {name}")
    return True
