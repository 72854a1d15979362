"""Run every benchmark in benchmarks/ and write one JSON per benchmark.

    python benchmarks/run_all.py                             # full measurements (minutes)
    python benchmarks/run_all.py --only conv1d mytorch_mlp   # some of them
    python benchmarks/run_all.py --quick                     # a smoke run in seconds

Each benchmark module exposes `run(quick=False, seed=0) -> list[dict]` (the rows are
described in benchmarks/__init__.py): our time against a reference measured in the
same process, or, for a row with "unit": "fraction", a share (the IMDb padding).
Every module's result goes to <out>/<name>.json, the file the module writes when
run on its own (default folder runs/benchmarks/, runs/quick/benchmarks/ with
--quick); benchmarks/report.py builds the REPORT.md table from those files
(`python run_all.py --tables`), and this script prints it.
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import argparse
import importlib
import os

import torch

from benchmarks import BENCHMARKS, add_args, measure
from benchmarks.report import format_table
import store


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__, allow_abbrev=False,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, metavar="NAME",
                        help=f"benchmark modules to run (default: all): {', '.join(BENCHMARKS)}")
    return add_args(parser)


def main(argv=None):
    args = utils.parse_args(build_parser(), argv)
    out = utils.output_dir(args)  # checked before any benchmark runs
    if args.data_dir is not None:
        os.environ["DATA_DIR"] = str(args.data_dir)  # where utils.data_dir looks
    torch.set_num_threads(1)  # every benchmark on one thread, whatever ran before it
    results = []
    for name in args.only or BENCHMARKS:
        print(f"=== {name}", flush=True)
        run = importlib.import_module(f"benchmarks.{name}").run
        results.append(measure(name, run, args.quick, args.seed))
        store.save_json(results[-1], out / f"{name}.json")
    print(format_table(results))
    print(f"wrote {len(results)} files in {out}")
    return 0


if __name__ == "__main__":
    utils.run_main(main)
