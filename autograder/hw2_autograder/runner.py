"""Grade the HW2P1 code like the course's runner: six all-or-nothing tests with its names
and points (95), a points table, then `Total score: N/95`; exit status 0 only at full marks.

    python autograder/hw2_autograder/runner.py                       this repository
    python autograder/hw2_autograder/runner.py --handin handin.tar   a hand-in
    python autograder/hw2_autograder/runner.py --handin submissions/ a class
    python autograder/hw2_autograder/runner.py --test "Conv1D Backward"

Each test runs in a child process of its own against the hand-in's mytorch/ and hw2/:
test_conv.py (Conv1d forward and backward, Flatten, against torch float64),
test_scanning.py (the scanning-MLP CNNs against literal MLP scans stored in ref_result/),
test_cnn.py (the figure's layers, then three SGD steps of the CNN against torch). Without
--handin the scores are also written to results/mytorch/hw2_autograder.json
(runs/quick/mytorch/ with --quick: the same tests).
"""
from autograder import cli

PACKAGE = "autograder.hw2_autograder"
TESTS = [(name, points, f"{PACKAGE}.{target}", "HW2P1") for name, points, target in [
    ("Conv1D Forward", 20, "test_conv:test_conv1d_forward"),
    ("Conv1D Backward", 30, "test_conv:test_conv1d_backward"),
    ("Flatten", 10, "test_conv:test_flatten"),
    ("SimpleScanningMLP", 10, "test_scanning:test_simple_scanning_mlp"),
    ("DistributedScanningMLP", 10, "test_scanning:test_distributed_scanning_mlp"),
    ("CNN", 15, "test_cnn:test_cnn"),
]]


def build_parser():
    return cli.build_parser(__doc__, TESTS)


if __name__ == "__main__":
    cli.run(__doc__, TESTS, "HW2P1", "hw2_autograder.json", needed=("mytorch", "hw2"))
