"""MyTorch: values and gradients against torch (float64), graph rules, layers, optimizers."""
import numpy as np
import pytest
import torch

import mytorch.nn.functional as F
from mytorch.nn.activations import ReLU
from mytorch.nn.linear import Linear
from mytorch.nn.loss import CrossEntropyLoss
from mytorch.nn.sequential import Sequential
from mytorch.optim.sgd import SGD
from mytorch.tensor import Tensor


def pair(shape, rng, requires_grad=True):
    """The same random values as a mytorch Tensor and a torch tensor."""
    data = rng.standard_normal(shape)
    return Tensor(data, requires_grad=requires_grad), torch.tensor(data, requires_grad=requires_grad)


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


def test_mlp_cross_entropy_and_sgd_match_torch():
    np.random.seed(0)
    model = Sequential(Linear(5, 7), ReLU(), Linear(7, 3))
    reference = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.ReLU(), torch.nn.Linear(7, 3)).double()
    with torch.no_grad():
        for ours, theirs in zip(model.parameters(), reference.parameters()):
            theirs.copy_(torch.tensor(ours.data))
    optimizer = SGD(model.parameters(), lr=0.5, momentum=0.9)
    reference_optimizer = torch.optim.SGD(reference.parameters(), lr=0.5, momentum=0.9)
    x = np.random.randn(8, 5) * 10
    y = np.random.randint(0, 3, 8)
    for _ in range(3):
        optimizer.zero_grad()
        reference_optimizer.zero_grad()
        loss = CrossEntropyLoss()(model(Tensor(x)), Tensor(y))
        tloss = torch.nn.functional.cross_entropy(reference(torch.tensor(x)), torch.tensor(y))
        loss.backward()
        tloss.backward()
        close(loss, tloss)
        assert loss.data.shape == ()
        optimizer.step()
        reference_optimizer.step()
    for ours, theirs in zip(model.parameters(), reference.parameters()):
        close(ours, theirs)


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
