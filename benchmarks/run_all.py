"""Run every benchmark in benchmarks/ and collect the rows in results/benchmarks.json.

    python benchmarks/run_all.py --data-dir ../shared/data   # full measurements (minutes)
    python benchmarks/run_all.py --quick                     # a smoke run in seconds (not for the report)

Each benchmark module exposes `run(quick=False, seed=0) -> list[dict]` (the rows are
described in benchmarks/__init__.py): our time against a reference measured in the
same process, or, for a row with "unit": "fraction", a share (the IMDb padding).
`report_table` turns the JSON into the benchmarks block of REPORT.md
(`python run_all.py --tables`).
"""
import argparse
import importlib
import os
import platform
import time
from pathlib import Path

import torch

import utils
from benchmarks import format_value, verdict

BENCHMARKS = sorted(p.stem for p in Path(__file__).parent.glob("*.py") if p.stem not in {"__init__", "run_all"})


def report_table(results_root):
    """The benchmarks block of REPORT.md, from results/benchmarks.json."""
    return format_table(utils.load_json(Path(results_root) / "benchmarks.json"))


def format_table(data):
    lines = [f"Measured on {data['machine']}, one torch thread. The ratio is ours / reference for time "
             "targets (lower is better) and reference / ours for speed targets (≥, higher is better).", "",
             "| benchmark | ours | reference | reference's | ratio | target | met |",
             "|---|---:|---|---:|---:|---|---|"]
    for row in data["rows"]:
        unit = row.get("unit", "s")
        lines.append(f"| {row['name']} | {format_value(row['ours_s'], unit)} | {row['reference']} "
                     f"| {format_value(row['reference_s'], unit)} | {row['ratio']:.2f} | {row['target']} "
                     f"| {verdict(row)} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="seconds-long smoke run, written to runs/quick/")
    parser.add_argument("--only", help="comma-separated benchmark module names (default: all)")
    parser.add_argument("--data-dir", help="where benchmarks that read a dataset find it "
                                           "(default: $DATA_DIR, else data/)")
    parser.add_argument("--out", type=Path, default=None,
                        help="JSON file to write (default: results/benchmarks.json, "
                             "or runs/quick/benchmarks.json with --quick)")
    args = parser.parse_args()
    names = BENCHMARKS if args.only is None else args.only.split(",")
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        raise utils.UserError(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")

    if args.data_dir:
        os.environ["DATA_DIR"] = args.data_dir  # where utils.data_dir looks
    torch.set_num_threads(1)  # every benchmark on one thread, whatever ran before it
    rows, seconds = [], {}
    for name in names:
        print(f"=== {name}", flush=True)
        start = time.perf_counter()
        rows += importlib.import_module(f"benchmarks.{name}").run(quick=args.quick)
        seconds[name] = round(time.perf_counter() - start, 1)
    out = args.out or utils.REPO_ROOT / ("runs/quick" if args.quick else "results") / "benchmarks.json"
    data = {"machine": f"{platform.machine()} CPU with {os.cpu_count()} cores", "rows": rows, "seconds": seconds}
    utils.save_json(data, out)
    print(format_table(data))
    return 0


if __name__ == "__main__":
    utils.run_main(main)
