"""Grade MyTorch like the course's hw1 runner: one all-or-nothing test per line,
a points table, then `Total score: N/M`; exit status 0 only at full marks.

    python autograder/hw1_autograder/runner.py

The tests live in autograder/hw1_autograder/checks.py; each compares MyTorch
with torch (float64) as the oracle. The scores are also written as JSON
(results/mytorch/hw1_summary.json; runs/quick/mytorch/ with --quick, which runs
the same tests: they take seconds).
"""
import argparse
import time

import numpy as np

import utils
from autograder.hw1_autograder.checks import TESTS


def grade():
    """Run every test; return [{"name", "points", "score", "error"}] in order."""
    rows = []
    for name, points, test in TESTS:
        try:
            passed, error = bool(test()), None
        except Exception as err:  # any failure, whatever its kind, scores 0
            passed, error = False, f"{type(err).__name__}: {err}".splitlines()[0]
        rows.append({"name": name, "points": points, "score": points if passed else 0, "error": error})
    return rows


def points_table(rows):
    width = max(len(row["name"]) for row in rows)
    lines = [f"{'Test':<{width}}  Score", "-" * (width + 9)]
    lines += [f"{row['name']:<{width}}  {row['score']:>2}/{row['points']}" for row in rows]
    return "\n".join(lines)


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
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    utils.add_common_args(parser, "mytorch")  # --device and --data-dir are accepted and unused
    args = parser.parse_args()
    np.seterr(all="ignore")  # a broken operation should fail its test, not spam warnings
    start = time.perf_counter()
    rows = grade()
    for index, row in enumerate(rows, 1):
        status = "PASS" if row["score"] else "FAIL"
        detail = f": {row['error']}" if row["error"] else ""
        print(f"Test {index:>2}/{len(rows)} [{status}] {row['name']}{detail}")
    score, total = sum(r["score"] for r in rows), sum(r["points"] for r in rows)
    print()
    print(points_table(rows))
    print(f"\nTotal score: {score}/{total}")
    seconds = time.perf_counter() - start
    utils.save_json({"score": score, "total": total, "tests": rows, "seconds": round(seconds, 2)},
                    utils.output_dir(args) / "hw1_summary.json")
    return 0 if score == total else 1


if __name__ == "__main__":
    utils.run_main(main)
