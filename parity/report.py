"""REPORT.md's parity block, from the JSON that univariate_tester.py (Q4) and
driver_parity.py (Q5-Q7: lstm64.json, sweep.json, hidden1.json) write."""
import math
import sys
from pathlib import Path

import numpy as np

import utils


def load(folder, name):
    """The JSON `name` in `folder`, or None when it is missing or damaged (with a warning)."""
    path = Path(folder) / name
    if not path.exists():
        return None
    try:
        return utils.load_json(path)
    except (OSError, ValueError) as err:
        print(f"warning: skipping {path} ({err})", file=sys.stderr)
        return None


def format_accuracy(acc):
    """'1' only when every string is right; otherwise rounded down, so 0.99999 reads 0.9999."""
    return "1" if acc == 1.0 else f"{math.floor(acc * 1e4) / 1e4:.4f}"


def lengths(values):
    return ", ".join("none" if n is None else str(n) for n in values)


def recipe(settings):
    """The optimisation settings of a driver_parity.py run, in words."""
    text = (f"lr {settings['lr']}, batch {settings['batch_size']}, "
            f"{settings['epochs']} epochs")
    if settings["restarts"]:
        text += f", up to {settings['restarts']} restarts"
    if settings["give_up_after"]:
        text += f" (after {settings['give_up_after']} epochs unfit)"
    return text


def sweep_rows(result, label=str):
    """One row per hidden size of a driver_parity.py run over seeds."""
    groups = {}
    for record in result["runs"]:
        groups.setdefault(record["hidden_dim"], []).append(record)
    rows = []
    for size, group in groups.items():
        accs = [r["acc_by_length"][-1] for r in group]
        epochs = ", ".join("-" if r["epochs_to_fit"] is None else str(r["epochs_to_fit"])
                           for r in group)
        rows.append(
            f"| {label(size)} | {recipe(result['settings'])} "
            f"| {sum(r['fit'] for r in group)}/{len(group)} | {epochs} "
            f"| {format_accuracy(np.mean(accs))} ({format_accuracy(min(accs))}-"
            f"{format_accuracy(max(accs))}) "
            f"| {lengths(r['shortest_failing_length'] for r in group)} "
            f"| {sum(r['acc_by_length'][0] == 1.0 for r in group)}/{len(group)} "
            f"| {lengths(r['shortest_failing_length_nonempty'] for r in group)} |")
    return rows


def report_table(results_root):
    """Q4's margin, Q6's accuracy by length and the Q7 table."""
    folder = Path(results_root) / "parity"
    univariate, single = load(folder, "univariate.json"), load(folder, "lstm64.json")
    sweep, hidden1 = load(folder, "sweep.json"), load(folder, "hidden1.json")
    if not any((univariate, single, sweep, hidden1)):
        return "_No results yet: run `python run_all.py --only parity`._"
    lines = []
    if univariate and univariate["passed"]:
        lines += [f"Hand-set univariate LSTM: every string correct, margin min |h - 0.5| = "
                  f"{univariate['margin']:.4f}.", ""]
    if single:
        record = single["runs"][0]
        accs = record["acc_by_length"]
        lines += ["| model | " + " | ".join(str(n) for n in range(len(accs))) + " |",
                  "|---|" + "---|" * len(accs),
                  f"| LSTM-{record['hidden_dim']} | "
                  + " | ".join(format_accuracy(acc) for acc in accs) + " |",
                  "", f"Accuracy by string length (every string of each length; trained on "
                      f"lengths 1..{single['max_train_length']}; below 1, rounded down to 4 "
                      "decimals).", ""]
    if sweep or hidden1:
        lines += ["| hidden size | recipe | seeds fit | epochs to fit (per seed) | accuracy at "
                  "length 20 (mean, min-max) | first length below 100% (per seed) | empty "
                  "string right | first length >= 1 below 100% (per seed) |",
                  "|---|---|---|---|---|---|---|---|"]
        if sweep:
            lines += sweep_rows(sweep)
        if hidden1:
            lines += sweep_rows(hidden1, lambda size: f"{size} (recipe)")
        lines += ["", "Q7: every run trained on lengths 1..5 and scored on every string of "
                      "length 0..20. '-': never reached 100% training accuracy; 'none': every "
                      "length up to 20 perfect."]
    return "\n".join(lines)
