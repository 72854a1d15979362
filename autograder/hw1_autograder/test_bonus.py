"""HW1P1 bonus tests: Adam, Dropout and BatchNorm1d, alone and in training runs, against
torch float64 twins (autograder.models.Twin).

Dropout draws are the hand-in's own: each mask is read off the hand-in's output, checked
(every unit dropped to 0 or scaled by 1 / (1 - p)) and applied to torch's activations; the
share of dropped units must be near p and a new mask drawn at every call. BatchNorm1d is
compared with torch's in training mode (batch statistics; running variance from the
unbiased batch variance) and in eval mode (running statistics).
"""
import numpy as np

from autograder.checking import assert_close, assert_grad
from autograder.hw1_autograder.test_linear import (batch, check_eval, check_forward_backward,
                                                   check_running_stats, mlp, run_training, sgd,
                                                   train)
from autograder.models import Twin
from autograder.reference_optim import Adam as ReferenceAdam


def adam(twin, lr):
    from mytorch.optim.adam import Adam
    return (Adam(twin.ours.parameters(), lr=lr),
            ReferenceAdam([theirs for _, theirs, _ in twin.parameters()], lr=lr))


def test_linear_adam():
    return run_training(301, lambda rng: mlp(rng, 0, relu=False), lambda twin: adam(twin, 0.01),
                        4, loss=False)


def test_big_linear_relu_xeloss_adam():
    return run_training(302, lambda rng: mlp(rng, 3, high=40), lambda twin: adam(twin, 0.01), 5,
                        evaluate=True)


def check_dropout_statistics(p, seed):
    """One large Dropout call: the share dropped is p, and the next call draws anew."""
    from mytorch.nn.dropout import Dropout
    from mytorch.tensor import Tensor
    np.random.seed(seed)
    layer = Dropout(p)
    x = Tensor(np.ones((200, 500)))
    first, second = layer(x).data, layer(x).data
    share = float(np.mean(first == 0))
    assert abs(share - p) < 0.01, f"Dropout(p={p}) dropped {share:.3f} of the units, expected {p}"
    assert not np.array_equal(first, second), "Dropout must draw a new mask at every call"


def test_linear_relu_dropout():
    check_dropout_statistics(0.3, 303)
    rng = np.random.default_rng(303)
    spec = mlp(rng, 0, dropout=0.4, low=30, high=60)
    twin = Twin(spec, 303)
    for step in range(3):
        x, tx = batch(rng, spec, int(rng.integers(4, 16)))
        out, expected = twin.forward(x, tx)
        assert_close(out, expected, f"output of call {step + 1}")
    twin.train(False)
    x, tx = batch(rng, spec, 8)
    out, expected = twin.forward(x, tx)
    assert_close(out, expected, "output in eval mode")
    return True


def test_linear_relu_dropout_backward():
    return check_forward_backward(mlp(np.random.default_rng(304), 0, dropout=0.5, low=30,
                                      high=60), 304, True)


def test_big_linear_bn_relu_dropout_xeloss_adam():
    return run_training(305, lambda rng: mlp(rng, 3, batchnorm=True, dropout=0.2, low=4,
                                             high=40),
                        lambda twin: adam(twin, 0.01), 5, evaluate=True)


def check_batchnorm(seed, backward):
    """Linear, BatchNorm1d, ReLU in training mode on three batches: output (and gradients,
    which add up over the calls in both libraries), then the running statistics."""
    rng = np.random.default_rng(seed)
    spec = mlp(rng, 0, batchnorm=True)
    twin = Twin(spec, seed)
    for call in range(1, 4):
        x, tx = batch(rng, spec, int(rng.integers(2, 12)), requires_grad=backward, scale=3.0)
        out, expected = twin.forward(x, tx)
        assert_close(out, expected, f"output of call {call}")
        if backward:
            out.backward()
            expected.sum().backward()
            assert_grad(x, tx, f"the input at call {call}")
            for ours, theirs, what in twin.parameters():
                assert_grad(ours, theirs, f"{what} at call {call}")
        check_running_stats(twin, f"after call {call}")
    return True


def test_linear_batchnorm_relu_forward_train():
    return check_batchnorm(306, backward=False)


def test_linear_batchnorm_relu_backward_train():
    return check_batchnorm(307, backward=True)


def test_linear_batchnorm_relu_train_eval():
    return run_training(308, lambda rng: mlp(rng, 0, batchnorm=True),
                        lambda twin: sgd(twin, 0.1), 3, evaluate=True)


def test_big_linear_batchnorm_relu_train_eval():
    rng = np.random.default_rng(309)
    spec = mlp(rng, 3, batchnorm=True, low=4, high=40)
    twin = Twin(spec, 309)
    train(twin, spec, rng, *sgd(twin, 0.05, momentum=0.9), 5)
    check_eval(twin, spec, rng)
    check_running_stats(twin, "in eval mode")
    return True
