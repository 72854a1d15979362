"""Accuracy against palindrome length for both models (Q1.3, Q1.6), and why the
vanilla RNN forgets: the gradient norm ||dL/dh(t)|| over t at T = 100.

    python palindrome/experiment.py --models RNN,LSTM --lengths 5,10,15,20 --seeds 3
    python palindrome/experiment.py --quick

Every (model, T, seed) training run is saved as runs/<model>_T<T>_seed<seed>.json
under the output folder and skipped when run again with the same settings (or
only a higher step cap than a converged run needed), so the sweep can be split
over processes (e.g. one per model), resumed, and extended. At the
end the script gathers every run in the folder into summary.json
({"RNN": {"<T>": [accuracy per seed]}, "LSTM": {...}, "settings": {...}}) and
draws accuracy_vs_length.png and gradient_norms.png (with their numbers as JSON).
"""
import argparse
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import nn

import utils
from palindrome.dataset import PalindromeDataset
from palindrome.train import MODELS, NUM_DIGITS, add_training_args, check_settings, encode, quick_settings, train

CHANCE = 1 / NUM_DIGITS
GRADIENT_LENGTH = 100
SWEEP_SETTINGS = ("input_dim", "one_hot", "num_classes", "num_hidden", "batch_size", "learning_rate",
                  "train_steps", "max_norm", "eval_size", "eval_every", "check_size", "stop_accuracy")


def run_path(out, model_type, length, seed):
    return out / "runs" / f"{model_type}_T{length}_seed{seed}.json"


def same_run(saved, wanted):
    """Whether the saved run is the one training with the `wanted` settings would give.

    Yes if the settings match; also if they differ only in the step cap and the
    saved run stopped early (its check accuracy reached --stop_accuracy) at a step
    within the wanted cap: training is seeded and the cap only bounds the loop, so
    such a run repeats step for step under any cap it did not reach.
    """
    settings = saved["settings"]
    if any(settings.get(k) != v for k, v in wanted.items() if k != "train_steps"):
        return False
    converged = saved["history"][-1]["check_accuracy"] >= settings["stop_accuracy"]
    return settings["train_steps"] == wanted["train_steps"] or (converged and saved["steps"] <= wanted["train_steps"])


def run_sweep(config, models, lengths, seeds, out):
    """Train every (model, T, seed) not already saved as the run these settings give
    (a converged run is kept when only the step cap changed; its recorded cap is
    then set to the new one, so the files match those of a fresh sweep)."""
    for model_type in models:
        for length in lengths:
            for seed in seeds:
                path = run_path(out, model_type, length, seed)
                wanted = {**{k: getattr(config, k) for k in SWEEP_SETTINGS},
                          "model_type": model_type, "input_length": length - 1, "seed": seed}
                saved = utils.load_json(path) if path.exists() else None
                if saved is not None and same_run(saved, wanted):
                    if saved["settings"]["train_steps"] != wanted["train_steps"]:
                        saved["settings"]["train_steps"] = wanted["train_steps"]
                        utils.save_json(saved, path)
                    print(f"have {path.name}")
                    continue
                run_config = argparse.Namespace(**{**vars(config), **wanted})
                utils.save_json(train(run_config, utils.pick_device(config.device)), path)


def summarize(out):
    """summary.json from every saved run: accuracy per seed by model and T."""
    runs = [utils.load_json(p) for p in sorted((out / "runs").glob("*.json"))]
    if not runs:
        raise utils.UserError(f"no runs in {out / 'runs'}; run the sweep first")
    summary = {"RNN": {}, "LSTM": {}, "steps": {"RNN": {}, "LSTM": {}}, "seconds": {"RNN": {}, "LSTM": {}}}
    for run in sorted(runs, key=lambda r: (r["palindrome_length"], r["settings"]["seed"])):
        model_type, length = run["settings"]["model_type"], str(run["palindrome_length"])
        summary[model_type].setdefault(length, []).append(run["held_out_accuracy"])
        summary["steps"][model_type].setdefault(length, []).append(run["steps"])
        summary["seconds"][model_type].setdefault(length, []).append(run["seconds"])
    # settings per model: the two models' sweeps may run (in parallel) with different step caps
    summary["settings"] = {r["settings"]["model_type"]: {k: r["settings"][k] for k in SWEEP_SETTINGS}
                           for r in runs}
    summary["settings"]["seeds"] = sorted({r["settings"]["seed"] for r in runs})
    summary["total_seconds"] = round(sum(r["seconds"] for r in runs), 1)
    utils.save_json(summary, out / "summary.json")
    return summary


def plot_accuracy(summary, out):
    """Mean held-out accuracy against T with the min-max band over seeds, per model."""
    fig, ax = plt.subplots()
    for model_type, color in (("RNN", "tab:blue"), ("LSTM", "tab:orange")):
        by_length = summary[model_type]
        if not by_length:
            continue
        lengths = sorted(by_length, key=int)
        accs = [np.array(by_length[t]) for t in lengths]
        x = [int(t) for t in lengths]
        ax.plot(x, [a.mean() for a in accs], "o-", color=color,
                label=f"{model_type} (mean over {max(len(a) for a in accs)} seeds)")
        ax.fill_between(x, [a.min() for a in accs], [a.max() for a in accs], color=color, alpha=0.2,
                        label=f"{model_type} min-max over seeds")
    ax.axhline(CHANCE, color="gray", linestyle="--", label="chance (0.1)")
    settings = next(summary["settings"][m] for m in ("LSTM", "RNN") if m in summary["settings"])
    ax.set(xlabel="palindrome length T (the network sees T-1 digits)", ylabel="held-out accuracy of the last digit",
           ylim=(0, 1.05), title=f"Palindromes: accuracy vs length (hidden {settings['num_hidden']}, "
                                 f"{'one-hot' if settings['one_hot'] else 'scalar'} digits)")
    ax.legend(loc="lower left")
    utils.save_figure(fig, out / "accuracy_vs_length.png")


def gradient_norms(config, length=GRADIENT_LENGTH, batch_size=256):
    """||dL/dh(t)|| for t = 1..T-1 of an untrained RNN and LSTM (same seed, same batch).

    Computed in float64: the RNN's gradient at early steps underflows float32 to 0.
    """
    digits, labels = PalindromeDataset(length, seed=config.seed).batch(batch_size)
    inputs = encode(digits, config.one_hot).double()
    norms = {}
    for model_type, model_class in MODELS.items():
        utils.seed_everything(config.seed)
        model = model_class(length - 1, inputs.shape[-1] if config.one_hot else 1, config.num_hidden,
                            config.num_classes).double()
        logits, states = model(inputs, keep_states=True)
        grads = torch.autograd.grad(nn.functional.cross_entropy(logits, labels), states)
        norms[model_type] = [g.norm().item() for g in grads]
    return norms


def plot_gradients(norms, out, num_hidden):
    fig, ax = plt.subplots()
    for model_type, color in (("RNN", "tab:blue"), ("LSTM", "tab:orange")):
        ax.semilogy(range(1, len(norms[model_type]) + 1), norms[model_type], color=color, label=model_type)
    length = len(norms["RNN"]) + 1
    ax.set(xlabel="time step t", ylabel="||dL/dh(t)|| (batch of 256)",
           title=f"Gradient reaching h(t) from the loss at the last step\n(untrained, T = {length}, hidden {num_hidden})")
    ax.legend()
    utils.save_json({"palindrome_length": length, "num_hidden": num_hidden, "norms": norms},
                    out / "gradient_norms.json")
    utils.save_figure(fig, out / "gradient_norms.png")


def report_table(results_root):
    """The palindrome block of REPORT.md: accuracy by T and model, sanity runs."""
    folder = Path(results_root) / "palindrome"
    summary = utils.load_json(folder / "summary.json")
    lengths = sorted({t for m in ("RNN", "LSTM") for t in summary[m]}, key=int)
    lines = ["| model | " + " | ".join(f"T={t}" for t in lengths) + " |", "|---|" + "---|" * len(lengths)]
    for model_type in ("RNN", "LSTM"):
        cells = []
        for t in lengths:
            accs = summary[model_type].get(t)
            cells.append("-" if not accs else f"{np.mean(accs):.3f} ({min(accs):.3f}-{max(accs):.3f})")
        lines.append(f"| {model_type} | " + " | ".join(cells) + " |")
    for model_type in ("RNN", "LSTM"):
        steps = [f"{t}: {', '.join(str(s) for s in summary['steps'][model_type][t])}"
                 for t in lengths if t in summary["steps"][model_type]]
        lines.append(f"\n{model_type} training steps per seed (by T): {'; '.join(steps)}.")
    for model_type in ("RNN", "LSTM"):
        settings = summary["settings"].get(model_type)
        if settings:
            lines.append(f"\n{model_type}: {'one-hot' if settings['one_hot'] else 'scalar'} digits, hidden "
                         f"{settings['num_hidden']}, batch {settings['batch_size']}, RMSProp lr "
                         f"{settings['learning_rate']}, at most {settings['train_steps']} steps (stopping once "
                         f"{settings['check_size']} held-out palindromes are all right).")
    lines.append(f"\nHeld-out accuracy on {settings['eval_size']:,} palindromes, mean (min-max) over seeds "
                 f"{summary['settings']['seeds']}; {summary['total_seconds'] / 60:.1f} single-thread minutes "
                 f"of training in all.")
    sanity = sorted(folder.glob("train_*.json"))
    if sanity:
        lines += ["", "| sanity run (exercise defaults) | T | steps | held-out accuracy | seconds |",
                  "|---|---|---|---|---|"]
        for path in sanity:
            run = utils.load_json(path)
            lines.append(f"| {run['settings']['model_type']} | {run['palindrome_length']} | {run['steps']} "
                         f"| {run['held_out_accuracy']:.4f} | {run['seconds']:.0f} |")
    return "\n".join(lines)


def main():
    parser = add_training_args(argparse.ArgumentParser(description=__doc__,
                                                       formatter_class=argparse.RawDescriptionHelpFormatter))
    parser.add_argument("--models", default="RNN,LSTM", help="comma-separated: RNN, LSTM (default: both)")
    parser.add_argument("--lengths", default="5,10,15,20,25,30",
                        help="comma-separated palindrome lengths T (default: 5,10,15,20,25,30)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 per point (default: 3)")
    config = utils.add_common_args(parser, "palindrome").parse_args()
    models = [m.strip() for m in config.models.split(",") if m.strip()]
    if unknown := sorted(set(models) - set(MODELS)):
        raise utils.UserError(f"unknown model(s) {', '.join(unknown)}; choose from {', '.join(MODELS)}")
    try:
        lengths = [int(t) for t in config.lengths.split(",")]
    except ValueError:
        raise utils.UserError(f"--lengths must be comma-separated integers, got {config.lengths!r}") from None
    if min(lengths) < 2:
        raise utils.UserError("every palindrome length must be at least 2")
    check_settings(config)
    if config.quick:
        quick_settings(config)
        lengths, config.seeds = [5], 1
    out = utils.output_dir(config)
    run_sweep(config, models, lengths, range(config.seeds), out)
    summary = summarize(out)
    plot_accuracy(summary, out)
    plot_gradients(gradient_norms(config), out, config.num_hidden)
    print(f"wrote {out / 'summary.json'}, accuracy_vs_length.png, gradient_norms.png")


if __name__ == "__main__":
    utils.run_main(main)
