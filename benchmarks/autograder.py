"""Wall time of the HW2P1 runner grading a typical loop-based hand-in
(tests/handin_fixture), on one CPU core, with its sandbox and without.

    python benchmarks/autograder.py            # about a minute
    python benchmarks/autograder.py --quick    # seconds (one test, one run)

The whole command a TA types is timed, start-up included: the runner imports
torch, then starts a fresh student process per test (bubblewrap, Python, NumPy,
the hand-in) and computes the expected values itself. The runner and every
process it starts are pinned to one core. The reference is the same command
with --no-sandbox, so the ratio is the sandbox's share. Target: at most 10 s.
"""
import utils  # first: a Ctrl-C during the imports below is then one line

import os
import shutil
import subprocess
import sys
import time

import benchmarks
from utils import REPO_ROOT

TARGET_SECONDS = 10.0
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


def run(quick=False, seed=0):
    if shutil.which("bwrap") is None:  # (this file's name hides the autograder package)
        raise RuntimeError("bwrap is not installed (package bubblewrap): nothing to time")
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
             "met": sandboxed <= TARGET_SECONDS}]


def build_parser():
    return benchmarks.build_parser(__doc__)


def main(argv=None):
    return benchmarks.main(argv, __doc__, "autograder", run)


if __name__ == "__main__":
    utils.run_main(main)
