"""Benchmarks: each module times a piece of our code against a reference (torch, or
a simpler way of doing the same thing) in one process and returns table rows.

Every module exposes `run(quick=False, seed=0) -> list[dict]` with rows
{"name", "ours_s", "reference", "reference_s", "ratio", "target", "met"} plus the
fields that describe what was timed (sizes, model, ...) for report tables to read;
"name" is for display only. "met" is None in rows timed only for comparison.
`ratio` is ours_s / reference_s (lower is better), except in rows whose target is
a speed (cifar_throughput, names_batching: ">= 0.95 of the bare step's images/s",
">= 6x names/s"), where it is reference_s / ours_s (higher is better).

Run as a script, a module writes runs/benchmarks/<name>.json (runs/quick/
with --quick); benchmarks/run_all.py writes the same file for each module, and
`python run_all.py` writes them into results/benchmarks/, which benchmarks/report.py
reads for the REPORT.md table. What the
modules share lives here: the interleaved timing and the command line.
"""
import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import store
import utils

# Ratios between two ways of computing move from one CPU to another: each result names its own.
MACHINE = f"{utils.cpu_name()} ({platform.machine()}), {os.cpu_count()} cores"

# The benchmark modules: every module here but this one, run_all and report.
BENCHMARKS = sorted(path.stem for path in Path(__file__).parent.glob("*.py")
                    if path.stem not in {"__init__", "run_all", "report"})


def on_one_thread(measure):
    """`run(quick, seed)` doing `measure(quick, seed)` with one torch thread, as each run
    of `run_all.py --jobs 2` trains, and the thread count restored after."""
    def run(quick=False, seed=0):
        import torch  # here, so that declaring the benchmarks does not import torch

        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return measure(quick, seed)
        finally:
            torch.set_num_threads(threads)
    return run


def time_alternating(steps, repeats, inner=1, warmup=1, statistic=statistics.median,
                     clock=time.perf_counter):
    """Seconds per call of each zero-argument function in `steps`.

    After `warmup` calls of each, `repeats` rounds run every step `inner` times in
    turn, so a busy machine slows all of them alike; each step's per-call times
    over the rounds are reduced with `statistic` (the median, or `min` for the
    least disturbed round). `clock` may be time.thread_time: the CPU time of this
    thread, which other jobs on the machine do not add to.
    """
    for step in steps:
        for _ in range(warmup):
            step()
    times = [[] for _ in steps]
    for _ in range(repeats):
        for step, record in zip(steps, times):
            start = clock()
            for _ in range(inner):
                step()
            record.append((clock() - start) / inner)
    return [float(statistic(record)) for record in times]


def format_value(value, unit):
    """A row's measurement as shown: a share as a percentage, else seconds."""
    return f"{value:.1%}" if unit == "fraction" else f"{value:.4g} s"


def verdict(row):
    """'met', 'not met', or 'no target' for a row that is only there for comparison."""
    return "no target" if row["met"] is None else "met" if row["met"] else "not met"


def add_args(parser):
    """The flags of every benchmark command: --seed, --quick, --out, --data-dir.
    Benchmarks time the CPU with one torch thread, so there is no --device."""
    parser.set_defaults(part="benchmarks")
    parser.add_argument("--seed", type=utils.seed, default=0,
                        help="seed of the random inputs (default: 0)")
    parser.add_argument("--quick", action="store_true",
                        help="a seconds-long smoke run (not for the report)")
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default: runs/benchmarks/, or "
                             "runs/quick/benchmarks/ with --quick; run_all.py writes "
                             "results/benchmarks/)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="where benchmarks that read a dataset find it "
                             "(default: $DATA_DIR, else data/)")
    return parser


def build_parser(doc):
    """The parser of a benchmark module run as a script."""
    parser = argparse.ArgumentParser(description=doc, allow_abbrev=False,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    return add_args(parser)


def measure(name, run, quick, seed):
    """Run one benchmark module's `run`, print its rows, and return what its JSON holds."""
    import torch

    start = time.perf_counter()
    rows = run(quick=quick, seed=seed)
    for row in rows:
        unit = row.get("unit", "s")
        print(f"{row['name']}: ours {format_value(row['ours_s'], unit)}, {row['reference']} "
              f"{format_value(row['reference_s'], unit)}, ratio {row['ratio']:.2f} "
              f"(target {row['target']}: {verdict(row)})")
    return {"script": f"benchmarks/{name}.py", "seed": seed, "quick": quick, "machine": MACHINE,
            "threads": torch.get_num_threads(),
            "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
            "seconds": round(time.perf_counter() - start, 1), "rows": rows}


def main(argv, doc, name, run):
    """A benchmark module as a script: parse, check the output folder, measure,
    write <out>/<name>.json."""
    args = utils.parse_args(build_parser(doc), argv)
    out = utils.output_dir(args)
    if args.data_dir is not None:
        os.environ["DATA_DIR"] = str(args.data_dir)  # where utils.data_dir looks
    path = store.save_json(measure(name, run, args.quick, args.seed), out / f"{name}.json")
    print(f"wrote {path}")
    return 0


def command_line(doc, filename, run):
    """Run a benchmark module as a script through utils.run_main (see `main`)."""
    utils.run_main(lambda: main(None, doc, Path(filename).stem, run))
