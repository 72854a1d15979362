"""HW1P1 bonus tests, the cases the runner draws: Adam, Dropout and BatchNorm1d, alone and
in training runs (drivers `mlp` and `dropout`). BatchNorm1d's running statistics are the
handout's rule (a warning): the course's tests see them through eval mode's output.

Dropout draws are the hand-in's own: each mask is read off the hand-in's output, checked
(every unit dropped to 0 or scaled by 1 / (1 - p)) and applied to torch's activations; the
share of dropped units must be near p and a new mask drawn at every call. BatchNorm1d is
compared with torch's in training mode (batch statistics; running variance from the
unbiased batch variance) and in eval mode (running statistics).
"""
import numpy as np

from autograder.hw1_autograder.test_linear import (batch, forward_backward, mlp, model, sgd,
                                                   training)


def adam(lr):
    return {"kind": "adam", "lr": lr}


linear_adam = training(lambda rng: mlp(rng, 0, relu=False), adam(0.01), 4, loss=False)
big_linear_relu_xeloss_adam = training(lambda rng: mlp(rng, 3, high=40), adam(0.01), 5,
                                       evaluate=True)
# At least 8 rows of 30 or more units: enough for the share dropped to tell a mask that
# drops every unit, or none, from p = 0.5 (the check allows 5 standard deviations).
linear_relu_dropout_backward = forward_backward(
    lambda rng: mlp(rng, 0, dropout=0.5, low=30, high=60), True, fewest_rows=8)
# the course's model of this test has no BatchNorm1d, whatever its name says
big_linear_bn_relu_dropout_xeloss_adam = training(
    lambda rng: mlp(rng, 3, dropout=0.2, low=4, high=40), adam(0.01), 5, evaluate=True)
linear_batchnorm_relu_train_eval = training(lambda rng: mlp(rng, 0, batchnorm=True),
                                            sgd(0.1), 3, evaluate=True)
big_linear_batchnorm_relu_train_eval = training(
    lambda rng: mlp(rng, 3, batchnorm=True, low=4, high=40), sgd(0.05, 0.9), 5,
    evaluate=True)


def linear_relu_dropout(rng):
    """One large Dropout(0.3) call twice (the share dropped, a new mask), then three calls
    of Linear, ReLU, Dropout(0.4) in training mode and one in eval mode."""
    spec = mlp(rng, 0, dropout=0.4, low=30, high=60)
    steps = [{"when": f" at call {call}", "x": batch(rng, spec, rng.integers(4, 16))}
             for call in (1, 2, 3)]
    steps.append({"when": " in eval mode", "train": False, "x": batch(rng, spec, 8)})
    return {"draws": {"p": 0.3, "x": np.ones((200, 500))}, "model": model(rng, spec, steps)}


def batchnorm(backward):
    """Linear, BatchNorm1d, ReLU in training mode on three batches: output (and gradients,
    which add up over the calls in both libraries), then the running statistics."""
    def case(rng):
        spec = mlp(rng, 0, batchnorm=True)
        steps = [{"when": f" at call {call}", "x": batch(rng, spec, rng.integers(2, 12), 3.0),
                  "backward": backward, "input_gradient": backward} for call in (1, 2, 3)]
        return model(rng, spec, steps)
    return case


linear_batchnorm_relu_forward_train = batchnorm(backward=False)
linear_batchnorm_relu_backward_train = batchnorm(backward=True)
