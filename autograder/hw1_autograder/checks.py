"""The graded tests of the hw1 autograder, each worth a fixed number of points.

Every test builds random inputs (sizes drawn too) from its own fixed seed, runs
the same computation in MyTorch and in torch float64, and compares values and
every gradient with `assert_close` (rtol 1e-5, atol 1e-8, exact type np.ndarray,
same shape). A test passes only if all of its assertions hold.
"""
import numpy as np
import torch

import mytorch.nn.functional as F
from mytorch.autograd_engine import ContextManager
from mytorch.nn.activations import ReLU
from mytorch.nn.batchnorm import BatchNorm1d
from mytorch.nn.dropout import Dropout
from mytorch.nn.linear import Linear
from mytorch.nn.loss import CrossEntropyLoss
from mytorch.nn.sequential import Sequential
from mytorch.optim.adam import Adam
from mytorch.optim.sgd import SGD
from mytorch.tensor import Tensor

RTOL, ATOL = 1e-5, 1e-8
TESTS = []  # (name, points, function), in the order they are graded


def graded(name, points):
    def register(function):
        TESTS.append((name, points, function))
        return function
    return register


def assert_close(ours, theirs, what):
    """`ours` (a mytorch Tensor or None) equals `theirs` (a torch tensor or None)."""
    if theirs is None:
        assert ours is None, f"{what}: expected None (as torch), got a value"
        return
    assert ours is not None, f"{what}: is None, torch has a value"
    assert isinstance(ours, Tensor), f"{what}: expected a Tensor, got {type(ours).__name__}"
    expected = theirs.detach().numpy()
    assert type(ours.data) is np.ndarray, f"{what}: .data is {type(ours.data).__name__}, not np.ndarray"
    assert ours.data.shape == expected.shape, f"{what}: shape {ours.data.shape}, expected {expected.shape}"
    assert np.allclose(ours.data, expected, rtol=RTOL, atol=ATOL), \
        f"{what}: values differ (max abs diff {np.abs(ours.data - expected).max():.3g})"


def assert_grads(pairs, what="grad"):
    for index, (ours, theirs) in enumerate(pairs):
        assert_close(ours.grad, theirs.grad, f"{what} of input {index}")
        if ours.grad is not None:
            assert ours.grad.grad_fn is None and not ours.grad.is_parameter, \
                f"{what} of input {index}: a .grad must be a plain Tensor"


def random_pair(rng, shape, requires_grad=True, positive=False):
    data = rng.uniform(0.5, 2.0, shape) if positive else rng.standard_normal(shape)
    return Tensor(data, requires_grad=requires_grad), torch.tensor(data, requires_grad=requires_grad)


def random_shape(rng, ndim=2):
    return tuple(int(n) for n in rng.integers(1, 6, ndim))


def copy_weights(ours, theirs):
    """Give a torch model the parameters of a mytorch model (same order)."""
    with torch.no_grad():
        for mine, reference in zip(ours.parameters(), theirs.parameters(), strict=True):
            reference.copy_(torch.tensor(mine.data))


# --- Functions called directly (forward with a fresh ctx, then backward) ---

def check_direct(function, torch_op, seed, positive_b=False):
    rng = np.random.default_rng(seed)
    for a_shape, b_shape in [((3, 4), (3, 4)), (random_shape(rng), (1,)), ((2, 1, 3), (4, 1))]:
        (a, ta), (b, tb) = random_pair(rng, a_shape), random_pair(rng, b_shape, positive=positive_b)
        ctx = ContextManager()
        out, tout = function.forward(ctx, a, b), torch_op(ta, tb)
        assert_close(out, tout, f"{function.__name__}.forward")
        grad = rng.standard_normal(tout.shape)
        tout.backward(torch.tensor(grad))
        grads = function.backward(ctx, Tensor(grad))
        assert_close(grads[0], ta.grad, f"{function.__name__}.backward [0]")
        assert_close(grads[1], tb.grad, f"{function.__name__}.backward [1]")
    return True


@graded("Add forward/backward (direct)", 5)
def test_add():
    return check_direct(F.Add, torch.add, 1)


@graded("Sub forward/backward (direct)", 5)
def test_sub():
    return check_direct(F.Sub, torch.sub, 2)


@graded("Mul forward/backward (direct)", 5)
def test_mul():
    return check_direct(F.Mul, torch.mul, 3)


@graded("Div forward/backward (direct)", 5)
def test_div():
    return check_direct(F.Div, torch.div, 4, positive_b=True)


# --- Autograd on small graphs ---

@graded("autograd: a tensor used several times", 5)
def test_reuse():
    rng = np.random.default_rng(5)
    shape = random_shape(rng)
    (a, ta), (b, tb) = random_pair(rng, shape), random_pair(rng, shape)
    c, tc = a * b, ta * tb
    out, tout = (c * a + c - b / (a * a + 1)) * c, (tc * ta + tc - tb / (ta * ta + 1)) * tc
    out.backward()
    tout.backward(torch.ones_like(tout))
    assert_close(out, tout, "output")
    assert_grads([(a, ta), (b, tb)])
    assert c.grad is None and not c.is_leaf, "an intermediate tensor must keep .grad None"
    return True


@graded("autograd: constants and plain numbers", 5)
def test_constants():
    rng = np.random.default_rng(6)
    (a, ta), (k, tk) = random_pair(rng, random_shape(rng)), random_pair(rng, (1,), requires_grad=False)
    out = Tensor(3) * a - a / 2 + 1.5 + k * a - (2 - a)
    tout = torch.tensor(3) * ta - ta / 2 + 1.5 + tk * ta - (2 - ta)
    out.backward()
    tout.backward(torch.ones_like(tout))
    assert_close(out, tout, "output")
    assert_grads([(a, ta), (k, tk)])
    return True


@graded("autograd: tensors without grad keep .grad None", 5)
def test_no_grad_inputs():
    rng = np.random.default_rng(7)
    shape = random_shape(rng)
    (a, ta), (b, tb) = random_pair(rng, shape), random_pair(rng, shape, requires_grad=False)
    (c, tc) = random_pair(rng, shape, requires_grad=False)
    frozen, tfrozen = b * c + b, tb * tc + tb
    assert not frozen.requires_grad and frozen.grad_fn is None, "no input requires grad: no graph"
    out, tout = (a * frozen - c).sum(), (ta * tfrozen - tc).sum()
    out.backward()
    tout.backward()
    assert_close(out, tout, "output")
    assert_grads([(a, ta), (b, tb), (c, tc)])
    return True


@graded("autograd: reshape, transpose, log, exp, sum", 5)
def test_shape_ops():
    rng = np.random.default_rng(8)
    rows, cols = (int(n) for n in rng.integers(2, 6, 2))
    (a, ta), (b, tb) = random_pair(rng, (rows, cols), positive=True), random_pair(rng, (cols, rows))
    out = (a.log() * b.T() + b.reshape(rows, -1).exp()).reshape(-1).sum()
    tout = (ta.log() * tb.T + tb.reshape(rows, -1).exp()).reshape(-1).sum()
    out.backward()
    tout.backward()
    assert_close(out, tout, "output")
    assert_grads([(a, ta), (b, tb)])
    return True


@graded("autograd: broadcasting sums gradients back", 5)
def test_broadcasting():
    rng = np.random.default_rng(9)
    batch, features = (int(n) for n in rng.integers(2, 6, 2))
    (a, ta), (row, trow) = random_pair(rng, (batch, features)), random_pair(rng, (features,))
    (col, tcol) = random_pair(rng, (batch, 1))
    out, tout = (a + row) * col - row / (col * col + 1), (ta + trow) * tcol - trow / (tcol * tcol + 1)
    out.backward()
    tout.backward(torch.ones_like(tout))
    assert_close(out, tout, "output")
    assert_grads([(a, ta), (row, trow), (col, tcol)])
    return True


# --- Layers ---

def linear_pair(rng, in_features, out_features):
    np.random.seed(int(rng.integers(1 << 31)))
    ours = Linear(in_features, out_features)
    theirs = torch.nn.Linear(in_features, out_features).double()
    copy_weights(ours, theirs)
    return ours, theirs


@graded("Linear forward", 5)
def test_linear_forward():
    rng = np.random.default_rng(10)
    batch, fan_in, fan_out = (int(n) for n in rng.integers(1, 20, 3))
    layer, tlayer = linear_pair(rng, fan_in, fan_out)
    assert layer.weight.shape == (fan_out, fan_in) and layer.bias.shape == (fan_out,)
    assert all(p.requires_grad and p.is_parameter and p.data.dtype == np.float64 for p in layer.parameters())
    x, tx = random_pair(rng, (batch, fan_in), requires_grad=False)
    assert_close(layer(x), tlayer(tx), "Linear output")
    return True


@graded("Linear backward", 5)
def test_linear_backward():
    rng = np.random.default_rng(11)
    batch, fan_in, fan_out = (int(n) for n in rng.integers(1, 20, 3))
    layer, tlayer = linear_pair(rng, fan_in, fan_out)
    x, tx = random_pair(rng, (batch, fan_in))
    layer(x).sum().backward()
    tlayer(tx).sum().backward()
    assert_grads([(x, tx), (layer.weight, tlayer.weight), (layer.bias, tlayer.bias)])
    return True


@graded("Linear+ReLU stack forward/backward", 5)
def test_linear_relu_stack():
    rng = np.random.default_rng(12)
    sizes = [int(n) for n in rng.integers(2, 30, 4)]
    np.random.seed(12)
    model = Sequential(Linear(sizes[0], sizes[1]), ReLU(), Linear(sizes[1], sizes[2]), ReLU(),
                       Linear(sizes[2], sizes[3]))
    reference = torch.nn.Sequential(torch.nn.Linear(sizes[0], sizes[1]), torch.nn.ReLU(),
                                    torch.nn.Linear(sizes[1], sizes[2]), torch.nn.ReLU(),
                                    torch.nn.Linear(sizes[2], sizes[3])).double()
    copy_weights(model, reference)
    x, tx = random_pair(rng, (int(rng.integers(1, 16)), sizes[0]))
    out, tout = model(x), reference(tx)
    assert_close(out, tout, "output")
    grad = rng.standard_normal(tout.shape)
    out.backward(Tensor(grad))
    tout.backward(torch.tensor(grad))
    assert_grads([(x, tx)] + list(zip(model.parameters(), reference.parameters())))
    return True


# --- Optimizers and losses ---

def train_steps(make_optimizer, make_reference_optimizer, seed, steps=4, batchnorm=False):
    """A few training steps of the same small MLP in both libraries; compares every step."""
    rng = np.random.default_rng(seed)
    np.random.seed(seed)
    sizes = [int(n) for n in rng.integers(3, 12, 3)]
    ours_layers = [Linear(sizes[0], sizes[1]), *([BatchNorm1d(sizes[1])] if batchnorm else []), ReLU(),
                   Linear(sizes[1], sizes[2])]
    torch_layers = [torch.nn.Linear(sizes[0], sizes[1]), *([torch.nn.BatchNorm1d(sizes[1])] if batchnorm else []),
                    torch.nn.ReLU(), torch.nn.Linear(sizes[1], sizes[2])]
    model, reference = Sequential(*ours_layers), torch.nn.Sequential(*torch_layers).double()
    copy_weights(model, reference)
    optimizer, reference_optimizer = make_optimizer(model), make_reference_optimizer(reference)
    for _ in range(steps):
        x = rng.standard_normal((int(rng.integers(2, 10)), sizes[0]))
        y = rng.integers(0, sizes[2], len(x))
        optimizer.zero_grad()
        reference_optimizer.zero_grad()
        loss = CrossEntropyLoss()(model(Tensor(x)), Tensor(y))
        tloss = torch.nn.functional.cross_entropy(reference(torch.tensor(x)), torch.tensor(y))
        loss.backward()
        tloss.backward()
        assert_close(loss, tloss, "loss")
        optimizer.step()
        reference_optimizer.step()
        for mine, theirs in zip(model.parameters(), reference.parameters()):
            assert_close(mine, theirs, "parameter after step")
    return model, reference


@graded("SGD steps", 5)
def test_sgd():
    train_steps(lambda m: SGD(m.parameters(), lr=0.1), lambda m: torch.optim.SGD(m.parameters(), lr=0.1), 13)
    return True


@graded("SGD steps with momentum", 5)
def test_sgd_momentum():
    train_steps(lambda m: SGD(m.parameters(), lr=0.1, momentum=0.9),
                lambda m: torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9), 14)
    return True


@graded("Cross-entropy forward", 5)
def test_cross_entropy_forward():
    rng = np.random.default_rng(15)
    batch, classes = (int(n) for n in rng.integers(1, 12, 2))
    for scale in (1, 1000):  # large logits: only a log-sum-exp survives these
        logits = rng.standard_normal((batch, classes)) * scale
        labels = rng.integers(0, classes, batch)
        loss = CrossEntropyLoss()(Tensor(logits), Tensor(labels))
        tloss = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(labels))
        assert_close(loss, tloss, f"loss (logit scale {scale})")
    return True


@graded("Cross-entropy backward", 5)
def test_cross_entropy_backward():
    rng = np.random.default_rng(16)
    batch, classes = (int(n) for n in rng.integers(1, 12, 2))
    logits, tlogits = random_pair(rng, (batch, classes))
    labels = rng.integers(0, classes, batch)
    CrossEntropyLoss()(logits, Tensor(labels)).backward()
    torch.nn.functional.cross_entropy(tlogits, torch.tensor(labels)).backward()
    assert_grads([(logits, tlogits)])
    return True


@graded("BatchNorm1d training (values, gradients, running stats)", 5)
def test_batchnorm_train():
    rng = np.random.default_rng(17)
    batch, features = int(rng.integers(2, 12)), int(rng.integers(1, 8))
    layer, tlayer = BatchNorm1d(features), torch.nn.BatchNorm1d(features).double()
    assert [id(p) for p in layer.parameters()] == [id(layer.gamma), id(layer.beta)]
    for _ in range(3):
        x, tx = random_pair(rng, (batch, features))
        x.data = x.data * 3 + 1
        tx = torch.tensor(x.data, requires_grad=True)
        grad = rng.standard_normal((batch, features))
        out, tout = layer(x), tlayer(tx)
        assert_close(out, tout, "output")
        out.backward(Tensor(grad))
        tout.backward(torch.tensor(grad))
        assert_grads([(x, tx), (layer.gamma, tlayer.weight), (layer.beta, tlayer.bias)])
        assert_close(layer.running_mean, tlayer.running_mean, "running_mean")
        assert_close(layer.running_var, tlayer.running_var, "running_var")
    return True


@graded("BatchNorm1d eval and a trained MLP with it", 5)
def test_batchnorm_eval():
    model, reference = train_steps(lambda m: SGD(m.parameters(), lr=0.1, momentum=0.5),
                                   lambda m: torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.5),
                                   18, batchnorm=True)
    model.eval()
    reference.eval()
    assert not model[1].is_train, "eval() must reach every submodule"
    x = np.random.default_rng(19).standard_normal((5, model[0].in_features))
    assert_close(model(Tensor(x)), reference(torch.tensor(x)), "eval output")
    return True


@graded("Dropout statistics, scaling, gradient and eval", 5)
def test_dropout():
    p, shape = 0.3, (400, 500)
    layer = Dropout(p)
    np.random.seed(20)
    x = Tensor(np.ones(shape), requires_grad=True)
    out = layer(x)
    np.random.seed(20)
    expected_mask = np.random.binomial(1, 1 - p, shape)
    assert np.array_equal(out.data != 0, expected_mask == 1), "mask must be np.random.binomial(1, 1 - p, shape)"
    assert np.allclose(out.data[out.data != 0], 1 / (1 - p)), "kept units must be scaled by 1 / (1 - p)"
    assert abs((out.data == 0).mean() - p) < 0.01 and abs(out.data.mean() - 1) < 0.02
    out.backward()
    assert np.allclose(x.grad.data, out.data), "gradient must be mask / (1 - p)"
    assert not np.array_equal(layer(x).data, out.data), "a new mask at every forward"
    layer.eval()
    assert np.array_equal(layer(x).data, x.data), "identity in eval"
    return True


@graded("Adam steps", 5)
def test_adam():
    train_steps(lambda m: Adam(m.parameters(), lr=0.01),
                lambda m: torch.optim.Adam(m.parameters(), lr=0.01), 21, steps=6)
    return True
