"""Graded tests of the scanning-MLP CNNs: outputs against the literal MLP scans
in ref_result/ (made by make_scan_data.py), and the parameters that
init_weights installs (float64 leaf parameters, no graph)."""
from pathlib import Path

import numpy as np

from autograder.hw1_autograder.checks import RTOL, ATOL
from hw2.mlp_scan import CNN_DistributedScanningMLP, CNN_SimpleScanningMLP
from mytorch.tensor import Tensor

HERE = Path(__file__).resolve().parent


def load(name):
    """The series (channels-first, as the CNNs take it), the MLP weights and the reference output."""
    series = np.load(HERE / "data" / "scan_input.npy").transpose(0, 2, 1)
    weights = tuple(np.load(HERE / "weights" / f"{name}_w{index}.npy") for index in (1, 2, 3))
    return series, weights, np.load(HERE / "ref_result" / f"{name}_output.npy")


def check_scanning(model, name):
    series, weights, expected = load(name)
    model.init_weights(weights)
    convs = [layer for layer in model.layers if hasattr(layer, "kernel_size")]
    assert len(convs) == 3, f"expected 3 Conv1d layers in .layers, found {len(convs)}"
    parameter_ids = {id(p) for p in model.parameters()}
    for index, conv in enumerate(convs):
        weight = conv.weight
        assert isinstance(weight, Tensor) and type(weight.data) is np.ndarray, f"conv {index}: weight not a Tensor"
        assert weight.data.dtype == np.float64, f"conv {index}: weight dtype {weight.data.dtype}, expected float64"
        assert weight.shape == (conv.out_channel, conv.in_channel, conv.kernel_size), \
            f"conv {index}: weight shape {weight.shape}"
        assert weight.requires_grad and weight.is_leaf and weight.is_parameter, \
            f"conv {index}: weight must have requires_grad, is_leaf and is_parameter set"
        assert weight.grad_fn is None, f"conv {index}: init_weights added a graph node"
        assert id(weight) in parameter_ids, f"conv {index}: the new weight is not among model.parameters()"
    out = model(Tensor(series))
    assert type(out.data) is np.ndarray and out.shape == expected.shape, \
        f"output shape {out.shape}, expected {expected.shape}"
    assert np.allclose(out.data, expected, rtol=RTOL, atol=ATOL), \
        f"output differs from the MLP scan (max abs diff {np.abs(out.data - expected).max():.3g})"
    return True


def test_simple_scanning_mlp():
    return check_scanning(CNN_SimpleScanningMLP(), "simple")


def test_distributed_scanning_mlp():
    return check_scanning(CNN_DistributedScanningMLP(), "distributed")
