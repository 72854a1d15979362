"""REPORT.md's tables for sections 6 (IMDb classifiers) and 7 (autoregressive
LSTMs), from the runs' JSON files; as a script, the IMDb summary and figure.

    python imdb/report.py                # reads and writes results/imdb/
    python imdb/report.py --quick        # the same for runs/quick/imdb/

The IMDb tables read every finished <config>_<val|final>_seed<S>[_<tag>].json that
imdb/classify.py wrote: per Q4 model the untagged validation run of its config
(the chosen settings) and its test runs, and every validation run as a row of
the tuning table. The autoregressive tables read every <config>[_<tag>].json of
imdb/autoregressive.py, samples and verdicts included.
"""
import argparse
import statistics
from pathlib import Path

import matplotlib.pyplot as plt

import utils
from imdb.configs import AUTOREGRESSIVE
from imdb.data_rnn import entropy_per_token
from imdb.grammar_checks import low_temperature_valid
from imdb.models import MODELS


def read_runs(folder, script):
    """The finished runs of `script` in `folder`, each with its file stem as "file"."""
    runs = []
    for path in sorted(Path(folder).glob("*.json")):
        run = utils.load_json(path)
        if isinstance(run, dict) and run.get("script") == script and run.get("complete"):
            runs.append(run | {"file": path.stem})
    return runs


# --- IMDb (section 6) -------------------------------------------------------------

def summarize(folder):
    """{"models": {model: validation and test numbers of its config}, "q2": the Q2
    run, "tuning": every validation run of Q4, the chosen ones marked}."""
    runs = read_runs(folder, "imdb/classify.py")
    untagged = [r for r in runs if not r["settings"]["tag"]]
    models = {}
    for model in MODELS:  # each Q4 model's config has the model's name
        mine = [r for r in untagged if r["settings"]["config"] == model]
        val = [r for r in mine if r["split"] == "val" and r["seed"] == 0]
        finals = sorted((r for r in mine if r["split"] == "final"), key=lambda r: r["seed"])
        if not val and not finals:
            continue
        chosen = (val or finals)[0]
        models[model] = {
            "val_acc": val[0]["val_acc"] if val else None,
            "val_acc_by_epoch": [h["val_acc"] for h in val[0]["history"]] if val else [],
            "test_acc": [r["test_acc"] for r in finals],
            "test_acc_mean": statistics.mean(r["test_acc"] for r in finals) if finals else None,
            "seeds": [r["seed"] for r in finals],
            "settings": chosen["settings"],
            "padding_fraction": chosen["padding_fraction"],
            "random_padding_fraction": chosen["random_padding_fraction"],
            "seconds": statistics.mean(r["seconds"] for r in finals) if finals else None,
            "cpu_seconds": statistics.mean(r["cpu_seconds"] for r in finals) if finals else None,
            "val_seconds": val[0]["seconds"] if val else None,
            "val_cpu_seconds": val[0]["cpu_seconds"] if val else None,
        }
    q2 = next((r for r in untagged if r["settings"]["config"] == "q2" and r["split"] == "val"),
              None)
    tuning = [{"run": r["file"], "model": r["model"], "settings": r["settings"],
               "chosen": r["settings"]["config"] == r["model"] and not r["settings"]["tag"],
               "val_acc": r["val_acc"], "val_acc_by_epoch": [h["val_acc"] for h in r["history"]],
               "seconds": r["seconds"], "cpu_seconds": r["cpu_seconds"]}
              for r in runs if r["split"] == "val" and r["settings"]["config"] != "q2"]
    tuning.sort(key=lambda t: (MODELS.index(t["model"]), not t["chosen"], t["run"]))
    return {"models": models, "tuning": tuning,
            "q2": None if q2 is None else {"run": q2["file"], "settings": q2["settings"],
                                           "val_acc": q2["val_acc"], "seconds": q2["seconds"],
                                           "cpu_seconds": q2["cpu_seconds"]}}


def plot_accuracies(models, path):
    """Bars of validation and mean test accuracy per model, single test seeds as dots."""
    names = [m for m in MODELS if m in models]
    fig, ax = plt.subplots(figsize=(7, 4))
    positions = range(len(names))
    val = [models[m]["val_acc"] or 0 for m in names]
    test = [models[m]["test_acc_mean"] or 0 for m in names]
    ax.bar([p - 0.2 for p in positions], val, width=0.4, label="validation (20k train, seed 0)")
    ax.bar([p + 0.2 for p in positions], test, width=0.4,
           label="test (25k train, mean over seeds)")
    for m, p in zip(names, positions):
        ax.scatter([p + 0.2] * len(models[m]["test_acc"]), models[m]["test_acc"], color="black",
                   s=12, zorder=3)
    ax.axhline(0.5, color="grey", linestyle="--", label="chance")
    ax.set(xticks=list(positions), xticklabels=names, ylim=(0.45, 1.0), xlabel="model",
           ylabel="accuracy", title="IMDb sentiment: accuracy per model (dots: single seeds)")
    ax.legend(loc="lower right")
    utils.save_figure(fig, path)


def describe(settings):
    parts = [f"emb {settings['emb']}", f"hidden {settings['hidden']}", f"lr {settings['lr']:g}",
             f"{settings['epochs']} epoch{'s' if settings['epochs'] != 1 else ''}",
             f"{settings['max_tokens']} tokens/batch"]
    if settings["max_len"]:
        parts.append(f"first {settings['max_len']} tokens")
    if settings["voc"]:
        parts.append(f"voc {settings['voc']}")
    if settings["clip"]:
        parts.append(f"clip {settings['clip']:g}")
    if settings["cosine"]:
        parts.append("cosine decay of lr to 0")
    if settings["dropout"]:
        parts.append(f"dropout {settings['dropout']:g}")
    if settings["lin2"]:
        parts.append("lin2")
    if settings["bidirectional"]:
        parts.append("bidirectional")
    return ", ".join(parts)


def fmt(value, spec=".3f"):
    return "–" if value is None else format(value, spec)


def minutes(seconds, cpu_seconds):
    """"wall (CPU)" in minutes: the machine was shared, so wall time alone overstates."""
    return "–" if seconds is None else f"{seconds / 60:.1f} ({cpu_seconds / 60:.1f})"


def report_table(results_root):
    """REPORT.md's imdb block, from the runs in results/imdb/."""
    summary = summarize(Path(results_root) / "imdb")
    lines = ["| model | validation acc. (per epoch) | test acc. per seed | test mean | settings "
             "| padding (random batches) | minutes, validation run, wall (CPU) "
             "| minutes per test run, wall (CPU) |",
             "|---|---|---|---:|---|---:|---:|---:|"]
    for model, row in summary["models"].items():
        per_epoch = ", ".join(fmt(a) for a in row["val_acc_by_epoch"])
        tests = ", ".join(fmt(a) for a in row["test_acc"]) or "–"
        padding = f"{row['padding_fraction']:.1%} ({row['random_padding_fraction']:.0%})"
        lines.append(f"| {model} | {per_epoch} | {tests} | {fmt(row['test_acc_mean'])} | "
                     f"{describe(row['settings'])} | {padding} | "
                     f"{minutes(row['val_seconds'], row['val_cpu_seconds'])} | "
                     f"{minutes(row['seconds'], row['cpu_seconds'])} |")
    if summary["q2"]:
        q2 = summary["q2"]
        lines += ["", f"Q2 (`{q2['run']}`: {describe(q2['settings'])}): validation accuracy "
                      f"{q2['val_acc']:.3f} after the epoch, "
                      f"{minutes(q2['seconds'], q2['cpu_seconds'])} minutes, wall (CPU)."]
    if summary["tuning"]:
        lines += ["", "Q4 tuning, all on the validation split (seed 0); the chosen row of each "
                      "model is the setting of its test runs:", "",
                  "| model | run | settings | validation acc. (per epoch) | minutes, wall (CPU) "
                  "| chosen |",
                  "|---|---|---|---|---:|---|"]
        for run in summary["tuning"]:
            per_epoch = ", ".join(fmt(a) for a in run["val_acc_by_epoch"])
            lines.append(f"| {run['model']} | {run['run']} | {describe(run['settings'])} | "
                         f"{per_epoch} | {minutes(run['seconds'], run['cpu_seconds'])} | "
                         f"{'yes' if run['chosen'] else 'no'} |")
    return "\n".join(lines)


# --- Autoregressive LSTMs (section 7) ------------------------------------------------

def run_name(run):
    settings = run["settings"]
    return settings["config"] + (f"_{settings['tag']}" if settings["tag"] else "")


def ar_runs(folder):
    """The finished imdb/autoregressive.py runs, in the order of their configs."""
    order = list(AUTOREGRESSIVE)
    runs = read_runs(folder, "imdb/autoregressive.py")
    return sorted(runs, key=lambda r: (order.index(r["settings"]["config"]), run_name(r)))


def long_sample_counts(entry, min_length):
    """{temperature: (valid, all)} over an epoch's samples longer than `min_length`."""
    counts = {}
    for key, samples in entry["samples"].items():
        long = [valid for text, valid in zip(samples["text"], samples["valid"])
                if len(text) > min_length]
        counts[key] = (sum(long), len(long))
    return counts


def ar_report_table(results_root):
    """REPORT.md's imdb_ar block, from the runs in results/imdb_ar/."""
    runs = ar_runs(Path(results_root) / "imdb_ar")
    if not runs:
        return "No runs of imdb/autoregressive.py yet."
    temperatures = runs[0]["settings"]["temperatures"]
    lines = ["| run | settings | sequences × epochs | loss per token, last epoch (lowest possible) "
             "| valid at T = 0 / 0.5 / 1, last epoch | valid at T = 0.5, per epoch "
             "| first epoch ≥ 0.9 at T = 0.5 | batches clipped (largest norm) "
             "| kept checkpoint: epoch (valid at T ≤ 0.5) | minutes: wall (CPU) |",
             "|---|---|---|---:|---|---|---:|---:|---:|---:|"]
    for run in runs:
        s, history = run["settings"], run["history"]
        last = " / ".join(f"{history[-1]['valid'][str(t)]:.2f}" for t in s["temperatures"])
        half = [h["valid"].get("0.5") for h in history]
        first = next((h["epoch"] for h in history if h["valid"].get("0.5", 0) >= 0.9),
                     "not reached")
        settings = f"e={s['emb']}, h={s['hidden']}, {s['layers']} layer(s), Adam {s['lr']:g}" \
                   f"{' cosine to 0' if s['cosine'] else ''}, " \
                   f"clip {s['clip']:g}, ≤{s['max_tokens']} tokens/batch"
        minutes = f"{run['seconds'] / 60:.1f} ({run['cpu_seconds'] / 60:.1f})"
        kept = run["kept_epoch"]
        kept_valid = " / ".join(f"{v:.2f}"
                                for v in low_temperature_valid(history[kept - 1]).values())
        norms = run["batches"]["grad_norm"]
        clipped = f"{sum(n > (s['clip'] or float('inf')) for n in norms) / len(norms):.1%} " \
                  f"({max(norms):.2f})"
        floor = entropy_per_token(run["data"])
        floor = "" if floor is None else f" ({floor:.3f})"
        lines.append(f"| {run_name(run)} | {settings} | "
                     f"{s['n']:,} × {len(history)} | {history[-1]['loss']:.3f}{floor} | {last} | "
                     f"{', '.join(f'{v:.2f}' for v in half)} | {first} | {clipped} | "
                     f"{kept} ({kept_valid}) | {minutes} |")
    lines += ["", "Long samples are the real test (a model that only closes shallow brackets "
                  "passes on short ones): samples of the last epoch with more than 40 "
                  "characters, valid / all:", "",
              "| run | " + " | ".join(f"T = {t}" for t in temperatures) + " |",
              "|---|" + "---:|" * len(temperatures)]
    for run in runs:
        counts = long_sample_counts(run["history"][-1], 40)
        lines.append(f"| {run_name(run)} | "
                     + " | ".join(f"{ok} / {n}" for ok, n in counts.values()) + " |")
    lines += ["", f"Valid = the whole sample is in the language and ended with `.end` "
                  f"({runs[0]['settings']['samples']} samples per temperature and epoch); for "
                  "brackets, properly nested. The stricter and looser checks, last epoch:", "",
              "| run | temperature | brackets balanced | properly nested | in the training "
              "language | toy: share of known words |", "|---|---:|---:|---:|---:|---:|"]
    for run in runs:
        for key, extra in run["history"][-1]["extras"].items():
            cells = [f"{extra[k]:.2f}" if k in extra else "–"
                     for k in ("balanced", "nested", "in_language", "known_words")]
            lines.append(f"| {run_name(run)} | {key} | {' | '.join(cells)} |")
    lines += ["", "Samples of the last epoch (the first three per temperature; one at T = 0, "
                  "where all are the same; cut at 90 characters):", "",
              "| run | T | sample | valid |", "|---|---:|---|---|"]
    for run in runs:
        for key, samples in run["history"][-1]["samples"].items():
            first = list(zip(samples["text"], samples["ended"], samples["valid"]))
            for text, ended, valid in first[:1 if key == "0.0" else 3]:  # argmax repeats itself
                text += "" if ended else " [no .end]"
                cut = text if len(text) <= 90 else text[:90] + " …"
                lines.append(f"| {run_name(run)} | {key} | `{cut}` | {'yes' if valid else 'no'} |")
    return "\n".join(lines)


# --- Command line ------------------------------------------------------------------

def build_parser():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    utils.add_common_args(parser, "imdb")
    return parser


def main(argv=None):
    args = utils.parse_args(build_parser(), argv)
    out = utils.output_dir(args)
    summary = summarize(out)
    if not summary["models"]:
        raise utils.UserError(f"no finished runs of the Q4 configs ({', '.join(MODELS)}) in "
                              f"{out}; run imdb/classify.py first")
    utils.save_json({"script": "imdb/report.py", "settings": utils.run_settings(args),
                     **summary}, out / "summary.json")
    plot_accuracies(summary["models"], out / "accuracy.png")
    print(report_table(out.parent) if out.name == "imdb" else f"wrote {out / 'summary.json'}")


if __name__ == "__main__":
    utils.run_main(main)
