"""The verdict of a test, made in the runner: what the student process sent, compared with
what torch float64 gives, as the course's graders compare (exact type `np.ndarray`, same
shape, then closeness with rtol 1e-5, atol 1e-8).

The reply is untrusted data: every value is checked for its form before it is used, a
missing or malformed value fails the test with one line, and nothing in it is read as a
verdict. A failure line names the value in words a student knows from the course ("weight
gradient of the second Linear layer at step 3") and says what differs: the largest absolute
difference, the shapes or types, or that the hand-in's values (say a gradient that its
backward never accumulated into) are all zeros where torch's are not.

Two kinds of value: those the course's test compares (a wrong one fails the test) and those
only the handout asks for (`Expected.rule` set: LogSumExp stability, a Conv1d output that is
a node of the graph, BatchNorm's running statistics, inputs left as they were...). A wrong
one of the second kind is a warning; `--strict` makes it cost the test.
"""
from typing import Any, NamedTuple

import numpy as np
import torch

from autograder.child import wire

RTOL, ATOL = 1e-5, 1e-8
TORCH_LINE = "the hand-in uses torch, which MyTorch must not"
RULE_NOTE = "not checked by the course's grader; the handout asks for it"
ZEROS_GRADIENT = "your gradient is all zeros, where torch's is not"
ZEROS_VALUES = "your values are all zeros, where torch's are not"


class Expected(NamedTuple):
    """What one recorded value must be: kind "tensor" (a torch tensor, or None where torch
    has none), "flags" ({name: bool}), "value" (an int, str, bool or list), "check" (a
    function of the observed value returning a failure line or None) or "raised" (a step
    of a handout rule: the hand-in's exception line, if any, is the failure). `rule`: True
    where the course's test does not compare the value and only the handout asks for it."""
    kind: str
    value: Any
    rule: bool = False


def describe(observed):
    """A short name for an observed value in a failure line."""
    if observed is None:
        return "None"
    if isinstance(observed, dict):
        data = observed.get("data")
        if observed.get("kind") == "Tensor" and type(data) is np.ndarray:
            return f"a Tensor of shape {data.shape}"
        return f"a {str(observed.get('kind', 'value'))[:60]}"
    return f"a {type(observed).__name__}"


def array_message(actual, expected, what):
    """None when `actual` is an np.ndarray of `expected`'s shape and values, else the line."""
    expected = expected.detach().numpy() if isinstance(expected, torch.Tensor) \
        else np.asarray(expected)
    if type(actual) is not np.ndarray:
        kind = actual.get("kind") or f"array of dtype {actual.get('unsent')}" \
            if isinstance(actual, dict) else type(actual).__name__
        return f"{what}: .data is a {str(kind)[:60]}, expected np.ndarray"
    if actual.dtype.kind not in "biuf":
        return f"{what}: .data has dtype {actual.dtype}, expected float64"
    if actual.shape != expected.shape:
        return f"{what}: shape {actual.shape}, expected {expected.shape}"
    with np.errstate(all="ignore"):
        if np.allclose(actual, expected, rtol=RTOL, atol=ATOL):
            return None
        gap = np.max(np.abs(actual.astype(np.float64) - expected), initial=0.0)
    if not np.any(actual):  # torch's is not all zeros, or the values would be close
        return f"{what}: {ZEROS_GRADIENT if 'grad' in what else ZEROS_VALUES}"
    return f"{what}: your values differ from torch's, largest absolute difference {gap:.3g}"


def tensor_message(observed, expected, what):
    if expected is None:
        return None if observed is None else \
            f"{what}: expected None (as torch), got {describe(observed)}"
    if observed is None:
        return f"{what}: is None, expected a Tensor of shape {tuple(expected.shape)}"
    if not isinstance(observed, dict) or observed.get("kind") != "Tensor":
        return f"{what}: is {describe(observed)}, expected a Tensor"
    return array_message(observed.get("data"), expected, what)


def flags_message(observed, expected, what):
    if not isinstance(observed, dict):
        return f"{what}: is {describe(observed)}, expected a Tensor"
    wrong = [f"{name}={show(observed.get(name))}" for name, value in expected.items()
             if observed.get(name) is not value]
    if wrong:
        wanted = ", ".join(f"{name}={value}" for name, value in expected.items())
        return f"{what}: has {', '.join(wrong)}, expected {wanted} (as torch)"
    return None


def same(observed, expected):
    """Equal and of the same JSON type (True is not 1)."""
    if type(observed) is not type(expected):
        return False
    if isinstance(expected, list):
        return len(observed) == len(expected) and all(map(same, observed, expected))
    return observed == expected


def show(value):
    """A value from the reply, briefly: scalars as they are, a list one level deep."""
    if isinstance(value, list):
        items = [str(item)[:20] if isinstance(item, (int, float, str, bool)) else "..."
                 for item in value[:10]]
        return f"({', '.join(items)}{', ...' if len(value) > 10 else ''})"
    if isinstance(value, dict):
        return describe(value)
    return str(value)[:80]


def message(expected, observed, key):
    """The failure line for one recorded value, or None when it is right."""
    if expected.kind == "tensor":
        return tensor_message(observed, expected.value, key)
    if expected.kind == "flags":
        return flags_message(observed, expected.value, key)
    if expected.kind == "value":
        return None if same(observed, expected.value) else \
            f"{key}: {show(observed)}, expected {show(expected.value)}"
    if expected.kind == "raised":
        return f"{key}: {wire.shorten(str(observed), 300)}"
    try:
        return expected.value(observed)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError):
        return f"{key}: not in the form the test expects"


def dropout_draws(draws, shape, p):
    """Two outputs of Dropout(p) on ones: the share dropped is p (within 0.01), and the
    second call drew a new mask."""
    what = f"Dropout(p={p})"
    if not (isinstance(draws, list) and len(draws) == 2
            and all(type(d) is np.ndarray and d.shape == shape for d in draws)):
        return f"{what}: expected two outputs of shape {shape} as np.ndarray"
    share = float(np.mean(draws[0] == 0))
    if abs(share - p) >= 0.01:
        return f"{what} dropped {share:.3f} of the units, expected {p}"
    if np.array_equal(draws[0], draws[1]):
        return "Dropout must draw a new mask at every call"
    return None


def verdict(expected, observed, error, torch_used, stop=None):
    """None when the test passes, else its one failure line, from the values the course's
    test compares. `expected` is the reference's [(key, Expected)] in checking order;
    `observed` the reply's {key: value}; `error` the hand-in's exception line; `stop`
    where the reference could not go on."""
    if torch_used is not False:
        return TORCH_LINE
    if not isinstance(observed, dict):
        return error or "the test process sent no values"
    for key, wanted in expected:
        if wanted.rule:
            continue
        if key not in observed:
            return error or f"{key}: the hand-in gave no value"
        line = message(wanted, observed[key], key)
        if line is not None:
            return line
    if stop is not None:
        return stop.message or error or f"{stop.key}: the hand-in gave no value"
    return error


def warnings(expected, observed):
    """A line for each value of a handout rule that is wrong, in checking order. A rule's
    value that is missing is no warning: the test failed before it, or the rule's step
    raised (its own warning)."""
    lines = []
    for key, wanted in expected:
        if wanted.rule and isinstance(observed, dict) and key in observed:
            line = message(wanted, observed[key], key)
            if line is not None and line not in lines:
                lines.append(line)
    return lines
