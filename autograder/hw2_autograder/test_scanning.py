"""HW2P1 section 2: the scanning-MLP CNNs against literal MLP scans stored in ref_result/
(made by make_scan_data.py), and the weights init_weights installs (leaf parameters that
require grad, of the Conv1d's shape, among `.layers.parameters()`: the handout's "Tensor
settings matter"). The models are used as the course interface allows: no arguments, their
`.layers`, `init_weights(weights)`, called on a (1, 24, 128) Tensor."""
from pathlib import Path

import numpy as np

from autograder.checking import assert_array, assert_leaf_parameter

HERE = Path(__file__).resolve().parent


def load(name):
    """The series (channels-first, as the CNNs take it), the MLP weights (out, in) and the
    reference output of the scan."""
    series = np.load(HERE / "data" / "scan_input.npy").transpose(0, 2, 1)
    weights = tuple(np.load(HERE / "weights" / f"{name}_w{index}.npy") for index in (1, 2, 3))
    return series, weights, np.load(HERE / "ref_result" / f"{name}_output.npy")


def check_scanning(model, name):
    from mytorch.nn.conv import Conv1d
    from mytorch.tensor import Tensor
    series, weights, expected = load(name)
    model.init_weights(weights)
    convs = [layer for layer in model.layers.layers if isinstance(layer, Conv1d)]
    assert len(convs) == 3, f"expected 3 Conv1d layers in .layers, found {len(convs)}"
    parameters = {id(p) for p in model.layers.parameters()}
    for index, conv in enumerate(convs, 1):
        what = f"weight of Conv1d layer {index} after init_weights"
        assert_leaf_parameter(conv.weight, what)
        shape = (conv.out_channel, conv.in_channel, conv.kernel_size)
        assert conv.weight.data.shape == shape, \
            f"{what}: shape {conv.weight.data.shape}, expected {shape}"
        assert id(conv.weight) in parameters, f"{what}: not among model.layers.parameters()"
    out = model(Tensor(series))
    assert isinstance(out, Tensor), f"output: a {type(out).__name__}, expected a Tensor"
    assert_array(out.data, expected, "output (against the MLP scanned window by window)")
    return True


def test_simple_scanning_mlp():
    from hw2.mlp_scan import CNN_SimpleScanningMLP
    return check_scanning(CNN_SimpleScanningMLP(), "simple")


def test_distributed_scanning_mlp():
    from hw2.mlp_scan import CNN_DistributedScanningMLP
    return check_scanning(CNN_DistributedScanningMLP(), "distributed")
