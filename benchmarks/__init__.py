"""Benchmarks: each module times a piece of our code against a reference (torch, or
a simpler way of doing the same thing) in one process and returns table rows.

Every module exposes `run(quick=False, seed=0) -> list[dict]` with rows
{"name", "ours_s", "reference", "reference_s", "ratio", "target", "met"} ("met" is None
in rows timed only for comparison);
benchmarks/run_all.py collects them into results/benchmarks.json. `ratio` is
ours_s / reference_s (lower is better), except in rows whose target is a speed
(cifar_throughput, names_batching: ">= 0.85 of the bare step's images/s",
">= 6x names/s"), where it is reference_s / ours_s (higher is better). What the
modules share lives here: the interleaved timing and the command line.
"""
import argparse
import os
import statistics
import time

import utils


def time_alternating(steps, repeats, inner=1, warmup=1, statistic=statistics.median):
    """Seconds per call of each zero-argument function in `steps`.

    After `warmup` calls of each, `repeats` rounds run every step `inner` times in
    turn, so load from other jobs on the machine slows all of them alike; each
    step's per-call times over the rounds are reduced with `statistic` (the
    median, or `min` for the round least disturbed by other jobs).
    """
    for step in steps:
        for _ in range(warmup):
            step()
    times = [[] for _ in steps]
    for _ in range(repeats):
        for step, record in zip(steps, times):
            start = time.perf_counter()
            for _ in range(inner):
                step()
            record.append((time.perf_counter() - start) / inner)
    return [float(statistic(record)) for record in times]


def format_value(value, unit):
    """A row's measurement as shown: a share as a percentage, else seconds."""
    return f"{value:.1%}" if unit == "fraction" else f"{value:.4g} s"


def verdict(row):
    """'met', 'not met', or 'no target' for a row that is only there for comparison."""
    return "no target" if row["met"] is None else "met" if row["met"] else "not met"


def command_line(doc, filename, run):
    """Run a benchmark module as a script (through utils.run_main): parse the
    common flags, call `run(quick, seed)`, print one line per row and write
    {"rows", "threads"} as JSON to results/benchmarks/FILENAME
    (runs/quick/benchmarks/ with --quick; --out chooses another folder)."""
    utils.run_main(lambda: _main(doc, filename, run))


def _main(doc, filename, run):
    import torch

    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    utils.add_common_args(parser, "benchmarks")
    args = parser.parse_args()
    if args.device not in ("auto", "cpu"):
        raise utils.UserError("the benchmarks time the CPU only; leave out --device (or use --device cpu)")
    if args.data_dir is not None:
        os.environ["DATA_DIR"] = str(args.data_dir)  # where utils.data_dir looks
    rows = run(quick=args.quick, seed=args.seed)
    for row in rows:
        unit = row.get("unit", "s")
        print(f"{row['name']}: ours {format_value(row['ours_s'], unit)}, {row['reference']} "
              f"{format_value(row['reference_s'], unit)}, ratio {row['ratio']:.2f} "
              f"(target {row['target']}: {verdict(row)})")
    out = utils.save_json({"rows": rows, "threads": torch.get_num_threads()}, utils.output_dir(args) / filename)
    print(f"wrote {out}")
    return 0
