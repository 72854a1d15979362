"""REPORT.md's hw2 block: the HW2P1 autograder's score, one row per test with what it
checks, from results/mytorch/hw2_autograder.json (written by
autograder/hw2_autograder/runner.py when it grades this repository)."""
from pathlib import Path

import utils
from autograder.report import group_rows

# (row label, the course's test names in the row, what they check)
HW2_TESTS = (
    ("Conv1D Forward", ("Conv1D Forward",),
     "stacks of 1–3 layers, width 60–79, kernel 3–6, stride 3–4, random biases: outputs"),
    ("Conv1D Backward", ("Conv1D Backward",),
     "the same stacks: input, weight and bias gradients"),
    ("Flatten", ("Flatten",), "(B, C, W) to (B, C·W) in C order, and its gradient"),
    ("SimpleScanningMLP", ("SimpleScanningMLP",),
     "leaf parameters of the conv shapes; output equals the MLP scanned window by window"),
    ("DistributedScanningMLP", ("DistributedScanningMLP",),
     "the same for the shared-parameter MLP"),
    ("CNN", ("CNN",),
     "the figure's 8 layers, then 3 SGD steps: logits, loss, every gradient and "
     "parameter (`get_final_conv_output_size` gives 13: a warning)"),
)


def report_table(results_dir):
    """The markdown table; `results_dir` is the results/ folder."""
    grades = utils.load_json(Path(results_dir) / "mytorch" / "hw2_autograder.json")
    return "\n".join(["| test | checks (against torch float64) | score |", "|---|---|---:|",
                      *group_rows(grades["tests"], HW2_TESTS),
                      f"| **total** | | **{grades['score']}/{grades['total']}** |"])
