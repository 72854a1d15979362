"""Grade the HW2P1 code like the course's runner: six all-or-nothing tests with its names
and points (95), a points table, then `Total score: N/95`; exit status 0 only at full marks.

    python autograder/hw2_autograder/runner.py                       this repository
    python autograder/hw2_autograder/runner.py --handin handin.tar   a hand-in
    python autograder/hw2_autograder/runner.py --handin submissions/ a class
    python autograder/hw2_autograder/runner.py --test "Conv1D Backward"

The points are the course's: each test makes the course's test's checks, all or nothing,
and when a module the course's runner imports at its top does not import, every test
scores 0, as on the course's scoreboard. What only the handout asks for (a Conv1d output
that is a node of the graph, get_final_conv_output_size, inputs left as they were) prints
as a warning under its test; with --strict it costs the test instead. The last line
printed is the course's Autolab line, {"scores": {...}}.

Each test runs the hand-in's mytorch/ and hw2/ in a sandboxed process of its own; the
runner draws the cases afresh every run (--seed repeats a run) and computes the expected
values: test_conv.py (Conv1d forward and backward, Flatten, against torch float64),
test_scanning.py (the scanning-MLP CNNs against the MLP scanned window by window),
test_cnn.py (the figure's layers, then three SGD steps of the CNN against torch). Without
--handin the scores are also written to results/mytorch/hw2_autograder.json
(runs/quick/mytorch/ with --quick: the same tests).
A class's scores go to scores_hw2.csv and scores_hw2.json in --out (default: the
current folder), named after the homework so that grading HW1 and HW2 there keeps both.
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

from autograder import cli
from autograder import grading
from autograder.hw2_autograder import test_cnn, test_conv, test_scanning

PART = "HW2P1"
SCORES = "scores_hw2"  # a class's score files: scores_hw2.csv, scores_hw2.json
# what the course's runner imports of the hand-in (through its test files) before any test
IMPORTS = ("mytorch.tensor", "mytorch.nn.functional", "mytorch.nn.sequential",
           "mytorch.nn.conv", "mytorch.nn.linear", "mytorch.nn.activations", "mytorch.nn.loss",
           "mytorch.optim.sgd", "hw2.mlp_scan", "hw2.hw2")


def Test(*arguments):
    return grading.Test(*arguments, imports=IMPORTS)


TESTS = [
    Test("Conv1D Forward", 20, PART, "test_conv.py", test_conv.conv1d_forward, "conv_stacks"),
    Test("Conv1D Backward", 30, PART, "test_conv.py", test_conv.conv1d_backward,
         "conv_stacks"),
    Test("Flatten", 10, PART, "test_conv.py", test_conv.flatten, "flatten"),
    Test("SimpleScanningMLP", 10, PART, "test_scanning.py", test_scanning.simple_scanning_mlp,
         "scanning", test_scanning.scan_reference),
    Test("DistributedScanningMLP", 10, PART, "test_scanning.py",
         test_scanning.distributed_scanning_mlp, "scanning", test_scanning.scan_reference),
    Test("CNN", 15, PART, "test_cnn.py", test_cnn.cnn, "cnn"),
]


def build_parser():
    return cli.build_parser(__doc__, TESTS, SCORES)


if __name__ == "__main__":
    cli.run(__doc__, TESTS, PART, "hw2_autograder.json", needed=("mytorch", "hw2"),
            scores=SCORES)
