"""HW2P1 section 3, the case the runner draws for the `cnn` driver: the CNN of the
handout's figure, checked layer by layer against the figure, then three SGD steps on one
batch against the same network in torch float64 (torch_cnn.py), both from the runner's
weights. Each step compares the logits, the loss, the input gradient and the gradient of
every Conv1d and Linear parameter, then every parameter after the update; at the end every
parameter of `cnn.layers.parameters()` must still be a leaf parameter."""
import numpy as np

from autograder.hw2_autograder.test_conv import conv_weights

STEPS, BATCH_SIZE, WIDTH, LR = 3, 2, 60, 0.01
FIGURE = [("Conv1d", (24, 56, 5, 1)), ("Tanh", ()), ("Conv1d", (56, 28, 6, 2)), ("ReLU", ()),
          ("Conv1d", (28, 14, 2, 2)), ("Sigmoid", ()), ("Flatten", ()), ("Linear", (182, 10))]


def cnn(rng):
    weights = []
    for kind, settings in FIGURE:
        if kind == "Conv1d":
            weights.append(conv_weights(rng, settings[1], settings[0], settings[2]))
        elif kind == "Linear":
            bound = 1 / np.sqrt(settings[0])
            weights.append({"weight": rng.uniform(-bound, bound, settings[::-1]),
                            "bias": rng.uniform(-bound, bound, settings[1])})
        else:
            weights.append({})
    return {"width": WIDTH, "weights": weights, "steps": STEPS,
            "optimizer": {"kind": "sgd", "lr": LR, "momentum": 0.0},
            "x": rng.normal(0, 1, (BATCH_SIZE, 24, WIDTH)),
            "labels": rng.integers(0, 10, BATCH_SIZE)}
