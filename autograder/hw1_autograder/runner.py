"""Grade MyTorch like the course's hw1 runner: one all-or-nothing test per line,
a points table, then `Total score: N/M`; exit status 0 only at full marks.

    python autograder/hw1_autograder/runner.py

The tests live in autograder/hw1_autograder/checks.py; each compares MyTorch
with torch (float64) as the oracle. The scores are also written as JSON
(results/mytorch/hw1_summary.json; runs/quick/mytorch/ with --quick, which runs
the same tests: they take seconds).
"""
import utils
from autograder import grading_main
from autograder.hw1_autograder.checks import TESTS


def report_table(results_root):
    """REPORT.md's mytorch block: the autograder score and the benchmark rows, from
    results/mytorch/hw1_summary.json and results/benchmarks/mytorch_mlp.json."""
    summary = utils.load_json(results_root / "mytorch" / "hw1_summary.json")
    lines = ["| measure | MyTorch | torch float64 | ratio | target |", "|---|---:|---:|---:|---|",
             f"| hw1 autograder ({len(summary['tests'])} tests, {summary['seconds']:.1f} s) "
             f"| {summary['score']}/{summary['total']} | | | full marks |"]
    for row in utils.load_json(results_root / "benchmarks" / "mytorch_mlp.json")["rows"]:
        lines.append(f"| {row['name']} | {row['ours_s'] * 1000:.2f} ms | {row['reference_s'] * 1000:.2f} ms "
                     f"| {row['ratio']:.2f} | {row['target']} |")
    return "\n".join(lines)


def main():
    return grading_main(__doc__, TESTS, "hw1_summary.json")


if __name__ == "__main__":
    utils.run_main(main)
