"""Collect the IMDb runs into summary.json, a comparison figure and REPORT.md's table.

    python imdb/report.py                # reads and writes results/imdb/
    python imdb/report.py --quick        # the same for runs/quick/imdb/

Reads the JSON files imdb/classify.py wrote: <model>_val_seed0.json (the chosen
settings on the validation split), <model>_final_seed<S>.json (the test runs),
and tagged validation runs <model>_val_seed0_<tag>.json (tuning and the cost of
truncating reviews).
"""
import argparse
import statistics
from pathlib import Path

import matplotlib.pyplot as plt

import utils
from imdb.models import MODELS


def read_runs(folder):
    return [utils.load_json(path) | {"file": path.stem} for path in sorted(Path(folder).glob("*_seed*.json"))]


def mean_of(values):
    """Mean of the values that exist (older runs have no CPU time), else None."""
    values = [v for v in values if v is not None]
    return statistics.mean(values) if values else None


def summarize(folder):
    """{model: {val_acc, test_acc: [per seed], test_acc_mean, settings, seconds, ...}} plus tuning runs."""
    runs = read_runs(folder)
    summary = {}
    for model in MODELS:
        mine = [r for r in runs if r["model"] == model and not r.get("tag")]
        val = [r for r in mine if r["split"] == "val" and r["seed"] == 0]
        finals = sorted((r for r in mine if r["split"] == "final"), key=lambda r: r["seed"])
        if not val and not finals:
            continue
        chosen = (val or finals)[0]
        summary[model] = {
            "val_acc": val[0]["val_acc"] if val else None,
            "val_acc_by_epoch": [h["val_acc"] for h in val[0]["history"]] if val else [],
            "test_acc": [r["test_acc"] for r in finals],
            "test_acc_mean": statistics.mean(r["test_acc"] for r in finals) if finals else None,
            "seeds": [r["seed"] for r in finals],
            "settings": chosen["settings"],
            "padding_fraction": chosen["padding_fraction"],
            "random_padding_fraction": mean_of(r.get("random_padding_fraction") for r in val + finals),
            "seconds": statistics.mean(r["seconds"] for r in finals) if finals else None,
            "cpu_seconds": mean_of(r.get("cpu_seconds") for r in finals),
            "val_seconds": val[0]["seconds"] if val else None,
        }
    tagged = [r for r in runs if r["split"] == "val" and r.get("tag")]
    summary["tuning"] = [{"run": r["file"], "model": r["model"], "settings": r["settings"],
                          "val_acc": r["val_acc"], "val_acc_by_epoch": [h["val_acc"] for h in r["history"]],
                          "seconds": r["seconds"]} for r in tagged]
    return summary


def plot_accuracies(summary, path):
    """Bars of validation and mean test accuracy per model, single test seeds as dots."""
    models = [m for m in MODELS if m in summary]
    fig, ax = plt.subplots(figsize=(7, 4))
    positions = range(len(models))
    val = [summary[m]["val_acc"] or 0 for m in models]
    test = [summary[m]["test_acc_mean"] or 0 for m in models]
    ax.bar([p - 0.2 for p in positions], val, width=0.4, label="validation (20k train, seed 0)")
    ax.bar([p + 0.2 for p in positions], test, width=0.4, label="test (25k train, mean over seeds)")
    for m, p in zip(models, positions):
        ax.scatter([p + 0.2] * len(summary[m]["test_acc"]), summary[m]["test_acc"], color="black", s=12, zorder=3)
    ax.axhline(0.5, color="grey", linestyle="--", label="chance")
    ax.set(xticks=list(positions), xticklabels=models, ylim=(0.45, 1.0), xlabel="model", ylabel="accuracy",
           title="IMDb sentiment: accuracy per model (dots: single seeds)")
    ax.legend(loc="lower right")
    utils.save_figure(fig, path)


def describe(settings):
    parts = [f"emb {settings['emb']}", f"hidden {settings['hidden']}", f"lr {settings['lr']:g}",
             f"{settings['epochs']} epoch{'s' if settings['epochs'] != 1 else ''}"]
    parts.append(f"{settings['max_tokens']} tokens/batch" if settings.get("max_tokens")
                 else f"batch {settings['batch_size']}")
    if settings.get("max_len"):
        parts.append(f"first {settings['max_len']} tokens")
    if settings.get("voc"):
        parts.append(f"voc {settings['voc']}")
    if settings.get("clip"):
        parts.append(f"clip {settings['clip']:g}")
    if settings.get("cosine"):
        parts.append("cosine decay of lr to 0")
    if settings.get("dropout"):
        parts.append(f"dropout {settings['dropout']:g}")
    if settings.get("lin2"):
        parts.append("lin2")
    if settings.get("bidirectional"):
        parts.append("bidirectional")
    return ", ".join(parts)


def fmt(value, spec=".3f"):
    return "–" if value is None else format(value, spec)


def report_table(results_root):
    """REPORT.md's imdb block, from results/imdb/summary.json."""
    summary = utils.load_json(Path(results_root) / "imdb" / "summary.json")
    lines = ["| model | validation acc. (per epoch) | test acc. per seed | test mean | settings "
             "| padding (random batches) | minutes, validation run (wall) | minutes per test run, wall (CPU) |",
             "|---|---|---|---:|---|---:|---:|---:|"]
    for model in MODELS:
        if model not in summary:
            continue
        row = summary[model]
        per_epoch = ", ".join(fmt(a) for a in row["val_acc_by_epoch"])
        tests = ", ".join(fmt(a) for a in row["test_acc"]) or "–"
        minutes = "–" if row["seconds"] is None else f"{row['seconds'] / 60:.1f}"
        padding = f"{row['padding_fraction']:.1%}"
        if row.get("random_padding_fraction") is not None:
            padding += f" ({row['random_padding_fraction']:.0%})"
        val_minutes = None if row["val_seconds"] is None else row["val_seconds"] / 60
        if row.get("cpu_seconds") is not None:
            minutes += f" ({row['cpu_seconds'] / 60:.1f})"
        lines.append(f"| {model} | {per_epoch} | {tests} | {fmt(row['test_acc_mean'])} | "
                     f"{describe(row['settings'])} | {padding} | {fmt(val_minutes, '.1f')} | {minutes} |")
    if summary.get("tuning"):
        lines += ["", "Other validation runs (tuning, and the cost of truncating reviews):", "",
                  "| run | settings | validation acc. (per epoch) | minutes |", "|---|---|---|---:|"]
        for run in summary["tuning"]:
            per_epoch = ", ".join(fmt(a) for a in run["val_acc_by_epoch"])
            lines.append(f"| {run['run']} | {describe(run['settings'])} | {per_epoch} | {run['seconds'] / 60:.1f} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    utils.add_common_args(parser, "imdb")
    args = parser.parse_args()
    out = utils.output_dir(args)
    summary = summarize(out)
    if not any(m in summary for m in MODELS):
        raise utils.UserError(f"no imdb/classify.py results in {out}; run the models first")
    utils.save_json(summary, out / "summary.json")
    plot_accuracies(summary, out / "accuracy.png")
    print(report_table(out.parent) if out.name == "imdb" else f"wrote {out / 'summary.json'}")


if __name__ == "__main__":
    utils.run_main(main)
