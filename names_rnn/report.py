"""Collect the names runs into results/names/summary.json, the Task 2B figure, the
best model's confusion matrix, and REPORT.md's table.

    python names_rnn/report.py            # after the train.py runs of run_all.py

Runs are recognised by their --tag: "task1-<cell>-<layers>x<hidden>-seed<s>",
"task2b-bs<batch size>", "dedup-<cell>-<layers>x<hidden>-seed<s>",
"tune-<what changed>" (variants of the best Task 1 recipe, scored on the test
split), "val-<setting>-seed<s>" (settings compared on a validation split carved
from the training names) and "final-<setting>-seed<s>" (the setting chosen on
validation, trained on the whole training split and scored once on test).
"""
import argparse
from collections import Counter
from pathlib import Path

import matplotlib.pyplot as plt

import utils
from names_rnn.data import NamesData
from names_rnn.model import model_name
from names_rnn.train import plot_confusion

METRICS = {"train_loss": "training loss", "test_loss": "test loss", "test_acc": "test accuracy"}


def load_runs(folder):
    """{tag: run record} for every runs/<tag>.json under `folder`."""
    runs = {path.stem: utils.load_json(path) for path in sorted((Path(folder) / "runs").glob("*.json"))}
    if not runs:
        raise utils.UserError(f"no runs in {folder}/runs/; run the train.py commands of run_all.py first")
    return runs


def summarize(runs):
    """The summary.json dict (the issue's keys first, then the details behind them)."""
    task1, task1_runs, task2b, dedup, tuning, validation, final = {}, {}, {}, {}, {}, {}, {}
    for tag, record in runs.items():
        if tag.startswith("task1-"):
            task1.setdefault(model_name(record["settings"]), []).append(record["final_test_acc"])
            task1_runs[tag] = run_details(record)
        elif tag.startswith("task2b-"):
            task2b[str(record["settings"]["batch_size"])] = {**record["history"], **run_details(record)}
        elif tag.startswith("dedup-"):
            dedup[tag] = run_details(record)
        elif tag.startswith("tune-"):
            tuning[tag] = run_details(record)
        elif tag.startswith("val-"):
            validation[tag] = run_details(record)
        elif tag.startswith("final-"):
            final[tag] = run_details(record)
    task2b = dict(sorted(task2b.items(), key=lambda item: int(item[0])))
    scored = {**task1_runs, **final}  # the runs that count for the best test accuracy
    best_tag = max(scored, key=lambda t: scored[t]["final_test_acc"]) if scored else None
    best_task1_tag = max(task1_runs, key=lambda t: task1_runs[t]["final_test_acc"]) if task1_runs else None
    full_data = [r for r in runs.values() if not r["settings"]["dedup"]] or list(runs.values())
    return {"task1": task1, "task2b": task2b,
            "best_test_acc": scored[best_tag]["final_test_acc"] if scored else None,
            "majority_baseline": full_data[0]["majority_baseline"],
            "best_run": best_tag, "best_task1_run": best_task1_tag, "task1_runs": task1_runs, "dedup": dedup,
            "tuning": tuning, "validation": validation, "final": final}


def data_stats(data_dir):
    """How much the split leaks through repeated lines, and what deduplication changes."""
    data, deduped = NamesData(data_dir), NamesData(data_dir, dedup=True)
    pairs = data.train + data.test
    languages_of = {}
    for name, label in pairs:
        languages_of.setdefault(name, set()).add(label)
    repeats = Counter(data.categories[label] for label in
                      [label for (_, label), count in Counter(pairs).items() for _ in range(count - 1)])
    train_pairs, train_languages = set(data.train), {}
    for name, label in data.train:
        train_languages.setdefault(name, set()).add(label)
    return {"lines": len(pairs), "distinct_pairs": len(set(pairs)), "distinct_names": len(languages_of),
            "names_in_several_languages": sum(len(v) > 1 for v in languages_of.values()),
            "repeated_lines_by_language": dict(repeats.most_common()),
            "train": len(data.train), "test": len(data.test), "majority_baseline": data.majority_baseline,
            "test_lines_repeating_a_train_pair": sum(pair in train_pairs for pair in data.test),
            "test_names_in_train_only_under_other_languages":
                sum(name in train_languages and label not in train_languages[name] for name, label in data.test),
            "dedup": {"train": len(deduped.train), "test": len(deduped.test),
                      "majority_baseline": deduped.majority_baseline}}


def run_details(record):
    """A run's settings and results; a validation run's accuracies and size are
    under "val" where the others have "test"."""
    settings = record["settings"]
    split = "val" if settings.get("validation") else "test"
    return {"model": model_name(settings), f"final_{split}_acc": record[f"final_{split}_acc"],
            f"best_{split}_acc": record[f"best_{split}_acc"],
            f"final_{split}_loss": record["history"][f"{split}_loss"][-1],
            "epochs": record["epochs_done"], "batch_size": settings["batch_size"],
            "optimizer": settings["optimizer"], "lr": settings["lr"], "momentum": settings["momentum"],
            "weight_decay": settings["weight_decay"], "dropout": settings["dropout"],
            "label_smoothing": settings.get("label_smoothing", 0.0),
            "letter_dropout": settings.get("letter_dropout", 0.0), "ensemble": settings.get("ensemble", 1),
            "embedding": settings["embedding"], "seed": settings["seed"],
            "schedule": settings["schedule"], "dedup": settings["dedup"], "n_train": record["n_train"],
            f"n_{split}": record[f"n_{split}"], "majority_baseline": record["majority_baseline"],
            "wall_seconds": record["wall_seconds"], "epoch_seconds": record["epoch_seconds"]}


def plot_batch_sizes(task2b, baseline, path):
    """Task 2B: one panel per metric against epoch, one line per batch size."""
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    for ax, (key, label) in zip(axes, METRICS.items()):
        for batch_size, curves in task2b.items():
            epochs = range(1, len(curves[key]) + 1)
            ax.plot(epochs, curves[key], marker="o", ms=3, label=f"batch size {batch_size}")
        if key == "test_acc":
            ax.axhline(baseline, color="grey", ls="--", label=f"majority class ({baseline:.3f})")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.set_title(f"{label} per epoch")
        ax.legend()
    fig.suptitle(f"Task 2B: {study_settings(task2b)}, the same epochs for every batch size")
    return utils.save_figure(fig, path)


def report_table(results_root):
    """The names block of REPORT.md, from results/names/summary.json."""
    return format_table(utils.load_json(Path(results_root) / "names" / "summary.json"))


def study_settings(task2b):
    """'lstm-1x200, sgd lr 0.1' for the Task 2B runs (they share everything but the batch size)."""
    first = next(iter(task2b.values()))
    return f"{first['model']}, {first['optimizer']} lr {first['lr']:g}"


def format_table(summary):
    """Markdown tables of Task 1, the deduplicated runs and Task 2B."""
    d = summary["data"]
    lines = [f"Data: {d['lines']:,} lines, {d['distinct_pairs']:,} distinct (name, language) pairs, "
             f"{d['distinct_names']:,} distinct names of which {d['names_in_several_languages']} appear under several "
             f"languages; repeated lines per file, top 3: "
             f"{', '.join(f'{k} {v:,}' for k, v in list(d['repeated_lines_by_language'].items())[:3])}. Split: {d['train']:,} train / {d['test']:,} test lines; {d['test_lines_repeating_a_train_pair']} "
             f"test lines repeat a training pair, and {d['test_names_in_train_only_under_other_languages']} test names "
             f"occur in training only under another language. Deduplicated: {d['dedup']['train']:,} / "
             f"{d['dedup']['test']:,}, majority baseline {d['dedup']['majority_baseline']:.3f}.", "",
             f"Majority baseline (always Russian): {summary['majority_baseline']:.3f} test accuracy.", "",
             "**Task 1** (final-epoch test accuracy on the stratified 20% test split, one column per seed):", "",
             "| model | test accuracy per seed | mean | batch | optimizer | epochs | minutes per run |",
             "|---|---|---:|---:|---|---:|---:|"]
    for model, accs in summary["task1"].items():
        details = [d for t, d in summary["task1_runs"].items() if t.startswith(f"task1-{model}-")]
        minutes = sum(d["wall_seconds"] for d in details) / len(details) / 60
        first = details[0]
        lines.append(f"| {model} | {', '.join(f'{a:.4f}' for a in accs)} | {sum(accs) / len(accs):.4f} "
                     f"| {first['batch_size']} | {first['optimizer']} lr {first['lr']:g}, {first['schedule']} "
                     f"| {first['epochs']} | {minutes:.1f} |")
    if summary["dedup"]:
        lines += ["", "**Deduplicated data** (each (name, language) pair once before the split):", "",
                  "| run | train / test names | majority baseline | final test accuracy |", "|---|---|---:|---:|"]
        for tag, d in summary["dedup"].items():
            lines.append(f"| {tag} | {d['n_train']} / {d['n_test']} | {d['majority_baseline']:.3f} "
                         f"| {d['final_test_acc']:.4f} |")
    if summary.get("tuning"):
        lines += ["", "**Tuning runs** (the Task 1 recipe with one change each; final-epoch test accuracy):", "",
                  "| run | model | dropout | weight decay | label smoothing | epochs | seed | final test accuracy "
                  "| best epoch's | minutes |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for tag, d in summary["tuning"].items():
            lines.append(f"| {tag} | {d['model']} | {d['dropout']:g} | {d['weight_decay']:g} "
                         f"| {d['label_smoothing']:g} | {d['epochs']} | {d['seed']} "
                         f"| {d['final_test_acc']:.4f} | {d['best_test_acc']:.4f} | {d['wall_seconds'] / 60:.1f} |")
    if summary.get("validation"):
        lines += ["", "**Validation runs** (the GRU recipe and variants, trained on 87.5% of the training split and "
                  "scored on the other 12.5%; the test split is not used):", ""] + seed_table(summary["validation"], "val")
    if summary.get("final"):
        lines += ["", "**Final model** (the setting chosen on validation, trained on the whole training split, "
                  "scored once on the test split):", ""] + seed_table(summary["final"], "test")
    if not summary["task2b"]:
        return "\n".join(lines)
    lines += ["", f"**Task 2B** ({study_settings(summary['task2b'])}; values after the last epoch):", "",
              "| batch size | updates per epoch | seconds per epoch | train loss | test loss | test accuracy | best test accuracy |",
              "|---:|---:|---:|---:|---:|---:|---:|"]
    for batch_size, d in summary["task2b"].items():
        updates = -(-d["n_train"] // int(batch_size))
        seconds = sum(d["epoch_seconds"]) / len(d["epoch_seconds"])
        lines.append(f"| {batch_size} | {updates} | {seconds:.1f} | {d['train_loss'][-1]:.4f} | {d['test_loss'][-1]:.4f} "
                     f"| {d['test_acc'][-1]:.4f} | {max(d['test_acc']):.4f} |")
    return "\n".join(lines)


def seed_table(runs, split):
    """Markdown rows for runs tagged "<setting>-seed<s>": one row per setting, the
    final-epoch accuracy of each seed, their mean, and the mean final loss; the
    best mean first."""
    def mean_acc(details):
        return sum(d[f"final_{split}_acc"] for d in details) / len(details)

    settings = {}
    for tag, d in runs.items():
        settings.setdefault(tag.rsplit("-seed", 1)[0], []).append(d)
    name = {"val": "validation", "test": "test"}[split]
    lines = [f"| setting | model | dropout | letter dropout | epochs | {name} accuracy per seed | mean | {name} loss "
             "(mean) | minutes per run |", "|---|---|---:|---:|---:|---|---:|---:|---:|"]
    for setting, details in sorted(settings.items(), key=lambda item: -mean_acc(item[1])):
        accs, first = [d[f"final_{split}_acc"] for d in details], details[0]
        lines.append(f"| {setting} | {first['model']} | {first['dropout']:g} | {first['letter_dropout']:g} "
                     f"| {first['epochs']} | {', '.join(f'{a:.4f}' for a in accs)} | {mean_acc(details):.4f} "
                     f"| {sum(d[f'final_{split}_loss'] for d in details) / len(details):.4f} "
                     f"| {sum(d['wall_seconds'] for d in details) / len(details) / 60:.1f} |")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    utils.add_common_args(parser, "names")
    args = parser.parse_args()
    out = utils.output_dir(args)
    runs = load_runs(out)
    summary = {**summarize(runs), "data": data_stats(args.data_dir)}
    utils.save_json(summary, out / "summary.json")
    if summary["task2b"]:
        plot_batch_sizes(summary["task2b"], summary["majority_baseline"], out / "batch_size_study.png")
    if summary["best_run"]:
        best = runs[summary["best_run"]]
        plot_confusion(best["confusion"], best["categories"],
                       f"{summary['best_run']}: test accuracy {best['final_test_acc']:.3f}",
                       out / "confusion_best.png")
    print(format_table(summary))
    return 0


if __name__ == "__main__":
    utils.run_main(main)
