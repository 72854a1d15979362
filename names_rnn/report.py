"""Collect the names runs of the output folder into its names_summary.json, the Task 2B
figure, the final model's confusion matrix, and REPORT.md's tables.

    python names_rnn/report.py   # after the train.py runs

A run counts under its config (names_rnn/configs.py) when it carries the config's
own tag, <config>-seed<seed>, so that runs with changed settings stay out. Every
choice here is made on validation: the chosen tuning setting is the one with the
best mean validation accuracy over the settings run with both seeds before the
final runs; the confusion matrix shown is the final model's with seed 0.
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import argparse
from collections import Counter
from pathlib import Path


import store
from names_rnn.configs import FINAL, LATER, TASK1, TASK2B, TUNING
from names_rnn.data import NamesData
from names_rnn.model import model_name
import plots

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
            **{key: settings[key] for key in ("dropout", "letter_dropout", "ensemble", "epochs",
                                              "batch_size", "optimizer", "lr", "schedule")},
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


def mean_recall(confusion):
    """The recall of each language (row), averaged: every language counts alike, however
    many names it has."""
    return mean([row[i] / sum(row) for i, row in enumerate(confusion) if sum(row)])


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
    candidates = [config for config in tuning if config not in LATER]
    test_runs = [record for record in runs.values() if not record["settings"]["validation"]]
    return {"majority_baseline": test_runs[0]["majority_baseline"] if test_runs else None,
            "final": settings.get(FINAL),
            "task1": {config: settings[config] for config in TASK1 if config in settings},
            "task2b": task2b, "tuning": tuning,
            "chosen": max(candidates, key=lambda c: mean(tuning[c]["acc"])) if candidates else None}


def data_stats(data_dir):
    """How much the split leaks through repeated lines, and what deduplication changes."""
    data, deduped = NamesData(data_dir), NamesData(data_dir, dedup=True)
    pairs = data.train + data.test
    languages_of = {}
    for name, label in pairs:
        languages_of.setdefault(name, set()).add(label)
    repeats = Counter(data.categories[label] for (_, label), count in Counter(pairs).items()
                      for _ in range(count - 1))
    train_pairs, train_languages = set(data.train), {}
    for name, label in data.train:
        train_languages.setdefault(name, set()).add(label)
    return {"lines": len(pairs), "distinct_pairs": len(set(pairs)),
            "distinct_names": len(languages_of),
            "names_in_several_languages": sum(len(v) > 1 for v in languages_of.values()),
            "repeated_lines_by_language": dict(repeats.most_common()),
            "train": len(data.train), "test": len(data.test),
            "majority_baseline": data.majority_baseline,
            "test_lines_repeating_a_train_pair": sum(pair in train_pairs for pair in data.test),
            "test_names_in_train_only_under_other_languages":
                sum(name in train_languages and label not in train_languages[name]
                    for name, label in data.test),
            "dedup": {"train": len(deduped.train), "test": len(deduped.test),
                      "majority_baseline": deduped.majority_baseline}}


def plot_confusion(confusion, categories, title, path):
    """Row-normalised confusion matrix on the test split (true language down)."""
    return plots.plot_confusion(confusion, categories, title, path,
                                xlabel="predicted language", ylabel="true language (test split)",
                                annotate=False, figsize=(7.5, 6.5))


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


def scores(d):
    """'0.8633, 0.8588 | 0.8611' (per seed, then the mean)."""
    return f"{', '.join(f'{a:.4f}' for a in d['acc'])} | {mean(d['acc']):.4f}"


def format_table(summary):
    """Markdown: Task 1's test scores, the tuning runs, and the final model's test scores
    (the data facts and Task 2B's curves stay in names_summary.json and the figure)."""
    lines = []
    if summary["task1"]:
        lines += ["**Task 1** (configs `task1-<model>`):", "",
                  "| model | test accuracy per seed | mean | test loss |",
                  "|---|---|---:|---:|"]
        lines += [f"| {d['model']} | {scores(d)} | {mean(d['loss']):.3f} |"
                  for d in summary["task1"].values()]
        lines.append("")
    if summary["tuning"]:
        lines += ["**Validation split** (best mean first; candidates: both seeds):", "",
                  "| setting | model | letter dropout | epochs | validation accuracy, mean "
                  "| chosen |", "|---|---|---:|---:|---:|---|"]
        ranked = sorted(summary["tuning"].items(), key=lambda item: -mean(item[1]["acc"]))
        for config, d in ranked:
            chosen = ("**chosen**" if config == summary["chosen"]
                      else "one seed" if config in LATER else "")
            lines.append(f"| {config} | {d['model']} | {d['letter_dropout']:g} | {d['epochs']} "
                         f"| {mean(d['acc']):.4f} | {chosen} |")
        lines.append("")
    if summary["final"]:
        d = summary["final"]
        lines += ["**Final model** (config `final`):", "",
                  "| model | letter dropout | epochs | test accuracy per seed | mean "
                  "| test loss |", "|---|---:|---:|---|---:|---:|",
                  f"| {d['model']} | {d['letter_dropout']:g} | {d['epochs']} | {scores(d)} "
                  f"| {mean(d['loss']):.3f} |"]
    return "\n".join(lines).rstrip("\n")


def main(argv=None):
    args = utils.parse_args(build_parser(), argv)
    out = utils.output_dir(args)
    runs = load_runs(out, f"python names_rnn/train.py{utils.place_flags(args)}")
    summary = {**summarize(runs), "data": data_stats(args.data_dir)}
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
