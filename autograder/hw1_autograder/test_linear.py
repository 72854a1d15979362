"""HW1P1's layer tests: Linear and Linear + ReLU stacks forward and backward, SGD steps
with and without momentum, cross-entropy, and small training runs checked again in eval
mode. Each model is built from the hand-in's classes next to a torch float64 twin with the
same weights (autograder.models.Twin); every output, loss, gradient and updated parameter
is compared, step by step. Sizes are drawn from each test's seed.
"""
import numpy as np
import torch

from autograder.checking import assert_close, assert_grad
from autograder.models import Twin
from autograder.reference_optim import SGD as ReferenceSGD


def sizes(rng, count, low=2, high=20):
    return [int(n) for n in rng.integers(low, high, count)]


def mlp(rng, hidden_layers, relu=True, batchnorm=False, dropout=None, low=2, high=20):
    """The spec of an MLP with `hidden_layers` hidden layers: each hidden Linear (or the only
    one, when there are none and `relu` is set) is followed by the BatchNorm1d, ReLU and
    Dropout asked for."""
    widths = sizes(rng, hidden_layers + 2, low, high)
    spec = []
    for index, (fan_in, fan_out) in enumerate(zip(widths, widths[1:])):
        spec.append(("Linear", fan_in, fan_out))
        if index < hidden_layers or (relu and hidden_layers == 0):
            spec += [("BatchNorm1d", fan_out)] if batchnorm else []
            spec += [("ReLU",)] if relu else []
            spec += [("Dropout", dropout)] if dropout else []
    return spec


def classes(spec):
    """The number of outputs of the model `spec` (its last Linear's)."""
    return [args for kind, *args in spec if kind == "Linear"][-1][1]


def batch(rng, spec, size, requires_grad=False, scale=1.0):
    """A random input batch for the model `spec` as a hand-in Tensor and a torch tensor."""
    from mytorch.tensor import Tensor
    data = rng.standard_normal((size, spec[0][1])) * scale
    return (Tensor(data, requires_grad=requires_grad),
            torch.tensor(data, requires_grad=requires_grad))


def check_forward_backward(spec, seed, backward):
    rng = np.random.default_rng(seed)
    twin = Twin(spec, seed)
    x, tx = batch(rng, spec, int(rng.integers(1, 16)), requires_grad=backward)
    out, expected = twin.forward(x, tx)
    assert_close(out, expected, "output")
    if backward:
        out.backward()
        expected.sum().backward()
        assert_grad(x, tx, "the input")
        for ours, theirs, what in twin.parameters():
            assert_grad(ours, theirs, what)
    return True


def cross_entropy(out, expected, labels):
    from mytorch.nn.loss import CrossEntropyLoss
    from mytorch.tensor import Tensor
    return (CrossEntropyLoss()(out, Tensor(labels)),
            torch.nn.functional.cross_entropy(expected, torch.tensor(labels)))


def train(twin, spec, rng, optimizer, reference, steps, loss=True):
    """`steps` steps of both models on fresh random batches, comparing everything."""
    for step in range(1, steps + 1):
        x, tx = batch(rng, spec, int(rng.integers(2, 12)))
        optimizer.zero_grad()
        reference.zero_grad()
        out, expected = twin.forward(x, tx)
        assert_close(out, expected, f"output at step {step}")
        if loss:
            labels = rng.integers(0, classes(spec), len(x.data))
            value, expected = cross_entropy(out, expected, labels)
            assert_close(value, expected, f"cross-entropy loss at step {step}")
            value.backward()
        else:
            out.backward()
            expected = expected.sum()
        expected.backward()
        for ours, theirs, what in twin.parameters():
            assert_grad(ours, theirs, f"{what} at step {step}")
        optimizer.step()
        reference.step()
        for ours, theirs, what in twin.parameters():
            assert_close(ours, theirs, f"{what} after step {step}")
        check_running_stats(twin, f"after step {step}")


def check_running_stats(twin, when):
    for (ours, theirs, name), kind in zip(twin.layers(), twin.kinds):
        if kind == "BatchNorm1d":
            assert_close(ours.running_mean, theirs.running_mean, f"running_mean of {name} {when}")
            assert_close(ours.running_var, theirs.running_var,
                         f"running_var of {name} {when} (unbiased batch variance)")


def check_eval(twin, spec, rng):
    """eval(): a fresh batch through both models, output and loss compared."""
    twin.train(False)
    x, tx = batch(rng, spec, int(rng.integers(2, 12)))
    out, expected = twin.forward(x, tx)
    assert_close(out, expected, "output in eval mode")
    labels = rng.integers(0, classes(spec), len(x.data))
    value, expected = cross_entropy(out, expected, labels)
    assert_close(value, expected, "cross-entropy loss in eval mode")


def sgd(twin, lr, momentum=0.0):
    """The hand-in's SGD and torch's, over the same parameters."""
    from mytorch.optim.sgd import SGD
    return (SGD(twin.ours.parameters(), lr=lr, momentum=momentum),
            ReferenceSGD([theirs for _, theirs, _ in twin.parameters()], lr=lr, momentum=momentum))


def run_training(seed, spec_of, make_optimizers, steps, loss=True, evaluate=False):
    rng = np.random.default_rng(seed)
    spec = spec_of(rng)
    twin = Twin(spec, seed)
    train(twin, spec, rng, *make_optimizers(twin), steps, loss)
    if evaluate:
        check_eval(twin, spec, rng)
    return True


def test_linear_forward():
    return check_forward_backward(mlp(np.random.default_rng(201), 0, relu=False), 201, False)


def test_linear_backward():
    return check_forward_backward(mlp(np.random.default_rng(202), 0, relu=False), 202, True)


def test_linear_relu_forward():
    return check_forward_backward(mlp(np.random.default_rng(203), 0), 203, False)


def test_linear_relu_backward():
    return check_forward_backward(mlp(np.random.default_rng(204), 0), 204, True)


def test_big_linear_relu_forward():
    return check_forward_backward(mlp(np.random.default_rng(205), 3, high=40), 205, False)


def test_big_linear_relu_backward():
    return check_forward_backward(mlp(np.random.default_rng(206), 3, high=40), 206, True)


def test_linear_relu_sgd_step():
    return run_training(207, lambda rng: mlp(rng, 0), lambda twin: sgd(twin, 0.1), 3, loss=False)


def test_big_linear_relu_sgd_step():
    return run_training(208, lambda rng: mlp(rng, 3, high=40), lambda twin: sgd(twin, 0.05), 3,
                        loss=False)


def test_linear_xeloss_forward():
    rng = np.random.default_rng(209)
    spec = mlp(rng, 0, relu=False)
    twin = Twin(spec, 209)
    for scale in (1, 1000):  # large logits: only a log-sum-exp survives these
        x, tx = batch(rng, spec, int(rng.integers(1, 12)), scale=scale)
        out, expected = twin.forward(x, tx)
        value, expected = cross_entropy(out, expected, rng.integers(0, classes(spec), len(x.data)))
        assert_close(value, expected, f"cross-entropy loss (inputs scaled by {scale})")
    return True


def test_linear_xeloss_backward():
    return run_training(210, lambda rng: mlp(rng, 0, relu=False), lambda twin: sgd(twin, 0.1), 1)


def test_big_linear_relu_xeloss_train_eval():
    return run_training(211, lambda rng: mlp(rng, 3, high=40), lambda twin: sgd(twin, 0.1), 4,
                        evaluate=True)


def test_linear_momentum():
    return run_training(212, lambda rng: mlp(rng, 0, relu=False),
                        lambda twin: sgd(twin, 0.1, momentum=0.9), 4, loss=False)


def test_big_linear_relu_xeloss_momentum():
    return run_training(213, lambda rng: mlp(rng, 3, high=40),
                        lambda twin: sgd(twin, 0.05, momentum=0.9), 5, evaluate=True)
