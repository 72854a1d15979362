"""Reproduce REPORT.md: run every part's declared runs, side by side, then rebuild
its tables.

    python run_all.py                                   # every run behind REPORT.md
    python run_all.py --jobs 2 --only cifar,names_rnn   # some parts, two runs at a time
    python run_all.py --quick                           # every part with tiny settings
    python run_all.py --list                            # the declared runs
    python run_all.py --print-commands > commands.txt   # one shell command per run
    python run_all.py --tables                          # rebuild REPORT.md's tables

The runs are declared in reproduce/parts.py. Runs start as soon as the runs they
wait for have ended, at most --jobs at a time, each with cores // jobs torch
threads (the benchmarks run alone, one after another, at the end); each writes its
output to runs/logs/<part>/<run>.log. A failed run is reported, the runs that wait
for it are skipped, the others go on, and the exit status is non-zero. The seconds
of every full run are kept in results/timings.json, behind REPORT.md's "How to
reproduce".
"""
import argparse
import os
import shlex
import subprocess
import sys
import time

import utils
from reproduce import report
from reproduce.parts import PARTS
from utils import REPO_ROOT

LOGS = REPO_ROOT / "runs" / "logs"


def select(parts, names=None):
    """The parts named in a comma-separated list (all when None); unknown names
    are one line listing the known ones."""
    if names is None:
        return list(parts)
    wanted = [name.strip() for name in names.split(",") if name.strip()]
    known = [part.name for part in parts]
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise utils.UserError(f"unknown part(s) {', '.join(unknown)}; known: {', '.join(known)}")
    return [part for part in parts if part.name in wanted]


def ordered_runs(parts, quick=False):
    """(part, run) pairs in declared order, each after the runs it waits for."""
    order = []
    for part in parts:
        runs = list(part.quick if quick else part.runs)
        names = [run.name for run in runs]
        if len(set(names)) != len(names):
            raise ValueError(f"part {part.name}: two runs share a name")
        done = set()
        while runs:
            ready = next((run for run in runs if set(run.after) <= done), None)
            if ready is None:
                raise ValueError(f"part {part.name}: runs {[run.name for run in runs]} wait "
                                 "for unknown runs or for each other in a cycle")
            runs.remove(ready)
            done.add(ready.name)
            order.append((part, ready))
    return order


def command_line(run, data_dir):
    """The run's argv, from the repo root, with --data-dir when one was given."""
    argv = [sys.executable, *run.argv]
    return argv + ["--data-dir", str(data_dir)] if data_dir is not None else argv


def print_commands(order, data_dir):
    """One shell command per run, each after the runs it waits for."""
    for _, run in order:
        print(shlex.join(["python", *command_line(run, data_dir)[1:]]))


def list_runs(parts):
    for part in parts:
        print(f"{part.name} ({len(part.runs)} runs, {len(part.quick)} quick):")
        for run in part.runs:
            waits = f"  after {', '.join(run.after)}" if run.after else ""
            print(f"  {run.kind:<7} {run.name}{waits}")


def execute(order, jobs, data_dir, quick):
    """Run `order` with at most `jobs` processes; return {key: (status, seconds)}."""
    threads = max(1, (os.cpu_count() or 1) // jobs)
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads),
           "TQDM_DISABLE": "1"}
    pending = list(order)
    running = {}  # key -> (process, start, log handle, alone)
    status = {}
    bar = utils.progress(total=len(order), desc="runs", leave=True)
    try:
        while pending or running:
            for part, run in list(pending):
                key = f"{part.name}/{run.name}"
                waits = [status.get(f"{part.name}/{name}", (None,))[0] for name in run.after]
                if any(state not in (None, "ok") for state in waits):
                    pending.remove((part, run))
                    status[key] = ("skipped", 0.0)
                    bar.write(f"skipped {key}: a run it waits for failed")
                    bar.update()
                    continue
                if part.alone and running:
                    break  # an alone run waits for the machine to be idle, and so do later runs
                if (all(state == "ok" for state in waits) and len(running) < jobs
                        and not any(entry[3] for entry in running.values())):
                    pending.remove((part, run))
                    log_path = LOGS / part.name / f"{run.name}.log"
                    log_path.parent.mkdir(parents=True, exist_ok=True)
                    log = open(log_path, "w")
                    process = subprocess.Popen(command_line(run, data_dir), cwd=REPO_ROOT,
                                               env=env, stdout=log, stderr=subprocess.STDOUT)
                    running[key] = (process, time.perf_counter(), log, part.alone)
                    bar.write(f"started {key} ({threads} thread{'s' * (threads > 1)})")
            for key, (process, start, log, _) in list(running.items()):
                if process.poll() is None:
                    continue
                log.close()
                del running[key]
                seconds = time.perf_counter() - start
                status[key] = ("ok" if process.returncode == 0 else "FAILED", seconds)
                bar.write(f"{status[key][0]:<7} {key} in {seconds:.0f} s")
                if process.returncode == 0 and not quick:
                    report.record_timing(key, seconds, threads)
                if process.returncode != 0:
                    tail = open(log.name).read().splitlines()[-10:]
                    bar.write("\n".join(f"    {line}" for line in tail))
                bar.update()
            time.sleep(0.2)
    finally:
        for process, _, log, _ in running.values():
            process.terminate()
            process.wait()
            log.close()
        bar.close()
    return status


def summary(parts, status):
    """Print seconds per part; return the parts whose runs all succeeded."""
    print(f"\n{'part':<12}{'runs':>5}{'failed':>8}{'seconds':>10}")
    done = []
    for part in parts:
        states = [value for key, value in status.items() if key.split("/")[0] == part.name]
        failed = sum(state != "ok" for state, _ in states)
        print(f"{part.name:<12}{len(states):>5}{failed:>8}{sum(s for _, s in states):>10.0f}")
        if states and not failed:
            done.append(part)
    return done


def build_parser():
    parser = argparse.ArgumentParser(allow_abbrev=False, prog="run_all.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny settings; outputs go to "
                        "runs/quick/, timings and REPORT.md are left alone")
    parser.add_argument("--only", metavar="PART[,PART]",
                        help="run only these parts (default: all: "
                             f"{', '.join(part.name for part in PARTS)})")
    parser.add_argument("--jobs", type=utils.positive_int, default=os.cpu_count() or 1,
                        help="runs side by side (default: every core)")
    parser.add_argument("--data-dir", type=os.path.abspath,
                        help="passed to every script (default: $DATA_DIR, else data/)")
    parser.add_argument("--tables", action="store_true",
                        help="only rebuild REPORT.md's tables (with --only: those parts')")
    parser.add_argument("--list", action="store_true", help="list the declared runs")
    parser.add_argument("--print-commands", action="store_true",
                        help="print one shell command per run, in an order that respects "
                             "their dependencies (for GNU parallel or a job array)")
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    parts = select(PARTS, args.only)
    if args.list:
        list_runs(parts)
        return 0
    if args.print_commands:
        print_commands(ordered_runs(parts, args.quick), args.data_dir)
        return 0
    if args.tables:
        report.rebuild_report(parts)
        print(f"rebuilt the tables in {report.REPORT.name}")
        return 0
    status = execute(ordered_runs(parts, args.quick), args.jobs, args.data_dir, args.quick)
    done = summary(parts, status)
    if not args.quick and done:
        report.rebuild_report(done)
    return 0 if all(state == "ok" for state, _ in status.values()) else 1
