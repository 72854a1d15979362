"""The hw2 block of REPORT.md, built from the files the full runs write:
results/mytorch/hw2_autograder.json (runner.py), results/mytorch/hw2_summary.json
(train_demo.py) and results/benchmarks/conv1d.json (benchmarks/conv1d.py)."""
from pathlib import Path

import utils


def report_table(results_root):
    results_root = Path(results_root)
    grades = utils.load_json(results_root / "mytorch" / "hw2_autograder.json")
    lines = ["| autograder test (`autograder/hw2_autograder/runner.py`) | score |", "|---|---:|"]
    lines += [f"| {row['name']} | {row['score']}/{row['points']} |" for row in grades["tests"]]
    lines += [f"| **Total** | **{grades['score']}/{grades['total']}** |", ""]

    demo = utils.load_json(results_root / "mytorch" / "hw2_summary.json")
    settings = demo["settings"]
    lines += [f"Training demo (`hw2/train_demo.py`): {settings['epochs']} epochs of "
              f"{settings['train_size']} examples, batch {settings['batch_size']}, SGD lr {settings['lr']} "
              f"momentum {settings['momentum']}, {demo['steps']} steps; held-out set of {settings['test_size']}.", "",
              "| framework | final training loss (last batch) | held-out accuracy | wall time (s) |",
              "|---|---:|---:|---:|"]
    for name, label in (("mytorch", "MyTorch (NumPy)"), ("torch", "torch float64")):
        lines.append(f"| {label} | {demo['final_loss'][name]:.4f} | {demo['final_test_accuracy'][name]:.3f} "
                     f"| {demo['seconds'][name]:.1f} |")
    lines += ["", f"Largest difference between the two loss curves over all steps: "
                  f"{demo['max_abs_loss_difference']:.1e}.", ""]

    bench = utils.load_json(results_root / "benchmarks" / "conv1d.json")
    lines += ["| Conv1d forward + backward, float64, 1 thread | MyTorch (ms) | torch (ms) | ratio | target met |",
              "|---|---:|---:|---:|---|"]
    for row in bench["rows"]:
        size = row["name"].split("= ")[1].split(",  ")[0].removesuffix(", float64")
        lines.append(f"| {size} | {1000 * row['ours_s']:.2f} | {1000 * row['reference_s']:.2f} "
                     f"| {row['ratio']:.2f} | {'yes' if row['met'] else 'no'} ({row['target']}) |")
    return "\n".join(lines)
