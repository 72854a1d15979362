"""hw2 (MyTorch CNNs): Conv1d/Tanh/Sigmoid gradients agree with finite differences; sizes,
bad input, the scanning CNNs on a drawn MLP, the demo and the benchmark (the autograder's
own tests are in test_autograder_handin.py)."""
import sys

import numpy as np
import pytest

import mytorch.nn.functional as F
from autograder.hw2_autograder.test_scanning import distributed_scanning_mlp, scan_mlp
from hw2.hw2 import CNN, get_final_conv_output_size
from hw2.mlp_scan import CNN_DistributedScanningMLP, CNN_SimpleScanningMLP
from mytorch.nn.conv import Conv1d, Flatten
from mytorch.tensor import Tensor
from store import load_json


def numeric_gradient(function, arrays, index, upstream, eps=1e-6):
    """d sum(upstream * function(*arrays)) / d arrays[index] by central differences."""
    grad = np.zeros_like(arrays[index])
    for position in np.ndindex(grad.shape):
        values = []
        for sign in (1, -1):
            shifted = [a.copy() for a in arrays]
            shifted[index][position] += sign * eps
            values.append((function(*[Tensor(a) for a in shifted]).data * upstream).sum())
        grad[position] = (values[0] - values[1]) / (2 * eps)
    return grad


@pytest.mark.parametrize("name, function, shapes", [
    ("Conv1d stride 2", lambda x, w, b: F.Conv1d.apply(x, w, b, 2), [(2, 3, 9), (4, 3, 3), (4,)]),
    ("Conv1d stride 1", lambda x, w, b: F.Conv1d.apply(x, w, b, 1), [(1, 2, 5), (3, 2, 5), (3,)]),
    ("Tanh", lambda x: F.Tanh.apply(x), [(3, 4)]),
    ("Sigmoid", lambda x: F.Sigmoid.apply(x), [(3, 4)]),
])
def test_finite_difference_gradients(name, function, shapes):
    rng = np.random.default_rng(len(name))
    arrays = [rng.standard_normal(shape) for shape in shapes]
    inputs = [Tensor(a, requires_grad=True) for a in arrays]
    out = function(*inputs)
    upstream = rng.standard_normal(out.shape)
    out.backward(Tensor(upstream))
    for index, tensor in enumerate(inputs):
        np.testing.assert_allclose(tensor.grad.data,
                                   numeric_gradient(function, arrays, index, upstream),
                                   rtol=1e-5, atol=1e-7, err_msg=f"{name}, input {index}")


def test_sigmoid_and_tanh_saturate_without_overflow():
    x = Tensor(np.array([-1000.0, 0.0, 1000.0]))
    with np.errstate(all="raise"):
        np.testing.assert_allclose(F.Sigmoid.apply(x).data, [0, 0.5, 1])
        np.testing.assert_allclose(F.Tanh.apply(x).data, [-1, 0, 1])


def test_sizes_and_cnn_layout():
    assert F.get_conv1d_output_size(60, 5, 1) == 56 and F.get_conv1d_output_size(79, 6, 4) == 19
    model = CNN()
    assert get_final_conv_output_size(model.layers, 60) == 13
    assert model.layers[-1].weight.shape == (10, 13 * 14)
    assert model(Tensor(np.zeros((2, 24, 60)))).shape == (2, 10)
    layer = Conv1d(3, 5, 4, stride=2)
    assert layer.weight.shape == (5, 3, 4) and np.all(layer.bias.data == 0)
    assert {id(p) for p in layer.parameters()} == {id(layer.weight), id(layer.bias)}


def test_bad_input_is_a_clear_error():
    layer = Conv1d(3, 5, 4)
    with pytest.raises(ValueError, match=r"\(2, 4, 10\).*\(5, 3, 4\)"):
        layer(Tensor(np.zeros((2, 4, 10))))
    with pytest.raises(ValueError, match="no wider than the input"):
        layer(Tensor(np.zeros((2, 3, 3))))
    with pytest.raises(TypeError, match="Conv1d expects Tensors, got ndarray"):
        layer(np.zeros((2, 3, 10)))
    with pytest.raises(ValueError,
                       match=r"Flatten expects input of shape \(batch, ...\), got \(5,\)"):
        Flatten()(Tensor(np.zeros(5)))
    with pytest.raises(TypeError, match="Flatten expects Tensors"):
        Flatten()(np.zeros((2, 5)))


def test_simple_cnn_also_scans_the_shared_parameter_mlp():
    """The simple CNN is the general scan, so it reproduces the distributed MLP too,
    and the distributed CNN (fewer weights) agrees with it on that MLP."""
    case = distributed_scanning_mlp(np.random.default_rng(0))
    series, weights = case["x"], case["weights"]
    expected = scan_mlp(series, weights)
    for model in (CNN_SimpleScanningMLP(), CNN_DistributedScanningMLP()):
        model.init_weights(weights)
        np.testing.assert_allclose(model(Tensor(series)).data, expected, rtol=1e-10)
    conv_weights = sum(p.data.size for p in model.parameters() if p.data.ndim == 3)
    assert conv_weights == 2 * 24 * 2 + 8 * 2 * 2 + 4 * 8 * 2


def test_demo_quick_is_reproducible_and_frameworks_agree(tmp_path, monkeypatch):
    from hw2 import train_demo
    summaries = []
    for run in ("a", "b"):
        monkeypatch.setattr(sys, "argv", ["train_demo.py", "--quick", "--out", str(tmp_path / run)])
        with pytest.raises(SystemExit) as exit_info:
            train_demo.utils.run_main(train_demo.main)
        assert exit_info.value.code == 0
        summary = load_json(tmp_path / run / "hw2_summary.json")
        summary.pop("seconds")
        summaries.append(summary)
        assert (tmp_path / run / "hw2_demo.png").stat().st_size > 0
    assert summaries[0] == summaries[1]
    assert summaries[0]["max_abs_loss_difference"] < 1e-10


def test_benchmark_quick_rows():
    from benchmarks.conv1d import run
    rows = run(quick=True)
    assert len(rows) == 2
    for row in rows:
        assert {"name", "ours_s", "reference", "reference_s", "ratio", "target", "met"} <= set(row)
        assert row["ours_s"] > 0 and row["reference_s"] > 0
