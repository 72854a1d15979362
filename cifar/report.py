"""REPORT.md's cifar blocks and Q2's figure, from the run_*.json that cifar_pytorch.py
writes and the evaluation_*.json that test.py writes: the final settings over their
seeds, what each of the final setting's tricks adds on validation, and both models'
curves side by side.

    python cifar/report.py    # after the plain and --batchnorm runs; writes validation_curves.png
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import argparse
import sys
from pathlib import Path
from statistics import mean

import numpy as np

import plots
import store
from cifar import files
from cifar.configs import ABLATIONS

# Settings that name or place a run without changing what it trains.
NOT_TRAINING = ("config", "tag", "seed", "checkpoint_dir", "device", "quick", "limit")
# Ways of scoring the final runs' own weights, besides theirs: (words, scoring name).
SCORINGS = (("no mirror images in validation", "images"),)


def load_runs(folder, prefix):
    """{name: JSON} of the files PREFIX_*.json in `folder`; a damaged file is skipped
    with a warning."""
    runs = {}
    for path in sorted(Path(folder).glob(f"{prefix}_*.json")):
        try:
            runs[path.stem.removeprefix(f"{prefix}_")] = store.load_json(path)
        except (OSError, ValueError) as err:
            print(f"warning: skipping {path} ({err})", file=sys.stderr)
    return runs


def training_settings(run):
    return {key: value for key, value in run["settings"].items() if key not in NOT_TRAINING}


def seeds_of(runs, settings):
    """{seed: run} of the finished runs trained with exactly `settings`."""
    return {run["settings"]["seed"]: run for run in runs.values()
            if training_settings(run) == settings and run["epochs"] == settings["epochs"]}


def same_settings(runs, name):
    """{seed: run} of the runs trained like the run `name` (plain, batchnorm or skeleton:
    the script's own runs), whatever their seed."""
    return seeds_of(runs, training_settings(runs[name])) if name in runs else {}


def listed(values):
    return ", ".join(f"{value:.4f}" for value in values)


def report_table(results_root):
    """One row per reported setting: its command, config, and the best validation
    accuracy and the test accuracy of that checkpoint (test.py), per seed and on average."""
    folder = Path(results_root) / "cifar"
    runs, tests = load_runs(folder, "run"), load_runs(folder, "evaluation")
    if not runs:
        return "_No results yet: run `python run_all.py --only cifar`._"
    lines = ["| model | command | config | seeds | best epochs | best val acc | mean val "
             "| test acc | mean test |", "|---|---|---|---:|---:|---:|---:|---:|---:|"]
    for name in ("plain", "batchnorm", "skeleton"):
        by_seed = same_settings(runs, name)
        if not by_seed:
            continue
        seeds = sorted(by_seed)
        val = [by_seed[s]["best_val_acc"] for s in seeds]
        test = [tests[by_seed[s]["name"]]["test_acc"] for s in seeds
                if by_seed[s]["name"] in tests]
        lines.append(f"| {name} | `{files.train_command(name)}` | "
                     f"`{by_seed[seeds[0]]['settings']['config']}` | {len(seeds)} | "
                     f"{', '.join(str(by_seed[s]['best_epoch']) for s in seeds)} | {listed(val)} "
                     f"| **{mean(val):.4f}** | {listed(test) or 'not run'} | "
                     f"{f'**{mean(test):.4f}**' if test else ''} |")
    return "\n".join(lines)


def ablation_table(results_root):
    """Each trick of the final setting turned off, on validation: the mean best accuracy
    over the seeds run, and its change against the final runs of the same seeds."""
    runs = load_runs(Path(results_root) / "cifar", "run")
    finals = {batchnorm: same_settings(runs, "batchnorm" if batchnorm else "plain")
              for batchnorm in (False, True)}
    if not any(finals.values()):
        return "_No results yet: run `python run_all.py --only cifar`._"

    def cell(scores, batchnorm):
        """'mean (change)' over the seeds in `scores` ({seed: accuracy})."""
        if not scores:
            return "not run"
        base = [finals[batchnorm][s]["best_val_acc"] for s in scores]
        change = mean(scores.values()) - mean(base)
        seeds = f"{len(scores)} seed{'s' * (len(scores) > 1)}"
        return f"{mean(scores.values()):.4f} ({change:+.4f}, {seeds})"

    lines = ["| final setting, but | plain Net | with batch norm |", "|---|---:|---:|"]
    lines.append("| (nothing changed) | " + " | ".join(
        f"{mean(r['best_val_acc'] for r in finals[bn].values()):.4f} ({len(finals[bn])} seeds)"
        if finals[bn] else "not run" for bn in (False, True)) + " |")
    for words, changes in ABLATIONS.values():
        cells = []
        for batchnorm in (False, True):
            if not finals[batchnorm]:
                cells.append("not run")
                continue
            settings = {**training_settings(next(iter(finals[batchnorm].values()))), **changes}
            cells.append(cell({s: r["best_val_acc"] for s, r in seeds_of(runs, settings).items()},
                              batchnorm))
        lines.append(f"| {words} | {' | '.join(cells)} |")
    for words, scoring in SCORINGS:
        cells = [cell({s: max(r["val_acc_by_scoring"][scoring]) for s, r in finals[bn].items()},
                      bn) for bn in (False, True)]
        lines.append(f"| {words} | {' | '.join(cells)} |")
    return "\n".join(lines)


def plot_curves(runs, title, path):
    """Training loss and validation accuracy per epoch of the final plain and batch-norm
    runs: one thin line per seed, their mean in bold."""
    fig, (ax_loss, ax_acc) = plots.subplots(1, 2, figsize=(11, 4.2))
    for batchnorm, color in ((False, "tab:blue"), (True, "tab:orange")):
        by_seed = same_settings(runs, "batchnorm" if batchnorm else "plain")
        if not by_seed:
            continue
        label = "with batch norm after fc1" if batchnorm else "plain Net"
        losses = [np.mean(np.reshape(r["train_loss"], (r["epochs"], -1)), axis=1)
                  for r in by_seed.values()]
        accuracies = [r["val_acc"] for r in by_seed.values()]
        for ax, curves in ((ax_loss, losses), (ax_acc, accuracies)):
            epochs = np.arange(1, min(map(len, curves)) + 1)
            for curve in curves:
                ax.plot(np.arange(1, len(curve) + 1), curve, color=color, lw=0.8, alpha=0.4)
            ax.plot(epochs, np.mean([c[:len(epochs)] for c in curves], axis=0), "o-",
                    color=color, lw=2, label=f"{label} (mean of {len(curves)} seeds)")
    ax_loss.set(xlabel="epoch", ylabel="training loss (label-smoothed cross-entropy)",
                title="training loss, mean per epoch")
    ax_acc.set(xlabel="epoch", ylabel="validation accuracy", ylim=(0.6, 1.0),
               title="validation accuracy, as the runs score it")
    ax_loss.legend(fontsize=8)
    ax_acc.legend(fontsize=8, loc="lower right")
    fig.suptitle(title)
    return plots.save_figure(fig, path)


def build_parser():
    parser = argparse.ArgumentParser(allow_abbrev=False, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    utils.add_common_args(parser, "cifar")
    return parser


def main(argv=None):
    args = utils.parse_args(build_parser(), argv)
    out = utils.output_dir(args)
    runs = load_runs(out, "run")
    if not any(same_settings(runs, name) for name in ("plain", "batchnorm")):
        raise utils.UserError(f"no final runs in {out}; make them with: python cifar_pytorch.py"
                              f"{utils.place_flags(args)} (and --batchnorm)")
    path = plot_curves(runs, "CIFAR-3 Net, final settings: what batch norm after fc1 changes",
                       out / "validation_curves.png")
    print(f"wrote {path}")


if __name__ == "__main__":
    utils.run_main(main)
