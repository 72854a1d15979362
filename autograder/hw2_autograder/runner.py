"""Grade the hw2 MyTorch code like the course's runner: one all-or-nothing test
per line, a points table, then `Total score: N/95`; exit status 0 only at full marks.

    python autograder/hw2_autograder/runner.py

Tests: test_conv.py (Conv1d forward and backward, Flatten, against torch
float64), test_scanning.py (the scanning-MLP CNNs against literal MLP scans
stored in ref_result/), test_cnn.py (five SGD steps of the CNN against torch).
The scores are also written to results/mytorch/hw2_autograder.json
(runs/quick/mytorch/ with --quick, which runs the same tests: they take seconds).
"""
import argparse
import time

import numpy as np

import utils
from autograder.hw1_autograder.runner import points_table
from autograder.hw2_autograder import test_cnn, test_conv, test_scanning

TESTS = [  # (name, points, test), the course's points
    ("Conv1D Forward", 20, test_conv.test_conv1d_forward),
    ("Conv1D Backward", 30, test_conv.test_conv1d_backward),
    ("Flatten", 10, test_conv.test_flatten),
    ("SimpleScanningMLP", 10, test_scanning.test_simple_scanning_mlp),
    ("DistributedScanningMLP", 10, test_scanning.test_distributed_scanning_mlp),
    ("CNN", 15, test_cnn.test_cnn),
]


def grade(tests=TESTS):
    """Run every test; return [{"name", "points", "score", "error"}] in order."""
    rows = []
    for name, points, test in tests:
        try:
            passed, error = bool(test()), None
        except Exception as err:  # whatever goes wrong, the test scores 0
            passed, error = False, f"{type(err).__name__}: {err}".splitlines()[0]
        rows.append({"name": name, "points": points, "score": points if passed else 0, "error": error})
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    utils.add_common_args(parser, "mytorch")  # --seed, --device and --data-dir are accepted and unused
    args = parser.parse_args()
    np.seterr(all="ignore")  # a broken operation should fail its test, not print warnings
    start = time.perf_counter()
    rows = grade()
    for index, row in enumerate(rows, 1):
        detail = f": {row['error']}" if row["error"] else ""
        print(f"Test {index}/{len(rows)} [{'PASS' if row['score'] else 'FAIL'}] {row['name']}{detail}")
    score, total = sum(row["score"] for row in rows), sum(row["points"] for row in rows)
    print()
    print(points_table(rows))
    print(f"\nTotal score: {score}/{total}")
    seconds = round(time.perf_counter() - start, 2)
    utils.save_json({"score": score, "total": total, "tests": rows, "seconds": seconds},
                    utils.output_dir(args) / "hw2_autograder.json")
    return 0 if score == total else 1


if __name__ == "__main__":
    utils.run_main(main)
