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


def span(values):
    """'median (min-max)' of a list of numbers; '-' when it is empty."""
    if not values:
        return "-"
    return f"{np.median(values):g} ({min(values)}-{max(values)})"


def recipe(settings, shared):
    """The optimisation settings of a driver_parity.py run that are not in `shared`."""
    text = f"lr {settings['lr']:g}"
    if (settings["batch_size"], settings["epochs"]) != shared:
        text += f", batch {settings['batch_size']}, {settings['epochs']} epochs"
    if settings["restarts"]:
        text += f", up to {settings['restarts']} restarts"
    return text


def sweep_rows(result, shared, label=str):
    """One row per hidden size of a driver_parity.py run over seeds."""
    groups = {}
    for record in result["runs"]:
        groups.setdefault(record["hidden_dim"], []).append(record)
    rows = []
    for size, group in groups.items():
        accs = [r["acc_by_length"][-1] for r in group]
        fitted = [r["epochs_to_fit"] for r in group if r["epochs_to_fit"] is not None]
        rows.append(
            f"| {label(size)} | {recipe(result['settings'], shared)} "
            f"| {sum(r['fit'] for r in group)}/{len(group)} | {span(fitted)} "
            f"| {format_accuracy(np.mean(accs))} ({format_accuracy(min(accs))}-"
            f"{format_accuracy(max(accs))}) "
            f"| {sum(r['shortest_failing_length_nonempty'] is None for r in group)}/{len(group)} "
            f"| {sum(r['acc_by_length'][0] == 1.0 for r in group)}/{len(group)} |")
    return rows


def q7_table(sweep, hidden1):
    """Hidden size against fitting and generalisation, one row per size and settings."""
    results = [result for result in (sweep, hidden1) if result]
    settings = [result["settings"] for result in results]
    shared = (settings[0]["batch_size"], settings[0]["epochs"])
    top = settings[0]["eval_max_length"]
    lines = ["| hidden size | settings | seeds fit | epochs to fit, median (range) "
             f"| length-{top} accuracy, mean (range) | perfect on 1..{top} | empty string right |",
             "|---|---|---:|---:|---:|---:|---:|"]
    if sweep:
        lines += sweep_rows(sweep, shared)
    if hidden1:
        lines += sweep_rows(hidden1, shared, lambda size: f"{size} (recipe)")
    first, count = settings[0]["seed"], settings[0]["seeds"]
    note = f"Adam, batch {shared[0]}, {shared[1]} epochs, seeds {first}-{first + count - 1}"
    restarting = [s for s in settings if s["restarts"]]
    if restarting:
        note += (f"; a restart starts afresh after {restarting[0]['give_up_after']} unfit "
                 "epochs (epochs to fit count every attempt)")
    return lines + ["", f"Q7: {note}."]


def wrong_by_length(single):
    """Q6: strings classified wrong at each length, the perfect lengths in one column."""
    record = single["runs"][0]
    accs = record["acc_by_length"]
    first = next((n for n, acc in enumerate(accs) if acc < 1.0), len(accs))
    heads, cells = [], []
    if first:
        heads.append("0" if first == 1 else f"0-{first - 1}")
        cells.append("0")
    for n in range(first, len(accs)):
        heads.append(str(n))
        cells.append(f"{round((1 - accs[n]) * 2 ** n):,}/{2 ** n:,}")
    return ["| strings wrong, by length | " + " | ".join(heads) + " |",
            "|---|" + "---:|" * len(heads),
            f"| LSTM-{record['hidden_dim']} | " + " | ".join(cells) + " |",
            "", f"Q6: seed {record['seed']}, trained on lengths 1..{single['max_train_length']}."]


def report_table(results_root):
    """The Q7 table, then Q6's errors by length and Q4's margin."""
    folder = Path(results_root) / "parity"
    univariate, single = load(folder, "univariate.json"), load(folder, "lstm64.json")
    sweep, hidden1 = load(folder, "sweep.json"), load(folder, "hidden1.json")
    if not any((univariate, single, sweep, hidden1)):
        return "_No results yet: run `python run_all.py --only parity`._"
    lines = []
    if sweep or hidden1:
        lines += q7_table(sweep, hidden1) + [""]
    if single:
        lines += wrong_by_length(single) + [""]
    if univariate and univariate["passed"]:
        lines += ["Q4: the hand-set LSTM gets every string right, margin min |h - 0.5| = "
                  f"{univariate['margin']:.4f}."]
    return "\n".join(lines).strip()
