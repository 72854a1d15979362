"""REPORT.md's parity block and the long-string figure, from the JSON that
univariate_tester.py (Q4) and driver_parity.py (Q5-Q7: lstm64.json, sweep.json,
hidden1.json, lstm64_decay.json) write.

    python parity/report.py    # after driver_parity.py's runs: long_strings.png
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import argparse
import math
import sys
from pathlib import Path

import numpy as np

import plots
import store

BAR = 0.999  # accuracy asked of every length of the long strings
LONG_RUNS = {"lstm64": "skeleton settings", "lstm64_decay": "weight decay 1e-4",
             "hidden1": "lr 0.03, restarts"}  # the configs scored on long strings


def load(folder, name):
    """The JSON `name` in `folder`, or None when it is missing or damaged (with a warning)."""
    path = Path(folder) / name
    if not path.exists():
        return None
    try:
        return store.load_json(path)
    except (OSError, ValueError) as err:
        print(f"warning: skipping {path} ({err})", file=sys.stderr)
        return None


def format_accuracy(acc):
    """'1' only when every string is right; otherwise rounded down, so 0.99999 reads 0.9999."""
    return "1" if acc == 1.0 else f"{math.floor(acc * 1e4 + 1e-9) / 1e4:.4f}"


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
            f"| {sum(r['shortest_failing_length_nonempty'] is None for r in group)}/{len(group)} |")
    return rows


def q7_table(sweep, hidden1):
    """Hidden size against fitting and generalisation, one row per size and settings."""
    results = [result for result in (sweep, hidden1) if result]
    settings = [result["settings"] for result in results]
    shared = (settings[0]["batch_size"], settings[0]["epochs"])
    top = settings[0]["eval_max_length"]
    lines = ["| hidden size | settings | seeds fit | epochs to fit, median (range) "
             f"| length-{top} accuracy, mean (range) | perfect on 1..{top} |",
             "|---|---|---:|---:|---:|---:|"]
    if sweep:
        lines += sweep_rows(sweep, shared)
    if hidden1:
        lines += sweep_rows(hidden1, shared, lambda size: f"{size} (`hidden1`)")
    first, count = settings[0]["seed"], settings[0]["seeds"]
    note = f"Adam, batch {shared[0]}, {shared[1]} epochs, seeds {first}-{first + count - 1}"
    restarting = [s for s in settings if s["restarts"]]
    if restarting:
        note += (f"; restart after {restarting[0]['give_up_after']} unfit epochs (epochs to "
                 "fit count every attempt)")
    return lines + ["", f"Q7: {note}; accuracies are rounded down, so only 100% reads 1."]


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


def shortest_below(acc, lengths, bar=BAR):
    """The shortest length whose accuracy is below `bar`, or None."""
    return next((n for n, a in zip(lengths, acc) if a < bar), None)


def long_label(name, record):
    return f"LSTM-{record['hidden_dim']}, {LONG_RUNS.get(name, name)}"


def long_row(name, result, cut):
    """A run's row of the long-string table: its worst seed's lowest accuracies, its
    seeds at >= BAR on every length up to `cut` and up to the longest, and the
    shortest length any seed gets below BAR."""
    records = [r for r in result["runs"] if r.get("long")]
    lengths = records[0]["long"]["lengths"]

    def lowest(key, upto):
        return format_accuracy(min(a for r in records
                                   for n, a in zip(lengths, r["long"][key]) if n <= upto))
    below = [shortest_below(r["long"]["test_acc"], lengths) or math.inf for r in records]
    seeds = sorted(r["seed"] for r in records)
    seed_text = str(seeds[0]) if len(seeds) == 1 else f"{seeds[0]}-{seeds[-1]}"
    return (f"| {long_label(name, records[0])} (`{name}`) | {seed_text} "
            f"| {lowest('validation_acc', lengths[-1])} | {lowest('test_acc', cut)} "
            f"| {lowest('test_acc', lengths[-1])} "
            f"| {sum(n > cut for n in below)}/{len(below)}, "
            f"{sum(n == math.inf for n in below)}/{len(below)} "
            f"| {min(below) if min(below) < math.inf else 'none'} |")


def long_table(results):
    """Q6 beyond length 20: one row per run that scored long random strings."""
    if not results:
        return []
    long = next(r["long"] for r in next(iter(results.values()))["runs"] if r.get("long"))
    top = long["lengths"][-1]
    cut = min(256, top)
    return [f"| model (config) | seeds | lowest accuracy, validation 1..{top} "
            f"| test 1..{cut} | test 1..{top} | seeds >= {BAR} at 1..{cut}, 1..{top} "
            f"| first length < {BAR} |", "|---|---|---:|---:|---:|---:|---:|",
            *(long_row(name, result, cut) for name, result in results.items()), "",
            f"Q6: {long['validation_strings']:,} validation and {long['test_strings']:,} "
            f"test strings of {top:,} random bits, scored after every prefix."]


def plot_long_strings(results, path):
    """Test accuracy against length (log axis) for every seed of the runs with long
    strings, on the top 3% of the scale, where the runs part; chance (0.5) is far
    below, so the title states it instead of a line."""
    fig, ax = plots.subplots(figsize=(8, 5))
    strings = next(r["long"] for r in next(iter(results.values()))["runs"]
                   if r.get("long"))["test_strings"]
    # (colour, width, style, layer) per config: the thick line lowest, thinner ones on
    # top, so that lines lying on each other all show
    looks = dict(zip(LONG_RUNS, (("tab:red", 1.5, "-", 4), ("tab:blue", 5, "-", 2),
                                 ("tab:green", 2, "--", 3))))
    for name, result in results.items():
        colour, width, style, layer = looks.get(name, ("tab:gray", 1, "-", 2))
        for k, record in enumerate(r for r in result["runs"] if r.get("long")):
            ax.plot(record["long"]["lengths"], record["long"]["test_acc"], color=colour,
                    linewidth=width, linestyle=style, alpha=0.8, zorder=layer,
                    label=f"{long_label(name, record)} ({name})" if k == 0 else None)
    ax.axhline(BAR, color="tab:orange", linestyle="--", linewidth=1, label=f"accuracy {BAR}")
    ax.axvline(5, color="gray", linestyle=":", label="longest training length (5)")
    ax.set(xscale="log", xlabel="string length (log scale)", ylim=(0.97, 1.002),
           ylabel=f"test accuracy ({strings:,} random strings)",
           title="accuracy after every prefix, one line per seed\n"
                 "(chance, 0.5, lies far below this axis)")
    ax.legend(loc="lower left", fontsize=9)
    plots.save_figure(fig, path)


def long_results(folder):
    """{config: result} of the runs that scored long random strings."""
    results = {name: load(folder, f"{name}.json") for name in LONG_RUNS}
    return {name: result for name, result in results.items()
            if result and any(r.get("long") for r in result["runs"])}


def report_table(results_root):
    """The block of results/parity/ (see parity_block)."""
    return parity_block(Path(results_root) / "parity")


def parity_block(folder):
    """The Q7 table, then Q6's errors by length and on long strings, and Q4's checks."""
    univariate, single = load(folder, "univariate.json"), load(folder, "lstm64.json")
    sweep, hidden1 = load(folder, "sweep.json"), load(folder, "hidden1.json")
    if not any((univariate, single, sweep, hidden1)):
        return "_No results yet: run `python run_all.py --only parity`._"
    lines = []
    if sweep or hidden1:
        lines += q7_table(sweep, hidden1) + [""]
    if single:
        lines += wrong_by_length(single) + [""]
    long = long_table(long_results(folder))
    if long:
        lines += long + [""]
    if univariate and univariate["passed"]:
        line = f"Q4: every string of length 0..{univariate['max_length']} right"
        if univariate.get("random_length"):
            line += (f"; {univariate['random_samples']:,} random strings of length "
                     f"{univariate['random_length']:,}, every prefix (float64)")
        lines += [line + f"; margin min |h - 0.5| = {univariate['margin']:.4f}."]
    return "\n".join(lines).strip()


def build_parser():
    parser = argparse.ArgumentParser(allow_abbrev=False, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    utils.add_common_args(parser, "parity")
    return parser


def main(argv=None):
    args = utils.parse_args(build_parser(), argv)
    out = utils.output_dir(args)
    if not any((out / f"{name}.json").exists() for name in ("univariate", *LONG_RUNS, "sweep")):
        raise utils.UserError(f"no parity runs in {out}; make one with: "
                              f"python driver_parity.py{utils.place_flags(args)}")
    results = long_results(out)
    if results:
        plot_long_strings(results, out / "long_strings.png")
    print(parity_block(out))
    return 0


if __name__ == "__main__":
    utils.run_main(main)
