"""The palindrome part's figures and its REPORT.md block, from the runs' JSON:
accuracy against length (runs/*.json of the sweep), the gradient norms and the
T = 40 measurement (gradients.py), and the tables of the sweep, the RNN's tuning,
the LSTM's ablation and the two sanity runs (train_*.json)."""
from pathlib import Path

import numpy as np

import plots
import store
from palindrome.configs import ABLATION

MODELS = (("RNN", "tab:blue"), ("LSTM", "tab:orange"))
CHANCE = 0.1
INIT_NAMES = {"one": "b_f = 1", "chrono": "chrono"}  # the LSTM's forget-gate inits
# How a run stops (palindrome/training.py's Plateau), in the report's words.
STOPS = {"solved": "solved", "plateau": "on a plateau", "cap": "at the step limit"}


def by_length(records, model_type, field="test_accuracy"):
    """{T: [field of each seed's run (the run if None), in seed order]} for one model."""
    table = {}
    for run in sorted(records, key=lambda r: (r["palindrome_length"], r["seed"])):
        if run["model_type"] == model_type:
            table.setdefault(run["palindrome_length"], []).append(
                run if field is None else run[field])
    return table


def plot_accuracy(records, path):
    """Test accuracy against T: every seed's run as a circle, the mean as a
    line, the min-max band shaded, the two models side by side at each T. The
    right panel repeats the top 1% of the scale, where the LSTM's band lies. Runs
    without a test accuracy (a sweep on validation only) are left out; with fewer
    than two lengths left there is no curve to draw, and no figure."""
    records = [run for run in records if run["test_accuracy"] is not None]
    if len({run["palindrome_length"] for run in records}) < 2:
        return
    fig, axes = plots.subplots(1, 2, figsize=(10, 4.6), gridspec_kw={"width_ratios": (3, 2)})
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
    main.set(ylabel="test accuracy of the last digit", ylim=(0, 1.05),
             title="Accuracy against length (circles: one run each)")
    zoom.set(ylabel="test accuracy of the last digit", ylim=(0.99, 1.0005),
             title="The same, accuracy 0.99 to 1")
    main.legend(loc="center left", fontsize=9)  # between the curves at 1 and chance
    plots.save_figure(fig, path)


def plot_learning_curve(record, title, path):
    """One run's training loss and validation accuracy at every check."""
    steps = [h["step"] for h in record["history"]]
    fig, (loss_ax, acc_ax) = plots.subplots(1, 2, figsize=(10, 3.8))
    loss_ax.plot(steps, [h["loss"] for h in record["history"]], ".-")
    loss_ax.set(xlabel="training step", ylabel="mean cross-entropy since the last check",
                title="training loss")
    acc_ax.plot(steps, [h["validation_accuracy"] for h in record["history"]], ".-")
    acc_ax.axhline(CHANCE, color="gray", linestyle="--", lw=1, label="chance (0.1)")
    acc_ax.set(xlabel="training step", ylabel="validation accuracy", ylim=(0, 1.05),
               title="validation accuracy")
    acc_ax.legend(fontsize=8)
    fig.suptitle(title, fontsize="medium")
    plots.save_figure(fig, path)


def plot_gradients(norms, num_hidden, path):
    """||dL/dh(t)|| over t for the untrained RNN and LSTM, on a log scale."""
    fig, ax = plots.subplots()
    for model_type, color in MODELS:
        ax.semilogy(range(1, len(norms[model_type]) + 1), norms[model_type], color=color,
                    label=model_type)
    length = len(norms["RNN"]) + 1
    ax.set(xlabel="time step t", ylabel="||dL/dh(t)|| (batch of 256)",
           title="Gradient reaching h(t) from the loss at the last step\n"
                 f"(untrained, T = {length}, hidden {num_hidden})")
    ax.legend()
    plots.save_figure(fig, path)


def plot_collapse(records, path):
    """The LSTM at T = 40 under each forget-gate initialisation, one quantity per panel:
    the gradient reaching the first digit and the cell path's gain over training, the
    forget gate over t before and after, and validation accuracy."""
    fig, axes = plots.subplots(2, 2, figsize=(10, 8))
    (grad_ax, gain_ax), (gate_ax, acc_ax) = axes
    for (name, run), color in zip(records.items(), ("tab:red", "tab:green")):
        steps = [0] + [h["step"] for h in run["history"]]
        probes = [run["probe_at_start"]] + run["history"]
        label = INIT_NAMES[name]
        grad_ax.semilogy(steps, [p["grad_x1"] for p in probes], color=color, label=label)
        gain_ax.semilogy(steps, [p["cell_gain"] for p in probes], color=color, label=label)
        t = range(1, len(probes[0]["forget_mean"]) + 1)
        gate_ax.plot(t, probes[0]["forget_mean"], color=color, ls="--", label=f"{label}: untrained")
        gate_ax.plot(t, probes[-1]["forget_mean"], color=color,
                     label=f"{label}: after step {steps[-1]}")
        acc_ax.plot(steps[1:], [h["validation_accuracy"] for h in run["history"]], ".-", ms=4,
                    color=color, label=label)
    length = run["palindrome_length"]
    grad_ax.set(xlabel="training step", ylabel="||dL/dx(1)|| (log scale)",
                title="Gradient reaching the first digit x(1)")
    gain_ax.set(xlabel="training step", ylabel="f(2)·f(3)⋯f(T-1) (log scale)",
                title="Cell path from c(1): product of forget gates")
    gate_ax.set(xlabel="time step t", ylabel="forget gate f(t), mean", ylim=(0, 1.02),
                title="Forget gate over the sequence")
    acc_ax.axhline(CHANCE, color="gray", linestyle="--", lw=1, label="chance (0.1)")
    acc_ax.set(xlabel="training step", ylabel="validation accuracy", ylim=(0, 1.05),
               title="Learning curve")
    for ax in axes.flat:
        ax.legend(fontsize=9, loc="lower left" if ax is gate_ax else "best")
    fig.suptitle(f"LSTM at T = {length}, forget bias b_f = 1 against chrono. f(t): the forget "
                 "gate at step t. Every curve is a mean over\nunits and 256 validation "
                 "palindromes (for f(2)⋯f(T-1), of the product per unit and palindrome)",
                 fontsize=10)
    plots.save_figure(fig, path)


def stop_counts(runs):
    """How `runs` stopped, in words: "2 solved, 1 on a plateau"."""
    counts = {stop: sum(r["stop"] == stop for r in runs) for stop in STOPS}
    return ", ".join(f"{count} {STOPS[stop]}" for stop, count in counts.items() if count)


def sweep_table(records):
    """Per model: mean and min-max test accuracy by T; last, a line saying which
    runs did not stop solved."""
    models = [m for m, _ in MODELS if any(r["model_type"] == m for r in records)]
    lengths = sorted({r["palindrome_length"] for r in records})
    lines = ["| model | " + " | ".join(f"T={t}" for t in lengths) + " |",
             "|---|" + "---:|" * len(lengths)]
    unsolved = {"plateau": [], "cap": []}
    for model_type in models:
        found = {stop: [] for stop in unsolved}
        runs = by_length(records, model_type, field=None)
        mean, spread = [model_type], ["min-max"]
        for t in lengths:
            accuracies = [r["test_accuracy"] for r in runs.get(t, [])]
            mean.append(f"**{np.mean(accuracies):.3f}**" if accuracies else "-")
            spread.append(f"{min(accuracies):.3f}-{max(accuracies):.3f}" if accuracies else "-")
            for stop, where in found.items():
                count = sum(r["stop"] == stop for r in runs.get(t, []))
                if count:
                    where.append(f"T={t} ({count})")
        for stop, where in found.items():
            if where:
                unsolved[stop].append(f"{model_type} at " + ", ".join(where))
        lines += ["| " + " | ".join(row) + " |" for row in (mean, spread)]
    settings = records[0]["settings"]
    plateau, cap = (", ".join(unsolved[stop]) or "none" for stop in ("plateau", "cap"))
    caps = " or ".join(f"{c:,}" for c in sorted({step_cap(r) for r in records}))
    lines.append(f"Stopped on a plateau (best validation accuracy up < {settings['min_gain']} "
                 f"in {settings['plateau_steps']:,} steps): {plateau}; at the step limit "
                 f"({caps} steps): {cap}; all others solved ({settings['val_size']:,} validation "
                 "palindromes all right).")
    return lines


def ablation_table(records):
    """One row per variant of the T = 50 ablation: test accuracy, the steps of the
    solved runs, how the runs stopped."""
    lines = ["| T = 50, LSTM | test accuracy, mean (min-max) | steps to solve (mean) | "
             "runs stopped |", "|---|---:|---:|---:|"]
    for variant, changes in ABLATION.values():
        runs = [r for r in records if r["changes"] == changes]
        if not runs:
            continue
        accuracies = [r["test_accuracy"] for r in runs]
        solved = [r["best_step"] for r in runs if r["stop"] == "solved"]
        steps = f"{np.mean(solved):,.0f}" if solved else "-"
        lines.append(f"| {variant} | **{np.mean(accuracies):.3f}** ({min(accuracies):.3f}-"
                     f"{max(accuracies):.3f}) | {steps} | {stop_counts(runs)} |")
    return lines


def collapse_lines(collapse):
    """The probe's numbers for each initialisation, untrained → at the end."""
    lines = []
    for name, run in collapse["runs"].items():
        start, end = run["probe_at_start"], run["history"][-1]
        lines.append(
            f"- {INIT_NAMES[name]} (step 0 → {end['step']}): mean f "
            f"{np.mean(start['forget_mean']):.2f} → {np.mean(end['forget_mean']):.2f}; "
            f"product of forget gates f(2)⋯f(T-1) {start['cell_gain']:.1e} → "
            f"{end['cell_gain']:.1e}; ||dL/dx(1)|| {start['grad_x1']:.1e} → "
            f"{end['grad_x1']:.1e}; {run['stop']}.")
    return lines


def finished(folder, pattern):
    """The finished runs among the JSON files matching `pattern` in `folder`."""
    runs = (store.load_json(path) for path in sorted(folder.glob(pattern)))
    return [run for run in runs if run.get("finished")]


def step_cap(run):
    return run["settings"][f"{run['model_type'].lower()}_train_steps"]


def settings_text(run):
    """A run's model-specific settings in words."""
    model, settings = run["model_type"].lower(), run["settings"]
    init = settings[f"{model}_init"]
    return (f"{run['model_type']}: {INIT_NAMES.get(init, f'{init} W_hh')}, "
            f"lr {settings[f'{model}_learning_rate']}, clip {settings[f'{model}_max_norm']:g}")


def tuning_lines(folder):
    """The RNN's tuning runs (validation only) as a grid: W_hh init by (lr, clip);
    each cell the best validation accuracy and its step."""
    runs = finished(folder, "rnn_tuning/*/runs/*.json")
    if not runs:
        return []
    def optimiser(run):
        return run["settings"]["rnn_learning_rate"], run["settings"]["rnn_max_norm"]
    columns = sorted({optimiser(run) for run in runs})
    inits = sorted({run["settings"]["rnn_init"] for run in runs})
    cells = {(run["settings"]["rnn_init"], optimiser(run)): run for run in runs}
    lines = ["", f"| RNN, T = {runs[0]['palindrome_length']}, seed {runs[0]['seed']}: W_hh | "
             + " | ".join(f"lr {lr}, clip {clip:g}" for lr, clip in columns) + " |",
             "|---|" + "---:|" * len(columns)]
    for init in inits:
        row = [cells.get((init, column)) for column in columns]
        lines.append(f"| {init} | " + " | ".join(
            "-" if run is None else
            f"{run['best_validation_accuracy']:.3f} ({run['best_step']:,})" for run in row) + " |")
    lines.append(f"\nBest validation accuracy (its step); no test set; runs {stop_counts(runs)}.")
    return lines


def report_table(results_root):
    """The palindrome block of REPORT.md: the sweep by model and T, the settings,
    the RNN's tuning, the LSTM's ablation, the T = 40 measurement, the sanity runs."""
    folder = Path(results_root) / "palindrome"
    records = finished(folder, "runs/*.json")
    lines = sweep_table(records)
    settings = records[0]["settings"]
    digits = "one-hot" if settings["input_dim"] == 10 else "scalar"
    seeds = ", ".join(str(s) for s in sorted({r["seed"] for r in records}))
    minutes = sum(r["seconds"] for r in records) / 60
    models = "; ".join(settings_text(next(r for r in records if r["model_type"] == m))
                        for m, _ in MODELS if any(r["model_type"] == m for r in records))
    stops = lines.pop()
    lines.append(f"\nTest accuracy, mean (bold) and min-max, seeds {seeds}, "
                 f"{settings['eval_size']:,} palindromes; {digits} digits, hidden "
                 f"{settings['num_hidden']}, batch {settings['batch_size']}, RMSProp; {models}; "
                 f"{minutes:.0f} minutes on one core. {stops}")
    lines += tuning_lines(folder)
    longer = finished(folder, "rnn_longer/runs/*.json")
    for length, runs in by_length(longer, "RNN", field=None).items():
        accuracies = [r["test_accuracy"] for r in runs]
        lines.append(f"\nRNN at T = {length}, same settings: **{np.mean(accuracies):.3f}** "
                     f"({min(accuracies):.3f}-{max(accuracies):.3f}), {stop_counts(runs)}.")
    ablation = finished(folder, "ablation/*.json")
    if ablation:
        lines += ["", *ablation_table(ablation)]
    if (folder / "collapse.json").exists():
        collapse = store.load_json(folder / "collapse.json")
        lines += ["", f"LSTM, T = {collapse['palindrome_length']}, seed "
                      f"{collapse['settings']['seed']}, 256 validation palindromes, means over "
                      "units and batch:", *collapse_lines(collapse)]
    sanity = [(path, store.load_json(path)) for path in sorted(folder.glob("train_*.json"))]
    if sanity:
        done = "; ".join(f"{run['settings']['model_type']} [{run['test_accuracy']:.4f}]"
                         f"(results/palindrome/{path.with_suffix('.png').name}), "
                         f"{run['steps']} steps" for path, run in sanity)
        lines.append(f"\nSanity runs (train.py's defaults, T = "
                     f"{sanity[0][1]['palindrome_length']}"
                     f"): {done}.")
    return "\n".join(lines)
