"""Grade the hw2 MyTorch code like the course's runner: one all-or-nothing test
per line, a points table, then `Total score: N/95`; exit status 0 only at full marks.

    python autograder/hw2_autograder/runner.py

Tests: test_conv.py (Conv1d forward and backward, Flatten, against torch
float64), test_scanning.py (the scanning-MLP CNNs against literal MLP scans
stored in ref_result/), test_cnn.py (five SGD steps of the CNN against torch).
The scores are also written to results/mytorch/hw2_autograder.json
(runs/quick/mytorch/ with --quick, which runs the same tests: they take seconds).
"""
import utils
from autograder import grading_main
from autograder.hw2_autograder import test_cnn, test_conv, test_scanning

TESTS = [  # (name, points, test), the course's points
    ("Conv1D Forward", 20, test_conv.test_conv1d_forward),
    ("Conv1D Backward", 30, test_conv.test_conv1d_backward),
    ("Flatten", 10, test_conv.test_flatten),
    ("SimpleScanningMLP", 10, test_scanning.test_simple_scanning_mlp),
    ("DistributedScanningMLP", 10, test_scanning.test_distributed_scanning_mlp),
    ("CNN", 15, test_cnn.test_cnn),
]


def main():
    return grading_main(__doc__, TESTS, "hw2_autograder.json")


if __name__ == "__main__":
    utils.run_main(main)
