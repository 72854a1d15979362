"""driver_parity.py's figures: accuracy by string length, the strings wrong at each
length, the training curves of one model, and a sweep over hidden sizes and seeds."""
import plots

import numpy as np


def plot_generalization(curves, max_train_length, title, path, ax=None):
    """Accuracy vs string length, one line per entry of `curves`; dashed line at the
    longest training length, dotted line at chance."""
    fig = None
    if ax is None:
        fig, ax = plots.subplots()
    for label, acc in curves.items():
        ax.plot(range(len(acc)), acc, marker="o", markersize=3, label=label)
    ax.axvline(max_train_length, color="gray", linestyle="--",
               label=f"longest training length ({max_train_length})")
    ax.axhline(0.5, color="black", linestyle=":", linewidth=1, label="chance (0.5)")
    ax.set(xlabel="string length", ylabel="accuracy (every string of that length)",
           ylim=(0.0, 1.05), xticks=range(0, max(len(acc) for acc in curves.values()), 2),
           title=title)
    ax.legend(fontsize=8)
    if fig is not None:
        plots.save_figure(fig, path)


def plot_run_generalization(acc_by_length, label, max_train_length, path):
    """Q6 figure: accuracy by length, and beside it how many strings of each length
    are wrong (errors of a few in a million are invisible on the accuracy scale)."""
    fig, (acc_ax, wrong_ax) = plots.subplots(1, 2, figsize=(12, 4.5))
    plot_generalization({label: acc_by_length}, max_train_length,
                        f"{label}: accuracy on every string of each length", None, ax=acc_ax)
    wrong = [round((1 - acc) * 2 ** length) for length, acc in enumerate(acc_by_length)]
    wrong_ax.bar(range(len(wrong)), wrong, color="tab:red", label="misclassified strings")
    wrong_ax.plot(range(len(wrong)), [2 ** length for length in range(len(wrong))],
                  color="gray", linestyle=":", label="all strings (2^length)")
    wrong_ax.axvline(max_train_length, color="gray", linestyle="--",
                     label=f"longest training length ({max_train_length})")
    wrong_ax.set(xlabel="string length", ylabel="number of strings (log scale)",
                 yscale="symlog", xticks=range(0, len(wrong), 2),
                 title=f"{label}: misclassified strings per length")
    wrong_ax.legend(fontsize=8, loc="upper left")
    plots.save_figure(fig, path)


def plot_training(history, label, max_train_length, path):
    """Training loss (log scale) and accuracy per epoch, with the first epoch at 100%."""
    fig, (loss_ax, acc_ax) = plots.subplots(1, 2, figsize=(11, 4))
    epochs = range(1, len(history["loss"]) + 1)
    loss_ax.plot(epochs, history["loss"], label="training loss")
    loss_ax.axhline(np.log(2), color="black", linestyle=":", linewidth=1, label="chance (ln 2)")
    acc_ax.plot(epochs, history["acc"], color="tab:orange", label="training accuracy")
    acc_ax.axhline(0.5, color="black", linestyle=":", linewidth=1, label="chance (0.5)")
    for ax in (loss_ax, acc_ax):
        if history["epochs_to_fit"] is not None:
            ax.axvline(history["epochs_to_fit"], color="gray", linestyle="--",
                       label=f"first epoch at 100% ({history['epochs_to_fit']})")
        ax.set(xlabel="epoch", xscale="log")
        ax.legend(fontsize=8)
    loss_ax.set(ylabel="cross-entropy", yscale="log",
                title=f"{label}: training loss (lengths 1..{max_train_length})")
    acc_ax.set(ylabel="accuracy", ylim=(0.0, 1.05), title=f"{label}: training accuracy")
    plots.save_figure(fig, path)


def plot_sweep(records, max_train_length, path):
    """Left: mean accuracy by length over the seeds of each hidden size; middle: the
    same, zoomed in; right: epochs to fit per seed (runs that never fit as crosses)."""
    groups = {}
    for record in records:
        groups.setdefault(record["hidden_dim"], []).append(record)
    fig, (left, middle, right) = plots.subplots(1, 3, figsize=(17, 4.8))
    curves = {f"hidden {size}": np.mean([r["acc_by_length"] for r in group], axis=0)
              for size, group in groups.items()}
    plot_generalization(curves, max_train_length, "mean accuracy over seeds", None, ax=left)
    longest = len(next(iter(curves.values()))) - 1
    lowest = min(float(np.min(curve[1:])) for curve in curves.values())
    plot_generalization(curves, max_train_length,
                        f"the same, zoomed in (lengths 1..{longest})", None, ax=middle)
    middle.set(ylim=(min(0.95, lowest - 0.01), 1.002), xlim=(0.5, longest + 0.5))
    middle.get_legend().remove()
    ceiling = max(r["epochs_trained"] for r in records)
    for position, group in enumerate(groups.values()):
        fitted = [r["epochs_to_fit"] for r in group if r["fit"]]
        failed = len(group) - len(fitted)
        right.scatter([position] * len(fitted), fitted, color="tab:blue", s=18, alpha=0.7,
                      label="seed that fit" if position == 0 else None)
        if failed:
            right.scatter([position], [ceiling * 1.2], color="tab:red", marker="x",
                          label="seeds that never fit (count)" if position == 0 else None)
            right.annotate(f"{failed}", (position + 0.12, ceiling * 1.2), fontsize=8,
                           color="tab:red", va="center")
        right.annotate(f"{len(fitted)}/{len(group)}", (position, ceiling * 1.8), ha="center",
                       fontsize=8)
    right.set(xticks=range(len(groups)), xticklabels=list(groups), yscale="log",
              ylim=(None, ceiling * 2.4), xlabel="hidden size",
              ylabel="epochs to 100% training accuracy",
              title="epochs to fit (seeds that fit, out of all, on top)")
    right.legend(fontsize=8, loc="lower left")
    plots.save_figure(fig, path)
