"""HW2P1 section 2: the scanning-MLP CNNs (driver `scanning`) against the literal MLP
scanned window by window, and the weights init_weights installs (leaf parameters that
require grad, of the handout's Conv1d shapes, among `.layers.parameters()`: the handout's
"Tensor settings matter"). Each run draws a (1, 128, 24) series and the MLP's weights,
and the expected output is computed here, in the runner only, with nothing borrowed from
the CNN code it grades. The models are used as the course interface allows: no
arguments, their `.layers`, `init_weights(weights)`, called on a (1, 24, 128) Tensor."""
import numpy as np

from autograder.grading import run_reference

TIME_STEPS, FEATURES = 128, 24
WINDOW, STRIDE = 8, 4
LAYER_SIZES = (WINDOW * FEATURES, 8, 16, 4)
# the handout's Conv1d weights (out, in, kernel) of each model
SHAPES = {"simple": ((8, 24, 8), (16, 8, 1), (4, 16, 1)),
          "distributed": ((2, 24, 2), (8, 2, 2), (4, 8, 2))}


def scan_mlp(series, weights):
    """Slide the bias-free MLP [Linear, ReLU, Linear, ReLU, Linear] (weights (out, in))
    over `series` (1, features, time): each window of WINDOW steps is flattened time-major.
    Returns the outputs concatenated channel-major: (1, out_features * positions)."""
    w1, w2, w3 = (np.asarray(w, dtype=np.float64) for w in weights)
    outputs = []
    for start in range(0, series.shape[2] - WINDOW + 1, STRIDE):
        window = series[0, :, start:start + WINDOW].T.reshape(-1)
        hidden = np.maximum(w2 @ np.maximum(w1 @ window, 0), 0)
        outputs.append(w3 @ hidden)
    return np.stack(outputs, axis=1).reshape(1, -1)


def simple_weights(rng):
    """Integer weights, so that init_weights must convert them."""
    return [rng.integers(-2, 3, (n_out, n_in))
            for n_in, n_out in zip(LAYER_SIZES, LAYER_SIZES[1:])]


def distributed_weights(rng):
    """MLP weights with the distributed pattern: layer 1 is 4 groups of the same
    2 neurons, group j reading time steps 2j, 2j+1 of the window; layer 2 is 2
    groups of the same 8 neurons, group m reading layer-1 groups 2m, 2m+1;
    layer 3's 4 neurons read all of layer 2. Zero weights outside what a neuron reads."""
    distinct1 = rng.normal(0, 1, (2, 2 * FEATURES))
    distinct2 = rng.normal(0, 1, (8, 2 * 2))
    w1 = np.zeros((8, WINDOW * FEATURES))
    for group in range(4):
        w1[2 * group:2 * group + 2, 2 * group * FEATURES:(2 * group + 2) * FEATURES] = distinct1
    w2 = np.zeros((16, 8))
    for group in range(2):
        w2[8 * group:8 * group + 8, 4 * group:4 * group + 4] = distinct2
    return [w1, w2, rng.normal(0, 1, (4, 16))]


def scan_case(name, weights_of):
    """What the student process gets: the series (channels-first, as the CNNs take it)
    and the MLP's weights, not the output."""
    def case(rng):
        series = rng.normal(0, 1, (1, TIME_STEPS, FEATURES)).transpose(0, 2, 1)
        return {"model": name, "weights": weights_of(rng), "x": np.ascontiguousarray(series)}
    return case


def scan_reference(case, observed):
    name = case["model"]
    output = scan_mlp(case["x"], case["weights"])
    return run_reference("scanning", case, observed, scans={name: (SHAPES[name], output)})


simple_scanning_mlp = scan_case("simple", simple_weights)
distributed_scanning_mlp = scan_case("distributed", distributed_weights)
