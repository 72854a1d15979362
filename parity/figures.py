"""driver_parity.py's figures: accuracy by string length, the strings wrong at each
length, the training curves of one model, and a sweep over hidden sizes and seeds."""
import numpy as np
from matplotlib.ticker import FuncFormatter

import plots


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


# One look per hidden size (marker, line style), so that lines lying on each other stay
# apart: the earlier, wider and hollower ones show around the later ones.
MARKERS, STYLES = "osD^vPX", ("-", "--", "-.", ":")


def plot_sweep(records, max_train_length, path):
    """Top: mean accuracy over the seeds by length for each hidden size, on the whole
    scale and zoomed in; bottom: epochs to fit for every seed that fit, with how many
    fit under each size. Length 0 is one string (the empty one), so its mean is only
    the share of seeds right on it: drawn apart, not joined to the curve."""
    groups = {}
    for record in records:
        groups.setdefault(record["hidden_dim"], []).append(record)
    fig = plots.subplots(figsize=(10, 9))[0]
    fig.axes[0].remove()
    grid = fig.add_gridspec(3, 2, height_ratios=(3, 0.6, 2.4))
    full, zoom = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    key, fits = fig.add_subplot(grid[1, :]), fig.add_subplot(grid[2, :])
    curves = {size: np.mean([r["acc_by_length"] for r in group], axis=0)
              for size, group in groups.items()}
    longest = len(next(iter(curves.values()))) - 1
    for k, (size, curve) in enumerate(curves.items()):
        look = dict(color=f"C{k}", marker=MARKERS[k % len(MARKERS)], markerfacecolor="none",
                    markersize=3.5 + 0.9 * (len(curves) - 1 - k),
                    linewidth=1 + 0.3 * (len(curves) - 1 - k))
        for ax in (full, zoom):
            ax.plot(range(1, longest + 1), curve[1:], linestyle=STYLES[k % len(STYLES)],
                    label=f"hidden {size}", **look)
        full.plot([0], curve[:1], linestyle="none", **look)
    full.plot([], [], color="gray", marker="o", markerfacecolor="none", linestyle="none",
              label="length 0: the empty string, one string,\nso the share of seeds right on it")
    full.axhline(0.5, color="black", linestyle=":", linewidth=1, label="chance (0.5)")
    lowest = min(float(np.min(curve[1:])) for curve in curves.values())
    floor = max(0.95, round(lowest - 0.005, 3))
    for ax in (full, zoom):
        ax.axvline(max_train_length, color="gray", linestyle="--", linewidth=1,
                   label=f"longest training length ({max_train_length})")
        ax.set(xlabel="string length", xticks=range(0, longest + 1, 2))
    full.set(ylabel="mean accuracy over seeds\n(every string of that length)",
             ylim=(0.0, 1.05), title="accuracy by length")
    zoom.set(ylim=(floor, 1 + (1 - floor) * 0.04), xlim=(0.5, longest + 0.5),
             title=f"the same, {floor:g} to 1 (lengths 1..{longest})")
    key.axis("off")
    key.legend(*full.get_legend_handles_labels(), loc="center", ncol=4, fontsize=9)
    for position, group in enumerate(groups.values()):
        fitted = sorted(r["epochs_to_fit"] for r in group if r["fit"])
        fits.scatter(position + np.linspace(-0.15, 0.15, len(fitted)) if len(fitted) > 1
                     else [position] * len(fitted), fitted, color="tab:blue", s=30, alpha=0.8)
    fits.set(xticks=range(len(groups)), xlim=(-0.5, len(groups) - 0.5),
             xticklabels=[f"{size}\n{sum(r['fit'] for r in group)}/{len(group)} fit"
                          for size, group in groups.items()],
             xlabel="hidden size (seeds that fit 100% of the training set)",
             ylabel="epochs to 100%\ntraining accuracy",
             title="epochs to fit, one dot per seed that fit")
    if any(r["fit"] for r in records):
        fits.set_yscale("log")
        for axis in (fits.yaxis.set_major_formatter, fits.yaxis.set_minor_formatter):
            axis(FuncFormatter(lambda value, _: f"{value:g}"))
    else:
        fits.text(0.5, 0.5, "no seed fit", transform=fits.transAxes, ha="center")
    plots.save_figure(fig, path)
