"""Wall time of the HW2P1 runner grading a typical loop-based hand-in
(tests/handin_fixture), on one CPU core, with its sandbox and without; then a class
of 100 copies of it, with --jobs 2 and with --jobs 1.

    python benchmarks/autograder.py            # about ten minutes on 2 cores
    python benchmarks/autograder.py --quick    # seconds (one test, a class of 4)

The whole command a TA types is timed, start-up included: the runner imports
torch, then starts a fresh student process per test (bubblewrap, Python, NumPy,
the hand-in) and computes the expected values itself. For one hand-in the runner
and every process it starts are pinned to one core, and the reference is the same
command with --no-sandbox, so the ratio is the sandbox's share (target: at most
10 s). The class is graded on the cores the benchmark may use; its reference is
the same class with --jobs 1 (target: at most 5 minutes with --jobs 2).
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import benchmarks
from utils import REPO_ROOT

TARGET_SECONDS = 10.0
CLASS_SIZE, CLASS_TARGET_SECONDS = 100, 300.0
RUNNER = REPO_ROOT / "autograder" / "hw2_autograder" / "runner.py"
HANDIN = REPO_ROOT / "tests" / "handin_fixture"


def grade_seconds(extra, core):
    """Seconds of one run of the HW2P1 runner on the fixture, pinned to `core`."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, str(RUNNER), "--handin", str(HANDIN), *extra],
                            capture_output=True, text=True,
                            preexec_fn=lambda: os.sched_setaffinity(0, {core}))
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"the runner did not give the fixture full marks: "
                           f"{(result.stdout + result.stderr).strip().splitlines()[-1:]}")
    return seconds


def class_seconds(folder, jobs, extra):
    """Seconds of the HW2P1 runner grading the class in `folder` with `jobs` workers; every
    hand-in must get full marks."""
    with tempfile.TemporaryDirectory(prefix="class-scores-") as out:
        start = time.perf_counter()
        result = subprocess.run([sys.executable, str(RUNNER), "--handin", str(folder), "--out",
                                 out, "--jobs", str(jobs), *extra], capture_output=True,
                                text=True)
        seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"the runner did not give every copy full marks: "
                           f"{(result.stdout + result.stderr).strip().splitlines()[-1:]}")
    return seconds


def class_row(quick):
    """A class of copies of the fixture through HW2P1: --jobs 2 against --jobs 1."""
    size, tests = (4, ["--test", "Flatten"]) if quick else (CLASS_SIZE, [])
    with tempfile.TemporaryDirectory(prefix="class-") as folder:
        for number in range(size):
            shutil.copytree(HANDIN, Path(folder) / f"student-{number:03d}")
        parallel = class_seconds(folder, 2, tests)
        serial = class_seconds(folder, 1, tests)
    return {"name": f"HW2P1 runner on a class of {size} loop-based hand-ins, --jobs 2, wall",
            "tests": "Flatten only" if quick else "all 6", "hand_ins": size,
            "cores": len(os.sched_getaffinity(0)), "ours_s": parallel,
            "per_hand_in_s": parallel / size, "reference": "the same class with --jobs 1",
            "reference_s": serial, "ratio": parallel / serial,
            "target": f"<= {CLASS_TARGET_SECONDS:g} s", "met": parallel <= CLASS_TARGET_SECONDS}


def run(quick=False, seed=0):
    if shutil.which("bwrap") is None:  # (this file's name hides the autograder package)
        raise utils.UserError("bwrap is not installed: install the package bubblewrap to "
                              "time the sandboxed autograder")
    core = min(os.sched_getaffinity(0))
    tests, repeats = (["--test", "Flatten"], 1) if quick else ([], 5)
    sandboxed, unconfined = benchmarks.time_alternating(
        [lambda: grade_seconds(tests, core), lambda: grade_seconds([*tests, "--no-sandbox"],
                                                                   core)],
        repeats, warmup=0 if quick else 1)
    return [{"name": "HW2P1 runner on a loop-based hand-in, one core, wall",
             "tests": "Flatten only" if quick else "all 6", "ours_s": sandboxed,
             "reference": "the same without the sandbox", "reference_s": unconfined,
             "ratio": sandboxed / unconfined, "target": f"<= {TARGET_SECONDS:g} s",
             "met": sandboxed <= TARGET_SECONDS}, class_row(quick)]


def build_parser():
    return benchmarks.build_parser(__doc__)


if __name__ == "__main__":
    benchmarks.command_line(__doc__, __file__, run)
