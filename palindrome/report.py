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


def sweep_settings_line(model_type, settings):
    steps = settings[f"{model_type.lower()}_train_steps"]
    digits = "one-hot" if settings["input_dim"] == 10 else "scalar"
    return (f"{model_type}: {digits} digits, hidden {settings['num_hidden']}, batch "
            f"{settings['batch_size']}, RMSProp lr {settings['learning_rate']}, at most {steps} "
            f"steps (stopping once {settings['check_size']} held-out palindromes are all right).")


def report_table(results_root):
    """The palindrome block of REPORT.md: accuracy by T and model, the steps each
    run took, the settings, and the sanity runs."""
    folder = Path(results_root) / "palindrome"
    records = [utils.load_json(path) for path in sorted((folder / "runs").glob("*.json"))]
    models = [m for m, _ in MODELS if any(r["model_type"] == m for r in records)]
    lengths = sorted({r["palindrome_length"] for r in records})
    lines = ["| model | " + " | ".join(f"T={t}" for t in lengths) + " |",
             "|---|" + "---|" * len(lengths)]
    for model_type in models:
        accuracies = by_length(records, model_type)
        cells = [f"{np.mean(a):.3f} ({min(a):.3f}-{max(a):.3f})" if (a := accuracies.get(t))
                 else "-" for t in lengths]
        lines.append(f"| {model_type} | " + " | ".join(cells) + " |")
    for model_type in models:
        steps = by_length(records, model_type, "steps")
        listed = "; ".join(f"{t}: {', '.join(map(str, s))}" for t, s in steps.items())
        lines.append(f"\n{model_type} training steps per seed (by T): {listed}.")
    for model_type in models:
        run = next(r for r in records if r["model_type"] == model_type)
        lines.append("\n" + sweep_settings_line(model_type, run["settings"]))
    seeds = sorted({r["seed"] for r in records})
    minutes = sum(r["seconds"] for r in records) / 60
    lines.append(f"\nHeld-out accuracy on {records[0]['settings']['eval_size']:,} palindromes, "
                 f"mean (min-max) over seeds {seeds}; {minutes:.1f} single-thread minutes of "
                 "training in all.")
    sanity = sorted(folder.glob("train_*.json"))
    if sanity:
        lines += ["",
                  "| sanity run (exercise defaults) | T | steps | held-out accuracy | seconds |",
                  "|---|---|---|---|---|"]
        for path in sanity:
            run = utils.load_json(path)
            lines.append(f"| {run['settings']['model_type']} | {run['palindrome_length']} "
                         f"| {run['steps']} | {run['held_out_accuracy']:.4f} "
                         f"| {run['seconds']:.0f} |")
    return "\n".join(lines)
