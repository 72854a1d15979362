"""HW2P1 section 2: the scanning-MLP CNNs (driver `scanning`) against literal MLP scans
stored in ref_result/ (made by make_scan_data.py), and the weights init_weights installs
(leaf parameters that require grad, of the handout's Conv1d shapes, among
`.layers.parameters()`: the handout's "Tensor settings matter"). The models are used as the
course interface allows: no arguments, their `.layers`, `init_weights(weights)`, called on
a (1, 24, 128) Tensor. The expected outputs are read here, in the runner, only."""
from pathlib import Path

import numpy as np

from autograder.grading import run_reference

HERE = Path(__file__).resolve().parent
# the handout's Conv1d weights (out, in, kernel) of each model
SHAPES = {"simple": ((8, 24, 8), (16, 8, 1), (4, 16, 1)),
          "distributed": ((2, 24, 2), (8, 2, 2), (4, 8, 2))}


def load(name):
    """The series (channels-first, as the CNNs take it), the MLP weights (out, in) and the
    reference output of the scan."""
    series = np.load(HERE / "data" / "scan_input.npy").transpose(0, 2, 1)
    weights = tuple(np.load(HERE / "weights" / f"{name}_w{index}.npy") for index in (1, 2, 3))
    return series, weights, np.load(HERE / "ref_result" / f"{name}_output.npy")


def scan_case(name):
    """What the student process gets: the series and the weights, not the output."""
    def case():
        series, weights, _ = load(name)
        return {"model": name, "weights": list(weights), "x": series}
    return case


def scan_reference(case, observed):
    name = case["model"]
    output = load(name)[2]
    return run_reference("scanning", case, observed, scans={name: (SHAPES[name], output)})


simple_scanning_mlp, distributed_scanning_mlp = scan_case("simple"), scan_case("distributed")
