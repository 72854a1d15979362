"""Graders for MyTorch: hw1_autograder (the library) and hw2_autograder (its CNN
homework), with torch as the oracle.

What the two runners share lives here: running all-or-nothing tests, the
course-style points table and the command line (`grading_main`).
"""
import argparse
import time

import numpy as np

import utils


def grade(tests):
    """Run every (name, points, test) of `tests`; return [{"name", "points", "score", "error"}] in order."""
    rows = []
    for name, points, test in tests:
        try:
            passed, error = bool(test()), None
        except Exception as err:  # whatever goes wrong, the test scores 0
            passed, error = False, f"{type(err).__name__}: {err}".splitlines()[0]
        rows.append({"name": name, "points": points, "score": points if passed else 0, "error": error})
    return rows


def points_table(rows):
    """The course runner's table: one line per test with its score out of its points."""
    width = max(len(row["name"]) for row in rows)
    lines = [f"{'Test':<{width}}  Score", "-" * (width + 9)]
    lines += [f"{row['name']:<{width}}  {row['score']:>2}/{row['points']}" for row in rows]
    return "\n".join(lines)


def grading_main(doc, tests, filename):
    """A runner's command line: grade `tests`, print a line per test, the points
    table and `Total score: N/M`, write the scores as JSON to results/mytorch/FILENAME
    (runs/quick/mytorch/ with --quick, which runs the same tests: they take
    seconds). Returns the exit status: 0 only at full marks."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    utils.add_common_args(parser, "mytorch")  # --seed, --device and --data-dir are accepted and unused
    args = parser.parse_args()
    np.seterr(all="ignore")  # a broken operation should fail its test, not print warnings
    start = time.perf_counter()
    rows = grade(tests)
    for index, row in enumerate(rows, 1):
        detail = f": {row['error']}" if row["error"] else ""
        print(f"Test {index:>2}/{len(rows)} [{'PASS' if row['score'] else 'FAIL'}] {row['name']}{detail}")
    score, total = sum(row["score"] for row in rows), sum(row["points"] for row in rows)
    print()
    print(points_table(rows))
    print(f"\nTotal score: {score}/{total}")
    utils.save_json({"score": score, "total": total, "tests": rows, "seconds": round(time.perf_counter() - start, 2)},
                    utils.output_dir(args) / filename)
    return 0 if score == total else 1
