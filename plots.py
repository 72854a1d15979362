"""Figures: the look every PNG shares, saving (atomic), and the plots that two
parts draw alike (smoothed curves, confusion matrices)."""
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

import store

STYLE = {
    "figure.figsize": (7, 4.5),
    "figure.dpi": 100,
    "savefig.dpi": 120,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "font.size": 10,
}


def subplots(*args, **kwargs):
    """plt.subplots in the style every figure shares, on the Agg backend: scripts run
    headless and save PNGs, so no window ever opens."""
    matplotlib.use("Agg")
    plt.rcParams.update(STYLE)
    return plt.subplots(*args, **kwargs)


def moving_average(values, window):
    """Trailing moving average of a curve: point i is the mean of the last `window`
    values up to i (fewer at the start), so it never looks ahead."""
    values = np.asarray(values, dtype=float)
    cumulative = np.cumsum(np.insert(values, 0, 0.0))
    ends = np.arange(1, len(values) + 1)
    starts = np.maximum(0, ends - window)
    return (cumulative[ends] - cumulative[starts]) / (ends - starts)


def save_figure(fig, path):
    """Save `fig` as a PNG (atomically) and close it."""
    path = Path(path)
    fig.tight_layout()
    with store.atomic_write(path, "wb") as handle:
        fig.savefig(handle, format="png")
    plt.close(fig)
    return path


def plot_confusion(counts, classes, title, path, xlabel="predicted class", ylabel="true class",
                   annotate=True, figsize=(5, 4.3)):
    """Save a confusion matrix counts[true, predicted] as a PNG: colours are the
    fraction of each true class (rows sum to 1); with `annotate`, every cell
    also shows its count and that fraction (readable for a few classes only)."""
    counts = np.asarray(counts)
    rates = counts / np.maximum(counts.sum(1, keepdims=True), 1)
    fig, ax = subplots(figsize=figsize)
    image = ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    if annotate:
        for (i, j), count in np.ndenumerate(counts):
            ax.text(j, i, f"{count}\n{rates[i, j]:.1%}", ha="center", va="center",
                    color="white" if rates[i, j] > 0.5 else "black", fontsize=9)
    ax.set_xticks(range(len(classes)), classes, rotation=90 if len(classes) > 6 else 0)
    ax.set_yticks(range(len(classes)), classes)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.grid(False)
    fig.colorbar(image, ax=ax, label="fraction of the true class")
    return save_figure(fig, path)
