"""The palindrome part's figures and its REPORT.md block, from the runs' JSON:
accuracy against length (from runs/*.json of the sweep), the gradient norms, and
the table of the sweep and the two sanity runs (train_*.json)."""
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import utils

MODELS = (("RNN", "tab:blue"), ("LSTM", "tab:orange"))
CHANCE = 0.1


def by_length(records, model_type, field="held_out_accuracy"):
    """{T: [field of each seed's run, in seed order]} for one model."""
    table = {}
    for run in sorted(records, key=lambda r: (r["palindrome_length"], r["seed"])):
        if run["model_type"] == model_type:
            table.setdefault(run["palindrome_length"], []).append(run[field])
    return table


def plot_accuracy(records, path):
    """Held-out accuracy against T: every seed's run as a circle, the mean as a
    line, the min-max band shaded, the two models side by side at each T. The
    right panel repeats the top 1% of the scale, where the LSTM's band lies."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), gridspec_kw={"width_ratios": (3, 2)})
    for ax in axes:
        for offset, (model_type, color) in zip((-0.35, 0.35), MODELS):
            accuracies = by_length(records, model_type)
            if not accuracies:
                continue
            lengths = sorted(accuracies)
            x = np.array(lengths) + offset
            runs = [np.array(accuracies[t]) for t in lengths]
            ax.fill_between(x, [a.min() for a in runs], [a.max() for a in runs], color=color,
                            alpha=0.25, lw=0, label=f"{model_type}: min-max over seeds")
            ax.plot(x, [a.mean() for a in runs], "-", color=color, lw=1.5,
                    label=f"{model_type}: mean of {max(len(a) for a in runs)} seeds")
            for t, a in zip(x, runs):
                ax.plot(np.full(len(a), t), a, "o", color=color, ms=4, mfc="none", mew=1.2)
        ax.set_xlabel("palindrome length T (the network sees T-1 digits)")
    main, zoom = axes
    main.axhline(CHANCE, color="gray", linestyle="--", lw=1, label="chance (0.1)")
    main.set(ylabel="held-out accuracy of the last digit", ylim=(0, 1.05),
             title="Accuracy against length (circles: one run each)")
    zoom.set(ylim=(0.99, 1.0005), title="The same, accuracy 0.99 to 1")
    zoom.legend(*main.get_legend_handles_labels(), loc="lower right", fontsize=9)
    utils.save_figure(fig, path)


def plot_gradients(norms, num_hidden, path):
    """||dL/dh(t)|| over t for the untrained RNN and LSTM, on a log scale."""
    fig, ax = plt.subplots()
    for model_type, color in MODELS:
        ax.semilogy(range(1, len(norms[model_type]) + 1), norms[model_type], color=color,
                    label=model_type)
    length = len(norms["RNN"]) + 1
    ax.set(xlabel="time step t", ylabel="||dL/dh(t)|| (batch of 256)",
           title="Gradient reaching h(t) from the loss at the last step\n"
                 f"(untrained, T = {length}, hidden {num_hidden})")
    ax.legend()
    utils.save_figure(fig, path)


def step_cap(run):
    return run["settings"][f"{run['model_type'].lower()}_train_steps"]


def stopped_at_cap(run):
    """True when the run used all its steps without getting the check slice right."""
    return run["steps"] >= step_cap(run) and run["history"][-1]["check_accuracy"] < 1.0


def report_table(results_root):
    """The palindrome block of REPORT.md: per model the mean and min-max held-out
    accuracy by T and how many runs stopped at the step cap; the settings; the
    sanity runs."""
    folder = Path(results_root) / "palindrome"
    records = [utils.load_json(path) for path in sorted((folder / "runs").glob("*.json"))]
    models = [m for m, _ in MODELS if any(r["model_type"] == m for r in records)]
    lengths = sorted({r["palindrome_length"] for r in records})
    lines = ["| model | " + " | ".join(f"T={t}" for t in lengths) + " |",
             "|---|" + "---:|" * len(lengths)]
    caps = {}
    for model_type in models:
        runs = {t: [r for r in records if r["model_type"] == model_type
                    and r["palindrome_length"] == t] for t in lengths}
        caps[model_type] = step_cap(next(r for rs in runs.values() for r in rs))
        mean, spread, capped = [model_type], ["min-max"], ["at cap"]
        for t in lengths:
            accuracies = [r["held_out_accuracy"] for r in runs[t]]
            mean.append(f"**{np.mean(accuracies):.3f}**" if accuracies else "-")
            spread.append(f"{min(accuracies):.3f}-{max(accuracies):.3f}" if accuracies else "-")
            capped.append(f"{sum(map(stopped_at_cap, runs[t]))}/{len(runs[t])}")
        lines += ["| " + " | ".join(row) + " |" for row in (mean, spread, capped)]
    settings = records[0]["settings"]
    digits = "one-hot" if settings["input_dim"] == 10 else "scalar"
    seeds = ", ".join(str(s) for s in sorted({r["seed"] for r in records}))
    cap_text = ", ".join(f"{m} at most {steps} steps" for m, steps in caps.items())
    lines.append(f"\nHeld-out accuracy, mean (bold) and min-max ({settings['eval_size']:,} "
                 f"palindromes; seeds {seeds}); "
                 f"{digits} digits, hidden {settings['num_hidden']}, batch "
                 f"{settings['batch_size']}, RMSProp lr {settings['learning_rate']}. \"at cap\": "
                 f"runs stopped by the step cap ({cap_text}) before {settings['check_size']:,} "
                 "check palindromes were right.")
    sanity = [utils.load_json(path) for path in sorted(folder.glob("train_*.json"))]
    if sanity:
        done = "; ".join(f"{run['settings']['model_type']} {run['held_out_accuracy']:.4f}, "
                         f"{run['steps']} steps" for run in sanity)
        lines.append(f"\nSanity runs (train.py's defaults, T = {sanity[0]['palindrome_length']}"
                     f"): {done}.")
    return "\n".join(lines)
