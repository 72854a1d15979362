"""HW2P1 section 1, the cases the runner draws: Conv1d forward and backward (driver
`conv_stacks`), and Flatten (driver `flatten`), against torch float64.

Conv1d stacks of 1, 2 and 3 layers, sizes drawn in the course's ranges
(batch 1-3, width 60-79, channels 5-14, kernel 3-6, stride 3-4), weights in torch's default
range and random biases (a Conv1d starts with zero biases, which would hide a bias that is
dropped). Gradients come from `backward()` on the non-scalar output (a gradient of ones,
as torch's `.sum()`); in a deeper stack the earlier layers see gradients that vary.
"""
import numpy as np

from autograder.child.drivers import ordinal

STACK_DEPTHS = (1, 2, 3)
CASES_PER_DEPTH = 2
DEPTH_WORDS = {1: "one", 2: "two", 3: "three"}


def conv_weights(rng, out_channel, in_channel, kernel):
    bound = 1 / np.sqrt(in_channel * kernel)
    return {"weight": rng.uniform(-bound, bound, (out_channel, in_channel, kernel)),
            "bias": rng.normal(0, 1, out_channel)}


def stacks(backward):
    """Every depth and case: the stack's spec, weights, an input batch and its name as a
    failure line says it: "the second two-layer stack [Conv1d(13, 7, 6, 4), Conv1d(7, 12,
    5, 4)] on a (3, 13, 71) input" (Conv1d's arguments in the course's order: in_channel,
    out_channel, kernel_size, stride)."""
    def case(rng):
        drawn = []
        for depth in STACK_DEPTHS:
            for number in range(1, CASES_PER_DEPTH + 1):
                channels = [int(c) for c in rng.integers(5, 15, depth + 1)]
                width = start = int(rng.integers(60, 80))
                spec = []
                for in_channel, out_channel in zip(channels, channels[1:]):
                    kernel = int(rng.integers(3, min(6, width) + 1))
                    stride = int(rng.integers(3, 5))
                    spec.append(("Conv1d", in_channel, out_channel, kernel, stride))
                    width = (width - kernel) // stride + 1
                x = rng.normal(0, 1, (int(rng.integers(1, 4)), channels[0], start))
                layers = ", ".join(f"Conv1d{tuple(arguments)}" for _, *arguments in spec)
                name = f"the {ordinal(number)} {DEPTH_WORDS[depth]}-layer stack [{layers}] " \
                       f"on a {x.shape} input"
                drawn.append({"spec": spec, "x": x, "name": name,
                              "weights": [conv_weights(rng, out, in_, kernel)
                                          for _, in_, out, kernel, _ in spec]})
        return {"backward": backward, "stacks": drawn}
    return case


conv1d_forward, conv1d_backward = stacks(backward=False), stacks(backward=True)


def flatten(rng):
    """Four (batch, channels, width) inputs and random upstream gradients."""
    cases = []
    for _ in range(4):
        shape = tuple(int(n) for n in rng.integers(1, 8, 3))
        cases.append({"x": rng.normal(0, 1, shape),
                      "upstream": rng.normal(0, 1, (shape[0], shape[1] * shape[2]))})
    return {"cases": cases}
