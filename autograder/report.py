"""REPORT.md's mytorch block: the hw1 autograder's score, one row per group of tests with
what they check, from results/mytorch/hw1_summary.json (written by
autograder/hw1_autograder/runner.py when it grades this repository). Every test is
compared with torch float64."""
from pathlib import Path

import store

# (row label, the course's test names in the row, what they check)
HW1_GROUPS = (
    ("Add, Sub, Mul, Div", ("Add", "Sub", "Mul", "Div"),
     "`forward`, `backward` called directly, then the operator; both input gradients"),
    ("Autograd", ("Autograd",),
     "4 small graphs (reuse, constants as Tensors, a no-grad branch, `reshape`, `T()`): "
     "every `.grad`, None where torch has None"),
    ("(Big) Linear (ReLU) Forward, Backward",
     ("Linear Forward", "Linear Backward", "Linear ReLU Forward", "Linear ReLU Backward",
      "Big Linear ReLU Forward", "Big Linear ReLU Backward"),
     "1- and 4-layer MLPs: output, input and parameter gradients"),
    ("SGD Step, Momentum Step",
     ("Linear ReLU SGD Step", "Big Linear ReLU SGD Step", "Linear Momentum Step"),
     "3–4 steps: gradients and updated parameters after each"),
    ("Linear XELoss Forward, Backward", ("Linear XELoss Forward", "Linear XELoss Backward"),
     "cross-entropy; one step (inputs ×100,000: the handout's LogSumExp, a warning)"),
    ("Big ... XELoss (Momentum) Train/Eval",
     ("Big Linear ReLU XELoss Train/Eval", "Big Linear ReLU XELoss Momentum Train/Eval"),
     "4–5 steps on cross-entropy, then output and loss in eval mode"),
    ("bonus: Adam", ("Linear Adam", "Big Linear ReLU XELoss Adam"), "4–5 Adam steps"),
    ("bonus: Dropout (with Adam)", ("Linear ReLU Dropout", "Linear ReLU Dropout Backward",
                                    "Big Linear BN ReLU Dropout XELoss Adam"),
     "each unit 0 or ×1/(1-p), share dropped within 0.01 of p, new mask per call, "
     "identity in eval"),
    ("bonus: BatchNorm",
     ("Linear BatchNorm ReLU Forward (Train)", "Linear BatchNorm ReLU Backward (Train)",
      "Linear BatchNorm ReLU Train/Eval", "Big Linear BatchNorm ReLU Train/Eval"),
     "outputs and gradients over 3–5 batches, then eval mode (running statistics: a "
     "warning)"),
)


def group_rows(tests, groups):
    """Markdown rows `| label | checks | score/points |`, one per group; a test no group
    names gets a row of its own, so a new test is never left out of the table."""
    by_name = {test["name"]: test for test in tests}
    rows, grouped = [], set()
    for label, names, checks in groups:
        members = [by_name[name] for name in names if name in by_name]
        if members:
            grouped.update(names)
            rows.append(f"| {label} | {checks} | {sum(t['score'] for t in members)}/"
                        f"{sum(t['points'] for t in members)} |")
    rows += [f"| {test['name']} | | {test['score']}/{test['points']} |"
             for test in tests if test["name"] not in grouped]
    return rows


def section_total(tests, section):
    chosen = [test for test in tests if test["section"] == section]
    return f"{section} {sum(t['score'] for t in chosen)}/{sum(t['points'] for t in chosen)}"


def report_table(results_dir):
    """The markdown table; `results_dir` is the results/ folder."""
    summary = store.load_json(Path(results_dir) / "mytorch" / "hw1_summary.json")
    tests = summary["tests"]
    sections = " + ".join(section_total(tests, section)
                          for section in dict.fromkeys(test["section"] for test in tests))
    return "\n".join(["| tests | checks (against torch float64) | score |", "|---|---|---:|",
                      *group_rows(tests, HW1_GROUPS),
                      f"| **total** | {sections} | **{summary['score']}/{summary['total']}** |"])
