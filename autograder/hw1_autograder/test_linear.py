"""HW1P1's layer tests, the cases the runner draws for the `mlp` driver: Linear and Linear
+ ReLU stacks forward and backward, SGD steps with and without momentum, cross-entropy,
and small training runs checked again in eval mode. The runner draws every model's sizes,
weights and batches with the run's generator; every output, loss, gradient and updated
parameter is compared with torch float64, step by step.
"""
import numpy as np


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


def weights(rng, spec):
    """Each layer's parameters: torch's default ranges for Linear, BatchNorm1d's scale and
    shift away from 1 and 0 (so that a dropped gamma or beta shows)."""
    drawn = []
    for kind, *arguments in spec:
        if kind == "Linear":
            fan_in, fan_out = arguments
            bound = 1 / np.sqrt(fan_in)
            drawn.append({"weight": rng.uniform(-bound, bound, (fan_out, fan_in)),
                          "bias": rng.uniform(-bound, bound, fan_out)})
        elif kind == "BatchNorm1d":
            drawn.append({"gamma": rng.uniform(0.5, 1.5, arguments[0]),
                          "beta": rng.normal(0, 0.5, arguments[0])})
        else:
            drawn.append({})
    return drawn


def classes(spec):
    """The number of outputs of the model `spec` (its last Linear's)."""
    return [arguments for kind, *arguments in spec if kind == "Linear"][-1][1]


def batch(rng, spec, size, scale=1.0):
    return rng.standard_normal((int(size), spec[0][1])) * scale


def model(rng, spec, steps, optimizer=None):
    return {"spec": spec, "weights": weights(rng, spec), "steps": steps,
            "optimizer": optimizer}


def forward_backward(spec_of, backward, fewest_rows=1):
    """One batch of `fewest_rows` to 15 rows through the model: its output, and with
    `backward` every gradient."""
    def case(rng):
        spec = spec_of(rng)
        return model(rng, spec, [{"x": batch(rng, spec, rng.integers(fewest_rows, 16)),
                                  "backward": backward, "input_gradient": backward}])
    return case


def sgd(lr, momentum=0.0):
    return {"kind": "sgd", "lr": lr, "momentum": momentum}


def training_steps(rng, spec, steps, loss=True, evaluate=False):
    """`steps` steps on fresh batches (cross-entropy on random labels, or the sum of the
    outputs), then, with `evaluate`, a batch in eval mode."""
    batches = []
    for number in range(1, steps + 1):
        x = batch(rng, spec, rng.integers(2, 12))
        settings = {"when": f" at step {number}", "after": f" after step {number}", "x": x,
                    "backward": True}
        if loss:
            settings["labels"] = rng.integers(0, classes(spec), len(x))
        batches.append(settings)
    if evaluate:
        x = batch(rng, spec, rng.integers(2, 12))
        batches.append({"when": " in eval mode", "train": False, "x": x,
                        "labels": rng.integers(0, classes(spec), len(x))})
    return batches


def training(spec_of, optimizer, steps, loss=True, evaluate=False):
    def case(rng):
        spec = spec_of(rng)
        return model(rng, spec, training_steps(rng, spec, steps, loss, evaluate), optimizer)
    return case


linear_forward = forward_backward(lambda rng: mlp(rng, 0, relu=False), False)
linear_backward = forward_backward(lambda rng: mlp(rng, 0, relu=False), True)
linear_relu_forward = forward_backward(lambda rng: mlp(rng, 0), False)
linear_relu_backward = forward_backward(lambda rng: mlp(rng, 0), True)
big_linear_relu_forward = forward_backward(lambda rng: mlp(rng, 3, high=40), False)
big_linear_relu_backward = forward_backward(lambda rng: mlp(rng, 3, high=40), True)
linear_relu_sgd_step = training(lambda rng: mlp(rng, 0), sgd(0.1), 3, loss=False)
big_linear_relu_sgd_step = training(lambda rng: mlp(rng, 3, high=40), sgd(0.05), 3,
                                    loss=False)
linear_xeloss_backward = training(lambda rng: mlp(rng, 0, relu=False), sgd(0.1), 1)
big_linear_relu_xeloss_train_eval = training(lambda rng: mlp(rng, 3, high=40), sgd(0.1),
                                             4, evaluate=True)
linear_momentum = training(lambda rng: mlp(rng, 0, relu=False), sgd(0.1, 0.9), 4,
                           loss=False)
big_linear_relu_xeloss_momentum = training(lambda rng: mlp(rng, 3, high=40),
                                           sgd(0.05, 0.9), 5, evaluate=True)


def linear_xeloss_forward(rng):
    """Cross-entropy of a Linear layer's output; then, as the handout's rule (a warning),
    with inputs x100,000 (large logits: only a log-sum-exp survives these). The scale
    is that large so that the rule is always tested: at x1000 a small batch whose logits
    all stayed within exp's float64 range (|z| < 709) let a plain softmax pass."""
    spec = mlp(rng, 0, relu=False)
    steps = []
    for scale in (1, 100_000):
        size = rng.integers(1, 12)
        size += size == classes(spec)  # a mean over the classes must not pass
        x = batch(rng, spec, size, scale)
        steps.append({"when": f" (inputs scaled by {scale:,})", "x": x,
                      "labels": rng.integers(0, classes(spec), len(x))})
    steps[1]["rule"] = "cross-entropy of large logits (the handout's LogSumExp)"
    return model(rng, spec, steps)
