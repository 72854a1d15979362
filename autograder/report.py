"""REPORT.md's mytorch block, built from the files the full runs write: the hw1 autograder's
score (results/mytorch/hw1_summary.json, written by autograder/hw1_autograder/runner.py when
it grades this repository) and the MLP benchmark (results/benchmarks/mytorch_mlp.json)."""
from pathlib import Path

import utils


def report_table(results_dir):
    """The markdown table; `results_dir` is the results/ folder."""
    results_dir = Path(results_dir)
    summary = utils.load_json(results_dir / "mytorch" / "hw1_summary.json")
    lines = ["| measure | MyTorch | torch float64 | ratio | target |", "|---|---:|---:|---:|---|",
             f"| hw1 autograder ({len(summary['tests'])} tests, {summary['seconds']:.1f} s) "
             f"| {summary['score']}/{summary['total']} | | | full marks |"]
    for row in utils.load_json(results_dir / "benchmarks" / "mytorch_mlp.json")["rows"]:
        lines.append(f"| {row['name']} | {row['ours_s'] * 1000:.2f} ms "
                     f"| {row['reference_s'] * 1000:.2f} ms | {row['ratio']:.2f} "
                     f"| {row['target']} |")
    return "\n".join(lines)
