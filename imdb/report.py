"""REPORT.md's tables for sections 6 (IMDb classifiers) and 7 (autoregressive
LSTMs), from the runs' JSON files; as a script, the IMDb summary and figure.

    python imdb/report.py                # reads and writes runs/imdb/ (--out: another)
    python imdb/report.py --quick        # the same for runs/quick/imdb/

The IMDb tables read every finished <config>_<val|final>_seed<S>[_<tag>].json that
imdb/classify.py wrote: per Q4 model (imdb/configs.Q4_MODELS) the untagged validation
run of its config (the chosen settings) and its test runs, and every validation run
as a row of the tuning table, under the model it tunes; those of imdb/nbsvm.py, the
baseline: its validation runs (the one with the default config's settings is the chosen
one) and its test run; and those of imdb/ngram_mlp.py: its validation runs (the untagged
one is the chosen setting, the tagged ones its ablation) and its test runs; and those
of imdb/ensemble.py: its validation run (accuracy by weight, and with the n-gram MLP's
ablation) and its test runs. The autoregressive table reads every <config>[_<tag>].json
of imdb/autoregressive.py.
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import argparse
import statistics
from pathlib import Path


import store
from imdb.configs import AUTOREGRESSIVE, CLASSIFY, NBSVM, NGRAM_MLP, Q4_MODELS
from imdb.data_rnn import entropy_per_token
import plots


def read_runs(folder, script):
    """The finished runs of `script` in `folder`, each with its file stem as "file"."""
    runs = []
    for path in sorted(Path(folder).glob("*.json")):
        run = store.load_json(path)
        if isinstance(run, dict) and run.get("script") == script and run.get("complete"):
            runs.append(run | {"file": path.stem})
    return runs


# --- IMDb (section 6) -------------------------------------------------------------

HANDOUT_SIZES = ("q2", "q3")  # the configs of Q2 and Q3, at the handout's sizes


def tuned_model(settings):
    """The Q4 model a validation run tunes: its config's, or for a tuning-only config
    (lstm_uni) the first Q4 model with the same layer 2."""
    if settings["config"] in Q4_MODELS:
        return settings["config"]
    return next(config for config in Q4_MODELS
                if CLASSIFY[config]["model"] == settings["model"])


def summarize(folder):
    """{"models": {model: validation and test numbers of its config}, "handout_sizes":
    the Q2 and Q3 runs, "tuning": every validation run of Q4, the chosen ones marked}."""
    runs = read_runs(folder, "imdb/classify.py")
    untagged = [r for r in runs if not r["settings"]["tag"]]
    models = {}
    for model in Q4_MODELS:
        mine = [r for r in untagged if r["settings"]["config"] == model]
        val = [r for r in mine if r["split"] == "val" and r["seed"] == 0]
        finals = sorted((r for r in mine if r["split"] == "final"), key=lambda r: r["seed"])
        if not val and not finals:
            continue
        chosen = (val or finals)[0]
        models[model] = {
            "val_acc": val[0]["val_acc"] if val else None,
            "val_acc_by_epoch": [h["val_acc"] for h in val[0]["history"]] if val else [],
            "test_acc": [r["test_acc"] for r in finals],
            "test_acc_mean": statistics.mean(r["test_acc"] for r in finals) if finals else None,
            "seeds": [r["seed"] for r in finals],
            "settings": chosen["settings"],
            "padding_fraction": chosen["padding_fraction"],
            "random_padding_fraction": chosen["random_padding_fraction"],
            "seconds": statistics.mean(r["seconds"] for r in finals) if finals else None,
            "cpu_seconds": statistics.mean(r["cpu_seconds"] for r in finals) if finals else None,
            "val_seconds": val[0]["seconds"] if val else None,
            "val_cpu_seconds": val[0]["cpu_seconds"] if val else None,
        }
    handout = {config: next((r for r in untagged if r["settings"]["config"] == config
                             and r["split"] == "val"), None) for config in HANDOUT_SIZES}
    tuning = [{"run": r["file"], "model": tuned_model(r["settings"]), "settings": r["settings"],
               "chosen": r["settings"]["config"] in Q4_MODELS and not r["settings"]["tag"],
               "val_acc": r["val_acc"], "val_acc_by_epoch": [h["val_acc"] for h in r["history"]],
               "seconds": r["seconds"], "cpu_seconds": r["cpu_seconds"]}
              for r in runs if r["split"] == "val" and r["seed"] == 0
              and r["settings"]["config"] not in HANDOUT_SIZES]
    tuning.sort(key=lambda t: (list(Q4_MODELS).index(t["model"]), not t["chosen"], t["run"]))
    return {"models": models, "tuning": tuning,
            "handout_sizes": {config: {"run": r["file"], "settings": r["settings"],
                                       "val_acc": r["val_acc"], "seconds": r["seconds"],
                                       "cpu_seconds": r["cpu_seconds"]}
                              for config, r in handout.items() if r is not None}}


# The settings that make one NBSVM model (the rest say where and how long it runs).
NBSVM_KEYS = ("ngrams", "alpha", "loss", "C", "beta", "max_iter")


def summarize_nbsvm(folder):
    """{"tuning": every validation run of imdb/nbsvm.py, the one with the default
    config's settings marked chosen; "final": its test run}, or None without runs."""
    runs = read_runs(folder, "imdb/nbsvm.py")
    if not runs:
        return None
    default = next(iter(NBSVM.values()))
    tuning = [{"run": r["file"], "settings": r["settings"], "val_acc": r["val_acc"],
               "chosen": all(r["settings"][key] == default[key] for key in NBSVM_KEYS),
               "seconds": r["seconds"]} for r in runs if r["split"] == "val"]
    tuning.sort(key=lambda t: (not t["chosen"], -t["settings"]["ngrams"],
                               t["settings"]["loss"], t["settings"]["C"], t["settings"]["beta"]))
    final = next((r for r in runs if r["split"] == "final"
                  and r["settings"]["config"] == next(iter(NBSVM)) and not r["settings"]["tag"]),
                 None)
    return {"tuning": tuning,
            "val_acc": next((t["val_acc"] for t in tuning if t["chosen"]), None),
            "final": None if final is None else {
                "run": final["file"], "settings": final["settings"],
                "test_acc": final["test_acc"], "seconds": final["seconds"]}}


def summarize_ngram_mlp(folder):
    """{"tuning": every validation run of imdb/ngram_mlp.py, the untagged one (the
    default config) marked chosen, with one member's accuracy beside the members'; the
    test runs' accuracies by seed and their mean}, or None without runs."""
    runs = read_runs(folder, "imdb/ngram_mlp.py")
    if not runs:
        return None
    second_seed = {r["tag"]: r["val_acc"] for r in runs if r["split"] == "val" and r["seed"] == 1}
    tuning = [{"run": r["file"], "settings": r["settings"], "val_acc": r["val_acc"],
               "second_seed_val_acc": second_seed.get(r["tag"]),
               "one_member_val_acc": r["members_val_acc"][0], "chosen": not r["tag"],
               "seconds": r["seconds"]} for r in runs if r["split"] == "val" and r["seed"] == 0]
    tuning.sort(key=lambda t: (not t["chosen"], t["run"]))
    finals = sorted((r for r in runs if r["split"] == "final" and not r["tag"]),
                    key=lambda r: r["seed"])
    return {"tuning": tuning,
            "val_acc": next((t["val_acc"] for t in tuning if t["chosen"]), None),
            "runs": [r["file"] for r in finals], "seeds": [r["seed"] for r in finals],
            "test_acc": [r["test_acc"] for r in finals],
            "test_acc_mean": statistics.mean(r["test_acc"] for r in finals) if finals else None,
            "seconds": statistics.mean(r["seconds"] for r in finals) if finals else None}


def summarize_ensemble(folder):
    """{"val": the validation run of imdb/ensemble.py (accuracy per weight, and with
    each ablation run of the n-gram MLP); its test runs' accuracies by seed and their
    mean}, or None without a validation run."""
    runs = read_runs(folder, "imdb/ensemble.py")
    vals = {r["seed"]: r for r in runs if r["split"] == "val" and not r["tag"]}
    if 0 not in vals:
        return None
    val, second = vals[0], vals.get(1)
    finals = sorted((r for r in runs if r["split"] == "final" and not r["tag"]),
                    key=lambda r: r["seed"])
    return {"run": val["file"], "settings": val["settings"], "val_acc": val["val_acc"],
            "val_acc_by_weight": val["val_acc_by_weight"],
            "second_seed": second and {"run": second["file"], "val_acc": second["val_acc"],
                                       "val_acc_by_weight": second["val_acc_by_weight"],
                                       "ngram_ablation": second["ngram_ablation"]},
            "ngram_ablation": val["ngram_ablation"],
            "runs": [r["file"] for r in finals], "seeds": [r["seed"] for r in finals],
            "test_acc": [r["test_acc"] for r in finals],
            "test_acc_mean": statistics.mean(r["test_acc"] for r in finals) if finals else None}


SHOWN_WEIGHTS = (1.0, 0.0)  # the ensemble's line: the grid's ends, besides the chosen w


def ensemble_line(ensemble):
    """The ensemble's validation paragraph: the accuracy at the weights w of the n-gram
    MLP in SHOWN_WEIGHTS (1: it alone; 0: the partner alone), the chosen one in bold,
    with a second seed's accuracies and the means beside seed 0's. (The run's JSON also
    holds each n-gram MLP ablation run averaged with the partner, `ngram_ablation`; the
    report shows the n-gram MLP's own ablation line instead.)"""
    settings = ensemble["settings"]
    chosen, partner = settings["weight"], Q4_MODELS.get(settings["partner"], settings["partner"])
    second = ensemble["second_seed"] or {}
    # the partner's name links the curves of its seed-1 run (the Q4 table, seed 0's)
    shown = f"[{partner}](results/imdb/{settings['partner']}_val_seed1.png)" if second else partner
    alone = {1.0: " (n-gram MLP)", 0.0: f" ({shown})"}
    by_weight = {float(w): (acc, second.get("val_acc_by_weight", {}).get(w))
                 for w, acc in ensemble["val_acc_by_weight"].items()}
    weights = "; ".join(
        f"{w:g}{alone.get(w, '')}: " + (f"**{seeds_accuracy(*by_weight[w])}** (chosen)"
                                        if w == chosen else seeds_accuracy(*by_weight[w]))
        for w in sorted({*SHOWN_WEIGHTS, chosen} & set(by_weight), reverse=True))
    runs = f"[`imdb/ensemble.py`](results/imdb/{ensemble['run']}.json)"
    if second:
        runs += f", [seed 1](results/imdb/{second['run']}.json)"
    return (f"n-gram MLP + {partner} on validation ({runs}), by the n-gram MLP's weight w: "
            f"{weights}.")


def plot_accuracies(models, path, baseline=None):
    """A dot plot, one row per model: validation accuracy, each test seed and their
    mean (its value written beside it), the NBSVM baseline's test accuracy as a dotted
    line. Dots, not bars: the axis spans only the measured range, which the x-label
    states, so 1-2 point gaps read as what they are."""
    names = [m for m in Q4_MODELS if m in models]
    fig, (ax, key) = plots.subplots(2, 1, figsize=(7.5, 2.2 + 0.5 * len(names)),
                                    gridspec_kw={"height_ratios": (0.5 * len(names) + 0.6, 0.6)})
    rows = range(len(names))[::-1]  # the first model on top
    ax.scatter([models[m]["val_acc"] for m in names], rows, marker="s", s=45,
               facecolors="none", edgecolors="tab:blue", label="validation (20k train, seed 0)")
    for m, row in zip(names, rows):
        tests, mean = models[m]["test_acc"], models[m]["test_acc_mean"]
        ax.scatter(tests, [row] * len(tests), color="tab:orange", s=14, alpha=0.8,
                   label="test, one seed (25k train)" if row == rows[0] else None)
        if mean is not None:
            ax.scatter([mean], [row], marker="|", s=300, color="black", linewidths=2,
                       label="test, mean of the seeds" if row == rows[0] else None)
            ax.annotate(f"{mean:.3f}", (mean, row), xytext=(0, 9), textcoords="offset points",
                        ha="center", fontsize=9)
    if baseline is not None:
        ax.axvline(baseline, color="black", linestyle=":",
                   label=f"NBSVM baseline (test, {baseline:.3f})")
    values = [v for m in names for v in (models[m]["val_acc"], *models[m]["test_acc"])
              if v is not None] + ([baseline] if baseline is not None else [])
    values = values or [0.5, 1.0]
    low, high = round(min(values) - 0.006, 2), round(max(values) + 0.006, 2)
    ax.set(yticks=list(rows), yticklabels=[Q4_MODELS[m] for m in names],
           ylim=(-0.6, len(names) - 0.4), xlim=(low, high),
           xlabel=f"accuracy (axis {low:.2f} to {high:.2f}; chance 0.5)",
           title="IMDb sentiment: accuracy per model")
    key.axis("off")  # the legend's own row, below the x-label, clear of the dots
    key.legend(*ax.get_legend_handles_labels(), loc="center", ncol=2, fontsize=9)
    plots.save_figure(fig, path)


def describe(settings):
    parts = [f"emb {settings['emb']}", f"hidden {settings['hidden']}", f"lr {settings['lr']:g}",
             f"{settings['epochs']} epoch{'s' if settings['epochs'] != 1 else ''}",
             f"{settings['max_tokens']} tokens/batch"]
    if settings["max_len"]:
        parts.append(f"first {settings['max_len']} tokens")
    if settings["voc"]:
        parts.append(f"voc {settings['voc']}")
    if settings["clip"]:
        parts.append(f"clip {settings['clip']:g}")
    if settings["cosine"]:
        parts.append("cosine decay of lr to 0")
    if settings["dropout"]:
        parts.append(f"dropout {settings['dropout']:g}")
    if settings["lin2"]:
        parts.append("lin2")
    if settings["bidirectional"]:
        parts.append("bidirectional")
    return ", ".join(parts)


def flags(settings, configs=CLASSIFY):
    """The flags (of imdb/classify.py, or the script of `configs`) that give these
    settings: --config, then every setting that differs from that config (what a
    tuning row changed)."""
    config = configs.get(settings["config"], {})
    words = ["--config", settings["config"]] if len(configs) > 1 else []
    for key, value in settings.items():
        if key not in config or value == config[key]:
            continue
        flag = "--" + key.replace("_", "-")
        words += [flag] if value is True else [flag, f"{value:g}" if isinstance(value, float)
                                               else str(value)]
    return " ".join(words) or "no flags"


def fmt(value, spec=".3f"):
    return "–" if value is None else format(value, spec)


def curves(run_file, text):
    """`text` linked to the run's training curves (results/imdb/<run>.png)."""
    return f"[{text}](results/imdb/{run_file}.png)"


def seeds_accuracy(seed0, seed1=None):
    """A validation accuracy to four decimals (settings a few reviews apart); with a
    second seed's, both and their mean, which then decides."""
    if seed1 is None:
        return fmt(seed0, ".4f")
    return f"{seed0:.4f}/{seed1:.4f}, mean {(seed0 + seed1) / 2:.4f}"


def validation_line(title, tuning, configs):
    """One paragraph of validation runs, each as its flags (linking its JSON) and its
    accuracy (and a second seed's where one was run), the chosen one in bold."""
    settings = "; ".join(
        f"[`{flags(run['settings'], configs)}`](results/imdb/{run['run']}.json): "
        + (f"**{seeds_accuracy(run['val_acc'], run.get('second_seed_val_acc'))}** (chosen)"
           if run["chosen"] else seeds_accuracy(run["val_acc"], run.get("second_seed_val_acc")))
        for run in tuning)
    return f"{title}; links: JSON): {settings}."


def report_table(results_root):
    """REPORT.md's imdb block, from the runs in results/imdb/: the NBSVM baseline's
    validation runs, the Q4 tuning table (every validation run, the chosen ones
    marked), the test runs of the chosen settings and the Q2 and Q3 runs. Each run's name
    links its curves (an NBSVM run, which has none, its JSON)."""
    summary = summarize(Path(results_root) / "imdb")
    nbsvm = summarize_nbsvm(Path(results_root) / "imdb") or {"tuning": [], "final": None}
    ngram_mlp = summarize_ngram_mlp(Path(results_root) / "imdb") or {"tuning": [], "seeds": []}
    seeds = sorted({seed for row in summary["models"].values() for seed in row["seeds"]})
    lines = []
    if nbsvm["tuning"]:
        lines += [validation_line("NBSVM on validation (`imdb/nbsvm.py` flags",
                                  nbsvm["tuning"], NBSVM), ""]
    if ngram_mlp["tuning"]:
        lines += [validation_line("n-gram MLP ablation on validation (seed 0, or seeds 0 / 1; "
                                  "`imdb/ngram_mlp.py` flags", ngram_mlp["tuning"], NGRAM_MLP),
                  ""]
    ensemble = summarize_ensemble(Path(results_root) / "imdb")
    if ensemble:
        lines += [ensemble_line(ensemble), ""]
    lines += ["| model | `imdb/classify.py` flags, after the model's `--config` (link: curves) "
              "| validation acc. (**chosen**) |", "|---|---|---:|"]
    shown = None
    for run in summary["tuning"]:
        # each model named once, on its first (chosen) row, whose --config the rows below
        # it share unless they give their own
        words = flags(run["settings"])
        if run["model"] == shown and run["settings"]["config"] == shown:
            words = words.removeprefix(f"--config {shown} ")
        command = curves(run["run"], f"`{words}`")
        accuracy = fmt(run["val_acc_by_epoch"][-1])
        model = "" if run["model"] == shown else Q4_MODELS[run["model"]]
        shown = run["model"]
        lines.append(f"| {model} | {command} | "
                     f"{f'**{accuracy}**' if run['chosen'] else accuracy} |")
    lines += ["", "Test accuracy of the chosen settings, trained on all 25,000 reviews "
                  "(`--final --seed S`; links: curves, JSON):", "",
              f"| model | validation acc. | test acc., seed {' / '.join(map(str, seeds))} "
              "| test mean |", "|---|---:|---|---:|"]
    final = nbsvm["final"]
    if final:
        lines.append(f"| nbsvm | {fmt(nbsvm['val_acc'])} | [{fmt(final['test_acc'])}]"
                     f"(results/imdb/{final['run']}.json) | **{fmt(final['test_acc'])}** |")
    if ngram_mlp["seeds"]:
        tests = " / ".join(f"[{fmt(acc)}](results/imdb/{run}.json)"
                           for run, acc in zip(ngram_mlp["runs"], ngram_mlp["test_acc"]))
        lines.append(f"| ngram_mlp | {fmt(ngram_mlp['val_acc'])} | {tests} | "
                     f"**{fmt(ngram_mlp['test_acc_mean'])}** |")
    if ensemble and ensemble["seeds"]:
        tests = " / ".join(f"[{fmt(acc)}](results/imdb/{run}.json)"
                           for run, acc in zip(ensemble["runs"], ensemble["test_acc"]))
        partner = Q4_MODELS.get(ensemble["settings"]["partner"], ensemble["settings"]["partner"])
        lines.append(f"| ensemble ({ensemble['settings']['ngram']} + {partner}, "
                     f"w = {ensemble['settings']['weight']:g}) | "
                     f"{fmt(ensemble['val_acc'])} | "
                     f"{tests} | **{fmt(ensemble['test_acc_mean'])}** |")
    for model, row in summary["models"].items():
        tests = " / ".join(curves(f"{model}_final_seed{seed}", fmt(acc))
                           for seed, acc in zip(row["seeds"], row["test_acc"])) or "–"
        lines.append(f"| {Q4_MODELS[model]} | {fmt(row['val_acc'])} | {tests} | "
                     f"**{fmt(row['test_acc_mean'])}** |")
    for config, run in summary["handout_sizes"].items():
        lines += ["", f"{config.upper()} (`{run['run']}`, `{flags(run['settings'])}`: "
                      f"{describe(run['settings'])}): validation accuracy {run['val_acc']:.3f}."]
    return "\n".join(lines)


# --- Autoregressive LSTMs (section 7) ------------------------------------------------

def run_name(run):
    settings = run["settings"]
    return settings["config"] + (f"_{settings['tag']}" if settings["tag"] else "")


def ar_runs(folder):
    """The finished imdb/autoregressive.py runs, in the order of their configs."""
    order = list(AUTOREGRESSIVE)
    runs = read_runs(folder, "imdb/autoregressive.py")
    return sorted(runs, key=lambda r: (order.index(r["settings"]["config"]), run_name(r)))


def ar_settings(settings):
    """The settings a run's row shows (its epochs are the length of the per-epoch column)."""
    schedule = " → 0 (cosine)" if settings["cosine"] else ""
    layers = f"{settings['layers']} layer{'s' if settings['layers'] != 1 else ''}"
    return f"e={settings['emb']}, h={settings['hidden']}, {layers}, lr {settings['lr']:g}{schedule}"


def ar_report_table(results_root):
    """REPORT.md's imdb-autoregressive block, from the runs in results/imdb/autoregressive/:
    one row per run with the loss of its last epoch, the share of valid samples per
    temperature and epoch, and the checkpoint kept."""
    runs = ar_runs(Path(results_root) / "imdb" / "autoregressive")
    if not runs:
        return "No runs of imdb/autoregressive.py yet."
    temperatures = " / ".join(f"{t:g}" for t in runs[0]["settings"]["temperatures"])
    lines = [f"| run | settings | loss (floor) | valid at T = {temperatures}, last epoch "
             "| valid at T = 0.5, per epoch | kept |", "|---|---|---:|---|---|---:|"]
    for run in runs:
        s, history = run["settings"], run["history"]
        last = " / ".join(f"{history[-1]['valid'][str(t)]:.2f}" for t in s["temperatures"])
        half = ", ".join(fmt(h["valid"].get("0.5"), ".2f") for h in history)
        floor = entropy_per_token(run["data"])
        floor = "" if floor is None else f" ({floor:.3f})"
        lines.append(f"| {run_name(run)} | {ar_settings(s)} | {history[-1]['loss']:.3f}{floor} "
                     f"| {last} | {half} | {run['kept_epoch']} |")
    return "\n".join(lines)


# --- Command line ------------------------------------------------------------------

def build_parser():
    parser = argparse.ArgumentParser(allow_abbrev=False, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    utils.add_common_args(parser, "imdb")
    return parser


def main(argv=None):
    args = utils.parse_args(build_parser(), argv)
    out = utils.output_dir(args)
    summary = summarize(out)
    if not summary["models"]:
        raise utils.UserError(f"no finished runs of the Q4 configs ({', '.join(Q4_MODELS)}) in "
                              f"{out}; make one with: python imdb/classify.py"
                              f"{utils.place_flags(args)}")
    nbsvm = summarize_nbsvm(out)
    store.save_json({"script": "imdb/report.py", "settings": utils.run_settings(args),
                     **summary, "nbsvm": nbsvm, "ngram_mlp": summarize_ngram_mlp(out),
                     "ensemble": summarize_ensemble(out)},
                    out / "imdb_summary.json")
    baseline = nbsvm and nbsvm["final"] and nbsvm["final"]["test_acc"]
    plot_accuracies(summary["models"], out / "accuracy.png", baseline)
    print(report_table(out.parent) if out.name == "imdb" else f"wrote {out / 'imdb_summary.json'}")


if __name__ == "__main__":
    utils.run_main(main)
