"""Write the fixtures of the scanning tests: a (1, 128, 24) series, the weights of
two scanning MLPs, and the outputs of scanning each MLP over the series.

    python autograder/hw2_autograder/make_scan_data.py

The reference outputs come from running the MLP literally, window by window, with
nothing borrowed from the CNN code they grade. Writes data/scan_input.npy,
weights/{simple,distributed}_w{1,2,3}.npy and ref_result/{simple,distributed}_output.npy
next to this script (small files, committed). Fixed seed: reruns give the same bytes.
"""
import utils  # first: a Ctrl-C during the imports below is then one line

import argparse
from pathlib import Path

import numpy as np


HERE = Path(__file__).resolve().parent
SEED = 11785
TIME_STEPS, FEATURES = 128, 24
WINDOW, STRIDE = 8, 4
LAYER_SIZES = (WINDOW * FEATURES, 8, 16, 4)


def scan_mlp(series, weights):
    """Slide the bias-free MLP [Linear, ReLU, Linear, ReLU, Linear] over `series`
    (1, time, features): each window of WINDOW steps is flattened time-major.
    Returns the outputs concatenated channel-major: (1, out_features * positions)."""
    w1, w2, w3 = (np.asarray(w, dtype=np.float64) for w in weights)
    outputs = []
    for start in range(0, series.shape[1] - WINDOW + 1, STRIDE):
        window = series[0, start:start + WINDOW, :].reshape(-1)
        hidden1 = np.maximum(w1 @ window, 0)
        hidden2 = np.maximum(w2 @ hidden1, 0)
        outputs.append(w3 @ hidden2)
    return np.stack(outputs, axis=1).reshape(1, -1)


def shared_weights(rng):
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
    w3 = rng.normal(0, 1, (4, 16))
    return w1, w2, w3


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=HERE,
                        help="folder to write data/, weights/, ref_result/ into")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    rng = np.random.default_rng(SEED)
    series = rng.normal(0, 1, (1, TIME_STEPS, FEATURES))
    # integer weights for the simple MLP, so that init_weights must convert them
    simple = tuple(rng.integers(-2, 3, (n_out, n_in))
                   for n_in, n_out in zip(LAYER_SIZES, LAYER_SIZES[1:]))
    distributed = shared_weights(rng)
    files = {"data/scan_input.npy": series,
             "ref_result/simple_output.npy": scan_mlp(series, simple),
             "ref_result/distributed_output.npy": scan_mlp(series, distributed)}
    for name, weights in (("simple", simple), ("distributed", distributed)):
        for index, weight in enumerate(weights, 1):
            files[f"weights/{name}_w{index}.npy"] = weight
    for name, array in files.items():
        path = args.out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, array)
        print(f"wrote {name} {array.shape} {array.dtype}")
    return 0


if __name__ == "__main__":
    utils.run_main(main)
