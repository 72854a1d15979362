"""REPORT.md's hw2 block: the HW2P1 autograder's score, one row per test with what it
checks, from results/mytorch/hw2_autograder.json (written by
autograder/hw2_autograder/runner.py when it grades this repository)."""
from pathlib import Path

import store

# The course's test name: what it checks.
HW2_CHECKS = {
    "Conv1D Forward":
        "stacks of 1–3 layers, width 60–79, kernel 3–6, stride 3–4, random biases: outputs",
    "Conv1D Backward": "the same stacks: input, weight and bias gradients",
    "Flatten": "(B, C, W) to (B, C·W) in C order, and its gradient",
    "SimpleScanningMLP":
        "leaf parameters of the conv shapes; output equals the MLP scanned window by window",
    "DistributedScanningMLP": "the same for the shared-parameter MLP",
    "CNN": "the figure's 8 layers, then 3 SGD steps: logits, loss, every gradient and "
           "parameter (`get_final_conv_output_size` gives 13: a warning)",
}


def test_rows(tests):
    """`| test | checks | score/points |` rows in the table's order; a test it does not
    name gets a row of its own, so a new test is never left out."""
    def row(test, cell):
        return f"| {test['name']} |{cell}| {test['score']}/{test['points']} |"
    return ([row(test, f" {checks} ") for name, checks in HW2_CHECKS.items()
             for test in tests if test["name"] == name]
            + [row(test, " ") for test in tests if test["name"] not in HW2_CHECKS])


def report_table(results_dir):
    """The markdown table; `results_dir` is the results/ folder."""
    grades = store.load_json(Path(results_dir) / "mytorch" / "hw2_autograder.json")
    return "\n".join(["| test | checks (against torch float64) | score |", "|---|---|---:|",
                      *test_rows(grades["tests"]),
                      f"| **total** | | **{grades['score']}/{grades['total']}** |"])
