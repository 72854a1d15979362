"""Collect the names runs and baselines of the output folder into its
names_summary.json, the Task 2B figure, the final model's confusion matrix, and
REPORT.md's tables.

    python names_rnn/report.py   # after the train.py runs and baselines.py

A run counts under its config (names_rnn/configs.py) when it carries the config's
own tag, <config>-seed<seed>, so that runs with changed settings stay out. Every
choice here is made on validation: the chosen tuning setting is the one with the
best mean validation accuracy (ties: mean recall), a naive Bayes mix of a tuning
run's networks counting as a setting of its own; the confusion matrix shown is the
final model's with seed 0.
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import argparse
from collections import Counter
from pathlib import Path

import numpy as np

import plots
import store
from names_rnn.configs import FINAL, LINES, RECIPE, TASK1, TASK2B, TUNING
from names_rnn.data import NamesData
from names_rnn.model import model_name
from names_rnn.scoring import mean_recall

METRICS = {"train_loss": "training loss", "test_loss": "test loss", "test_acc": "test accuracy"}


def build_parser():
    parser = argparse.ArgumentParser(allow_abbrev=False, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    utils.add_common_args(parser, "names_rnn")
    return parser


def load_runs(folder, command="python names_rnn/train.py"):
    """{tag: record} of the finished runs in <folder>/runs/ that carry their config's own
    tag (an interrupted run has fewer epochs, or no score yet, and stays out)."""
    runs = {}
    for path in sorted((Path(folder) / "runs").glob("*.json")):
        record = store.load_json(path)
        settings = record.get("settings", {})
        split = "val" if settings.get("validation") else "test"
        if (record.get("tag") == f"{settings.get('config')}-seed{settings.get('seed')}"
                and record.get("epochs_done") == settings["epochs"]
                and f"final_{split}_acc" in record):
            runs[record["tag"]] = record
    if not runs:
        raise utils.UserError(f"no finished runs in {folder}/runs/; make one with: {command}")
    return runs


def setting_summary(records):
    """One config's runs (one per seed, by seed): settings, scores per seed, minutes."""
    records = sorted(records, key=lambda record: record["settings"]["seed"])
    settings = records[0]["settings"]
    split = "val" if settings["validation"] else "test"
    return {"model": model_name(settings), "split": split,
            **{key: settings.get(key, RECIPE[key])
               for key in ("dropout", "letter_dropout", "ensemble", "epochs", "batch_size",
                           "optimizer", "lr", "schedule", "nb_weight", "nb_max_n", "nb_alpha")},
            "seeds": [record["settings"]["seed"] for record in records],
            "acc": [record[f"final_{split}_acc"] for record in records],
            "loss": [record[f"final_{split}_loss"] for record in records],
            "train_loss": [record["history"]["train_loss"][-1] for record in records],
            "mean_recall": [mean_recall(record["confusion"]) for record in records],
            "minutes": [record["wall_seconds"] / 60 for record in records],
            "n_train": records[0]["n_train"], f"n_{split}": records[0][f"n_{split}"],
            "majority_baseline": records[0]["majority_baseline"]}


def mean(values):
    return sum(values) / len(values)


def summarize(runs):
    """The names_summary.json dict: the final model, Task 1, Task 2B and the tuning runs."""
    by_config = {}
    for record in runs.values():
        by_config.setdefault(record["settings"]["config"], []).append(record)
    settings = {config: setting_summary(records) for config, records in by_config.items()}
    task2b = {}
    for config in TASK2B:
        if config in by_config:
            record = by_config[config][0]
            # the per-epoch curves last: they replace the summary's last-epoch losses
            task2b[str(record["settings"]["batch_size"])] = {
                **settings[config], **record["history"],
                "epoch_seconds": record["epoch_seconds"]}
    tuning = {config: settings[config] for config in TUNING if config in settings}
    for config in list(tuning):
        tuning.update(mix_settings(config, by_config[config]))
    return {"majority_baseline": test_runs_baseline(runs),
            "final": settings.get(FINAL), "lines": settings.get(LINES),
            "task1": {config: settings[config] for config in TASK1 if config in settings},
            "task2b": task2b, "tuning": tuning,
            "chosen": max(tuning, key=lambda c: rank(tuning[c])) if tuning else None}


def rank(d):
    """A tuning setting's place: its mean validation accuracy, then (in a tie, the same
    number of right answers) its mean recall."""
    return round(mean(d["acc"]), 9), mean(d["mean_recall"])


def mix_label(max_n, alpha, weight):
    """'NB 1–5-grams α 0.03 w 0.1': naive Bayes mixed in with weight w."""
    return f"NB 1–{max_n}-grams α {alpha:g} w {weight:g}"


def mix_settings(config, records):
    """{'<config> + naive Bayes ...': summary} for each naive Bayes mix that every seed
    of a tuning config scored on validation (train.py's MIX_GRID), from the same runs."""
    if not all("naive_bayes_mixes" in record for record in records):
        return {}
    records = sorted(records, key=lambda record: record["settings"]["seed"])
    mixes = {}
    for rows in zip(*(record["naive_bayes_mixes"] for record in records)):
        first = rows[0]
        mixes[f"{config} + {mix_label(first['max_n'], first['alpha'], first['weight'])}"] = {
            "network": config, "nb_weight": first["weight"], "nb_max_n": first["max_n"],
            "nb_alpha": first["alpha"],
            "seeds": [record["settings"]["seed"] for record in records],
            "acc": [row["val_acc"] for row in rows],
            "mean_recall": [row["val_mean_recall"] for row in rows]}
    return mixes


def test_runs_baseline(runs):
    """The majority class's test accuracy on the split by names (None without a run)."""
    scores = [record["majority_baseline"] for record in runs.values()
              if not record["settings"]["validation"]
              and record["settings"].get("split") == "names"]
    return scores[0] if scores else None


def baselines(folder):
    """Validation and test scores of baselines.py's three baselines (None if not run)."""
    path = Path(folder) / "baselines.json"
    if not path.exists():
        return None
    record = store.load_json(path)
    rows = {name: {"val_acc": record[name]["val"]["acc"], "test_acc": record[name]["test"]["acc"],
                   "test_mean_recall": record[name]["test"]["mean_recall"]}
            for name in ("majority", "lookup")}
    nb = record["naive_bayes"]
    rows["naive_bayes"] = {"val_acc": nb["chosen"]["val_acc"], "test_acc": nb["test"]["acc"],
                           "test_mean_recall": nb["test"]["mean_recall"],
                           "max_n": nb["chosen"]["max_n"], "alpha": nb["chosen"]["alpha"]}
    rows["majority"]["language"] = record["majority"]["language"]
    return rows


def data_stats(data_dir):
    """The files' repeats, and what each split puts on both sides."""
    names, lines = NamesData(data_dir), NamesData(data_dir, split="lines")
    pairs = [(name, labels[0]) for name, labels in lines.train + lines.test]
    languages_of = {}
    for name, label in pairs:
        languages_of.setdefault(name, set()).add(label)
    repeats = Counter(names.categories[label] for (_, label), count in Counter(pairs).items()
                      for _ in range(count - 1))
    train_pairs = {(name, labels[0]) for name, labels in lines.train}
    train_names = {name for name, _ in names.train}
    return {"lines": len(pairs), "distinct_pairs": len(set(pairs)),
            "distinct_names": len(languages_of),
            "names_in_several_languages": sum(len(v) > 1 for v in languages_of.values()),
            "repeated_lines_by_language": dict(repeats.most_common()),
            "names_split": {"train": len(names.train), "test": len(names.test),
                            "test_names_by_first_language": dict(Counter(
                                names.categories[labels[0]] for _, labels in names.test)),
                            "test_names_in_train": sum(name in train_names
                                                       for name, _ in names.test)},
            "lines_split": {"train": len(lines.train), "test": len(lines.test),
                            "test_lines_repeating_a_train_pair": sum(
                                (name, labels[0]) in train_pairs for name, labels in lines.test)}}


def plot_confusion(confusion, categories, title, path):
    """The final model's confusion on the test split, true language down: colours
    are the share of the row's names, numbers the counts, each row labelled with its
    number of test names."""
    counts = np.asarray(confusion)
    support = counts.sum(1)
    rates = counts / np.maximum(support, 1)[:, None]
    fig, ax = plots.subplots(figsize=(7.5, 7))
    image = ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    for (i, j), count in np.ndenumerate(counts):
        if count:
            ax.text(j, i, str(count), ha="center", va="center", fontsize=7,
                    color="white" if rates[i, j] > 0.5 else "black")
    ax.set_xticks(range(len(categories)), categories, rotation=90)
    ax.set_yticks(range(len(categories)), [f"{name} ({n})" for name, n in zip(categories,
                                                                               support)])
    ax.set(xlabel="predicted language",
           ylabel="first language of the test name (number of names)", title=title)
    ax.grid(False)
    fig.colorbar(image, ax=ax, label="share of the row's names", shrink=0.8)
    return plots.save_figure(fig, path)


def plot_batch_sizes(task2b, baseline, path):
    """Task 2B: one panel per metric against epoch, one line per batch size; the legend
    sits in the training-loss panel, above the curves."""
    fig, axes = plots.subplots(1, 3, figsize=(14, 4.2))
    for ax, (key, label) in zip(axes, METRICS.items()):
        for batch_size, curves in task2b.items():
            epochs = range(1, len(curves[key]) + 1)
            ax.plot(epochs, curves[key], marker="o", ms=3, label=f"batch size {batch_size}")
        ax.set_xticks(range(1, max(len(c[key]) for c in task2b.values()) + 1))
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.set_title(f"{label} per epoch")
    axes[0].legend(loc="upper right")
    axes[2].axhline(baseline, color="grey", ls="--")
    axes[2].annotate(f"majority class ({baseline:.3f})", (1, baseline), xycoords=("axes fraction",
                     "data"), xytext=(-4, 4), textcoords="offset points", ha="right",
                     color="grey")
    fig.suptitle(f"Task 2B: {study_settings(task2b)}, the same epochs for every batch size")
    return plots.save_figure(fig, path)


def study_settings(task2b):
    """'lstm-1x200, sgd lr 0.1' for the Task 2B runs (they share all but the batch size)."""
    first = next(iter(task2b.values()))
    return f"{first['model']}, {first['optimizer']} lr {first['lr']:g}"


def report_table(results_root):
    """The names_rnn block of REPORT.md, from results/names_rnn/names_summary.json."""
    return format_table(store.load_json(Path(results_root) / "names_rnn" / "names_summary.json"))


def per_seed(d, config):
    """'[0.8633](...-seed0.png), [0.8588](...-seed1.png)': each seed's accuracy, linked
    to its run's curves (train.py draws them beside the run's JSON)."""
    return ", ".join(f"[{acc:.4f}](results/names_rnn/runs/{config}-seed{seed}.png)"
                     for seed, acc in zip(d["seeds"], d["acc"]))


def scores(d, config):
    """'0.8633, 0.8588 | 0.8611 | 0.534' (per seed, linked; the mean; the mean recall)."""
    return f"{per_seed(d, config)} | {mean(d['acc']):.4f} | {mean(d['mean_recall']):.3f}"


def baseline_rows(rows):
    """The baselines' lines of the test table (each one deterministic: one 'seed')."""
    nb = rows["naive_bayes"]
    names = {"majority": f"majority class ({rows['majority']['language']})",
             "lookup": "lookup table",
             "naive_bayes": f"naive Bayes, 1–{nb['max_n']}-grams, α {nb['alpha']:g}"}
    return [f"| {label} | {rows[key]['val_acc']:.4f} | {rows[key]['test_acc']:.4f} "
            f"| {rows[key]['test_acc']:.4f} | {rows[key]['test_mean_recall']:.3f} |"
            for key, label in names.items()]


def format_table(summary):
    """Markdown: the baselines, Task 1 and the final model on the test split, then the
    tuning runs (the data facts and Task 2B's curves stay in names_summary.json and
    the figure)."""
    lines = ["| model | validation accuracy | test accuracy per seed | mean | mean recall |",
             "|---|---:|---|---:|---:|"]
    if summary.get("baselines"):
        lines += baseline_rows(summary["baselines"])
    lines += [f"| Task 1: {d['model']} | – | {scores(d, config)} |"
              for config, d in summary["task1"].items()]
    if summary["final"]:
        d, chosen = summary["final"], summary["tuning"].get(summary["chosen"])
        val = f"{mean(chosen['acc']):.4f}" if chosen else "–"
        dropout = f", letter dropout {d['letter_dropout']:g}" if d["letter_dropout"] else ""
        mixed = (f" + {mix_label(d['nb_max_n'], d['nb_alpha'], d['nb_weight'])}"
                 if d["nb_weight"] else "")
        lines.append(f"| **final**: {d['model']}{dropout}{mixed} | {val} | {scores(d, FINAL)} |")
    if summary["tuning"]:
        ranked = sorted(summary["tuning"].items(), key=lambda item: rank(item[1]),
                        reverse=True)
        best_mix = {}  # each tuning network's best naive Bayes mix
        for config, d in ranked:
            if "network" in d:
                best_mix.setdefault(d["network"], config)
        shown = [(config, d) for config, d in ranked
                 if "network" not in d or best_mix[d["network"]] == config]
        n_mixes = sum("network" in d for d in summary["tuning"].values())
        hidden = (f"; NB: naive Bayes at weight w, best of {n_mixes // len(best_mix)} per "
                  "network" if n_mixes else "")
        lines += ["", f"**Validation split** (best mean first{hidden}):", "",
                  "| setting | validation accuracy per seed | mean | mean recall | chosen |",
                  "|---|---|---:|---:|---|"]
        for config, d in shown:
            # a naive Bayes mix links the curves of the networks it was scored with
            lines.append(f"| {config} | {per_seed(d, d.get('network', config))} "
                         f"| {mean(d['acc']):.4f} | {mean(d['mean_recall']):.3f} "
                         f"| {'**chosen**' if config == summary['chosen'] else ''} |")
    return "\n".join(lines)


def main(argv=None):
    args = utils.parse_args(build_parser(), argv)
    out = utils.output_dir(args)
    runs = load_runs(out, f"python names_rnn/train.py{utils.place_flags(args)}")
    summary = {**summarize(runs), "baselines": baselines(out), "data": data_stats(args.data_dir)}
    store.save_json(summary, out / "names_summary.json")
    if summary["task2b"]:
        plot_batch_sizes(summary["task2b"], summary["majority_baseline"],
                         out / "batch_size_study.png")
    final = runs.get(f"{FINAL}-seed0")
    if final:
        plot_confusion(final["confusion"], final["categories"],
                       f"final model, seed 0: test accuracy {final['final_test_acc']:.3f}",
                       out / "confusion_final.png")
    print(format_table(summary))
    return 0


if __name__ == "__main__":
    utils.run_main(main)
