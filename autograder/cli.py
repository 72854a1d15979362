"""The runners' command line: grade this repository, one hand-in, or a class.

    runner.py                       this repository's mytorch/ (and hw2/); the scores go to
                                    runs/mytorch/<summary>.json (--quick: runs/quick/...)
    runner.py --handin PATH         one hand-in (folder or .tar/.tar.gz): table and total;
                                    --gradescope FILE also writes Gradescope's results.json
    runner.py --handin A B ...      a class: each path a hand-in, or a folder of hand-ins;
                                    --jobs of them at once (default: every core); writes
                                    scores_hw1.csv and scores_hw1.json (scores_hw2.* for
                                    HW2) into --out (default: the current folder) after
                                    every student, and shows a progress bar over the
                                    students; the console table shortens each reason at a
                                    word, the files keep it whole

Grading one hand-in (or this repository) ends with the course's lines: `Total score: N/M`,
then, last, the Autolab line {"scores": {test: points}}.

Every test's student process runs in the bubblewrap sandbox (autograder.sandbox). Without
bwrap one hand-in is graded with a warning; a class is refused unless --no-sandbox.
Exit status 0 only at full marks (in class mode: every hand-in at full marks).
"""
import argparse
import csv
import io
import json
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import store
import utils
from autograder import cases, grading, handins, sandbox
from autograder.child import wire

REPO_ROOT = Path(__file__).resolve().parents[1]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NOTE_CHARACTERS = 120  # of the reason shown in the class's console table


class UsageError(Exception):
    """Bad input: printed as one line, exit status 1."""


def build_parser(doc, tests, scores):
    """The runners' command line (the same flags for hw1 and hw2); `scores` is the stem of
    the class's score files ("scores_hw2")."""
    parser = argparse.ArgumentParser(description=doc, allow_abbrev=False,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.set_defaults(part="mytorch", scores=scores)
    parser.add_argument("--handin", nargs="+", metavar="PATH",
                        help="grade these hand-ins instead of this repository: folders holding "
                             "mytorch/ (and hw1/ or hw2/), .tar/.tar.gz files of one, or a "
                             "folder with one hand-in per student (default: this repository)")
    parser.add_argument("--test", action="append", default=[], metavar="NAME",
                        help="grade only this test (repeat for more; default: every test): "
                             + ", ".join(test.name for test in tests))
    parser.add_argument("--timeout", type=utils.positive_float, default=120.0, metavar="S",
                        help="time limit of each test in seconds (default: 120)")
    parser.add_argument("--student-timeout", type=utils.positive_float, default=600.0,
                        metavar="S", help="time limit of all of one hand-in's tests together, "
                                          "in seconds (default: 600)")
    parser.add_argument("--memory", type=utils.bounded_int(256, 1 << 22), default=4096,
                        metavar="MIB", help="memory of each test, all its processes "
                                            "together, in MiB (default: 4096)")
    parser.add_argument("--max-mib", type=utils.bounded_int(1, 1 << 16), default=100,
                        help="largest hand-in, or archive once extracted, in MiB (default: 100)")
    parser.add_argument("--max-files", type=utils.bounded_int(1, 10 ** 7), default=10_000,
                        help="most files and folders in a hand-in or archive (default: 10,000)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run hand-ins without bubblewrap (only resource limits): for "
                             "machines without it, and code you trust")
    parser.add_argument("--out", type=Path, default=None,
                        help="where scores go: without --handin, default runs/mytorch/ "
                             "(runs/quick/mytorch/ with --quick); with several hand-ins, "
                             f"{scores}.csv and {scores}.json, default the current folder; "
                             "with one hand-in, only when given")
    parser.add_argument("--strict", action="store_true",
                        help="a rule of the handout that the course's tests do not check "
                             "(shown as a warning) costs the test's points")
    parser.add_argument("--gradescope", type=Path, default=None, metavar="FILE",
                        help="with one hand-in (or none): also write Gradescope's "
                             "results.json to FILE (default: none)")
    parser.add_argument("--jobs", type=utils.bounded_int(1, 1024), default=None,
                        metavar="N", help="grade N hand-ins of a class at once (default: "
                                          "every core)")
    parser.add_argument("--quick", action="store_true",
                        help="the same tests (they take seconds); scores go to runs/quick/")
    parser.add_argument("--seed", type=utils.seed, default=None,
                        help="draw the cases from this seed, to repeat a run (its seed is in "
                             "the scores' JSON); default: a fresh seed every run. A hand-in "
                             "that knows the seed can replay recorded answers: never publish "
                             "one you grade with")
    for flag in ("--device", "--data-dir"):  # the flags every script takes
        parser.add_argument(flag, default=None, help="accepted, unused (default: none)")
    return parser


def open_sandbox(args, workspace, single):
    """The Sandbox of this run: bwrap when it works; else, for one hand-in or this
    repository, a warning and no sandbox; for a class, a UsageError unless --no-sandbox."""
    bwrap, reason = (None, None) if args.no_sandbox else sandbox.find_bwrap()
    limits = sandbox.Limits(memory=args.memory << 20,
                            cpu_seconds=int(min(args.timeout, 1e6)) + 1)
    box = sandbox.Sandbox(workspace, bwrap, limits)
    failed = box.probe() if bwrap is not None else None
    if failed is not None:
        box.bwrap, reason = None, f"bwrap does not run here ({failed})"
    if box.bwrap is None and not args.no_sandbox:
        if not single:
            raise UsageError(f"grading a class needs the sandbox, and {reason}; install the "
                             "package bubblewrap, or pass --no-sandbox")
        print(f"warning: {reason}: the hand-in runs without the sandbox", file=sys.stderr)
    return box


def grading_main(doc, tests, part, summary_file, needed, scores):
    """A runner: `tests` (grading.Test records), `part` the homework's name ("HW2P1"),
    `summary_file` the JSON for this repository's own grade, `needed` the packages a
    hand-in must hold, `scores` the stem of the score files of hand-ins ("scores_hw2":
    grading both homeworks into one folder keeps both). Returns the exit status."""
    args = build_parser(doc, tests, scores).parse_args()
    try:
        tests = grading.select(tests, args.test)
    except ValueError as err:
        raise UsageError(str(err)) from None
    caps = handins.Caps(args.max_mib << 20, args.max_files)
    if args.seed is None:
        args.seed = cases.fresh_seed()
    with tempfile.TemporaryDirectory(prefix="grade-") as workspace:
        if args.handin is None:
            box = open_sandbox(args, workspace, single=True)
            return grade_repository(args, tests, summary_file, needed, box, caps, workspace)
        try:
            paths = handins.expand(args.handin)
        except FileNotFoundError as err:
            raise UsageError(grading.printable(err)) from None
        single = len(args.handin) == 1 and not handins.is_class(args.handin[0])
        if args.gradescope is not None and not single:
            raise UsageError("--gradescope writes the results of one hand-in; give one")
        box = open_sandbox(args, workspace, single)
        if single:
            return grade_one(args, tests, part, needed, paths[0], box, caps, workspace)
        return grade_class(args, tests, part, needed, paths, box, caps, workspace)


def grade_verbose(args, tests, folder, box):
    """Grade with a line per test as it ends (its warnings under it)."""
    start = time.perf_counter()
    rows = grading.grade(tests, folder, box, args.timeout, args.student_timeout,
                         on_row=lambda index, row: print(grading.test_line(index, len(tests),
                                                                           row), flush=True),
                         strict=args.strict, seed=args.seed)
    return rows, time.perf_counter() - start


def finish_one(args, tests, rows, seconds):
    """The points table, `Total score: N/M`, Gradescope's results.json where asked, and
    last the Autolab line."""
    print()
    print(grading.points_table(rows))
    if args.gradescope is not None:
        make_folder(args.gradescope.parent)
        write_atomically(args.gradescope, json.dumps(gradescope_results(rows, seconds),
                                                     indent=2) + "\n")
    print(grading.autolab_line(tests, rows), flush=True)


def gradescope_results(rows, seconds):
    """Gradescope's results.json: the total, and each test with its points and lines."""
    _, (score, total) = grading.totals(rows)
    tests = []
    for row in rows:
        lines = [row["error"]] if row["error"] else []
        lines += [f"warning: {warning}: {grading.checking.RULE_NOTE}"
                  for warning in row["warnings"]]
        tests.append({"name": row["name"], "score": row["score"], "max_score": row["points"],
                      "status": "passed" if row["error"] is None else "failed",
                      "output": "\n".join(lines), "visibility": "visible"})
    return {"score": score, "execution_time": round(seconds, 2),
            "output": f"Total score: {score}/{total}", "visibility": "visible",
            "tests": tests}


def grade_repository(args, tests, summary_file, needed, box, caps, workspace):
    """This repository's own library: table, total and <out>/<summary_file> (runs/mytorch/
    by default; run_all.py writes results/mytorch/), in the format of every other part's
    results."""
    try:
        out = utils.output_dir(args)
    except utils.UserError as err:
        raise UsageError(str(err)) from None
    folder = handins.stage(REPO_ROOT, needed, workspace, caps)
    rows, seconds = grade_verbose(args, tests, folder, box)
    _, (score, total) = grading.totals(rows)
    summary = {"score": score, "total": total, "seed": args.seed, "seconds": round(seconds, 2),
               "tests": [{key: row[key] for key in ("name", "section", "points", "score", "error",
                                                    "warnings")}
                         for row in rows]}
    store.save_json(summary, out / summary_file)
    finish_one(args, tests, rows, seconds)
    return 0 if score == total else 1


def grade_one(args, tests, part, needed, path, box, caps, workspace):
    """A single hand-in (a student checking their own work); its score files only where
    --out is given."""
    print(f"Grading {part} of {grading.printable(handins.shown(path))}")
    try:
        folder = handins.stage(path, needed, workspace, caps)
    except handins.HandinError as err:
        print(f"cannot grade it: {grading.printable(err)}")
        rows, seconds = grading.failed_rows(tests, str(err)), 0.0
    else:
        rows, seconds = grade_verbose(args, tests, folder, box)
    finish_one(args, tests, rows, seconds)
    _, (score, total) = grading.totals(rows)
    if args.out is not None:
        make_folder(args.out)
        record = student_record(path, handins.student_name(path), rows, seconds)
        write_scores(args.out, args.scores, part, tests, [record], args.seed)
    return 0 if score == total else 1


def student_record(path, name, rows, seconds, error=None):
    """A student's entry of the score files' JSON; `student` keeps the name's bytes (a str with
    surrogate escapes where it is not UTF-8, as os.fsdecode gives it)."""
    _, (score, total) = grading.totals(rows)
    return {"student": name, "score": score, "total": total, "error": error,
            "seconds": round(seconds, 2),
            "tests": [{key: row[key] for key in ("name", "points", "score", "error", "warnings",
                                                 "seconds")}
                      for row in rows]}


def display(name):
    """A name as shown on the terminal: undecodable bytes escaped, control characters out."""
    return grading.printable(handins.shown(name)) or "(no name)"


def unique_name(path, taken):
    """The student's name: the entry's without its tar suffix, unlike every name before
    (else the whole entry name, then a number)."""
    name = handins.student_name(path)
    if name in taken:
        name = path.name
    base, number = name, 1
    while name in taken:
        number += 1
        name = f"{base} ({number})"
    taken.add(name)
    return name


def grade_student(args, tests, needed, path, box, caps, workspace):
    """One student's rows and error; whatever goes wrong stays in this student's row."""
    try:
        folder = handins.stage(path, needed, workspace, caps)
    except handins.HandinError as err:
        return grading.failed_rows(tests, str(err)), grading.printable(err)
    except Exception as err:  # e.g. a folder nested deeper than the system allows
        reason = f"cannot stage the hand-in: {type(err).__name__}: {err}"
        return grading.failed_rows(tests, reason), grading.printable(reason)
    try:
        return grading.grade(tests, folder, box, args.timeout, args.student_timeout,
                             strict=args.strict, seed=args.seed), None
    except Exception as err:  # a fault of the grader with this hand-in: its row, not the run
        reason = f"grader error: {type(err).__name__}: {err}"
        return grading.failed_rows(tests, reason), grading.printable(reason)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def student_result(args, tests, needed, path, name, box, caps, workspace):
    start = time.perf_counter()
    rows, error = grade_student(args, tests, needed, path, box, caps, workspace)
    return student_record(path, name, rows, time.perf_counter() - start, error)


WORKER = {}  # a class worker's grading settings and its own sandbox


def start_worker(settings, bwrap, limits, workspace):
    """A worker process of a class: its own folder, sandbox and reaper; Ctrl-C is the
    runner's to handle (it ends the workers)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sandbox.die_with_parent()
    folder = tempfile.mkdtemp(prefix="worker-", dir=workspace)
    WORKER.update(settings, box=sandbox.Sandbox(folder, bwrap, limits), workspace=folder)


def worker_result(path, name):
    w = WORKER
    return student_result(w["args"], w["tests"], w["needed"], path, name, w["box"], w["caps"],
                          w["workspace"])


def graded_in_parallel(jobs, settings, box, workspace, named):
    """(path, name, record) of each hand-in as its worker ends it, `jobs` at a time (worker
    processes forked from the runner, which imports no hand-in code)."""
    context = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=start_worker,
                               initargs=(settings, box.bwrap, box.limits, workspace))
    try:
        futures = {pool.submit(worker_result, path, name): (path, name) for path, name in named}
        for future in as_completed(futures):
            path, name = futures[future]
            try:
                record = future.result()
            except Exception as err:  # a worker that died (killed for memory...)
                reason = f"grader error: {type(err).__name__}: {err}"
                record = student_record(path, name, grading.failed_rows(settings["tests"],
                                                                        reason), 0.0, reason)
            yield path, name, record
    except BaseException:
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        sandbox.end_descendants()
        raise
    pool.shutdown()


def grade_class(args, tests, part, needed, paths, box, caps, workspace):
    """Every hand-in, --jobs at once (a progress bar over students); the score files
    (scores_hw2.csv and .json) rewritten after each, rows in the class's order, then the
    class's table."""
    from tqdm import tqdm
    out = args.out if args.out is not None else Path.cwd()
    make_folder(out)  # before grading a class, not after
    tqdm.monitor_interval = 0  # no monitor thread in a process that starts test processes
    taken = set()
    named = [(path, unique_name(path, taken)) for path in paths]
    order = {name: index for index, (_, name) in enumerate(named)}
    jobs = min(args.jobs or len(os.sched_getaffinity(0)), len(named))
    if jobs > 1:
        settings = {"args": args, "tests": tests, "needed": needed, "caps": caps}
        results = graded_in_parallel(jobs, settings, box, workspace, named)
    else:
        results = ((path, name, student_result(args, tests, needed, path, name, box, caps,
                                               workspace)) for path, name in named)
    done = {}
    bar = tqdm(total=len(named), desc=f"grading {part}", unit="hand-in", dynamic_ncols=True)
    with bar:
        for _, name, record in results:
            done[name] = record
            write_scores(out, args.scores, part, tests,
                         sorted(done.values(), key=lambda each: order[each["student"]]),
                         args.seed)
            bar.update()
            bar.write(f"{display(name)}: {record['score']}/{record['total']}")
    records = [done[name] for _, name in named]
    print(class_table(records))
    print(f"\nwrote {out / (args.scores + '.csv')} and {out / (args.scores + '.json')} "
          "(every reason in full)")
    full = sum(record["score"] == record["total"] for record in records)
    print(f"Full marks: {full}/{len(records)} hand-ins")
    return 0 if full == len(records) else 1


def lost_points(record):
    return [f"{test['name']}: {test['error']}" for test in record["tests"]
            if test["score"] < test["points"]]


def class_table(records):
    """One line per student: total, then why points were lost (first failing test), cut
    at a word to fit a line; the score files keep it whole."""
    width = max(len(display(record["student"])) for record in records)
    lines = [f"{'Student':<{width}}  Total  Lost", "-" * (width + 30)]
    for record in records:
        lost = lost_points(record)
        note = record["error"] or (lost[0] if lost else "")
        lines.append(f"{display(record['student']):<{width}}  "
                     f"{record['score']:>2}/{record['total']:<3} "
                     f"{wire.shorten(note, NOTE_CHARACTERS)}")
    return "\n".join(lines)


def cell(value):
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_scores(out, stem, part, tests, records, seed):
    """<stem>.csv (student, each test's points, total, note: every reason in full) and
    <stem>.json (everything, and the run's `seed`: `--seed` with it draws the same cases
    again), each written whole to a temporary file and renamed over the last."""
    names = [test.name for test in tests]
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["student", *names, "total", "note"])
    for record in records:
        scores = {test["name"]: test["score"] for test in record["tests"]}
        writer.writerow([cell(record["student"]), *[scores[name] for name in names],
                         record["score"],
                         cell(record["error"] or "; ".join(lost_points(record)))])
    scores = {"part": part, "seed": seed, "tests": [{"name": test.name, "points": test.points}
                                      for test in tests],
              "total": sum(test.points for test in tests), "students": records}
    write_atomically(out / f"{stem}.csv", text.getvalue())
    write_atomically(out / f"{stem}.json", json.dumps(scores, indent=2) + "\n")


def make_folder(out):
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(f"cannot create the output folder {out} ({err.strerror or err}); "
                         "choose another --out") from None


def write_atomically(path, text):
    """Write a temporary file next to `path`, then rename it over `path`. File names keep
    their bytes (surrogateescape)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8", errors="surrogateescape", newline="") as f:
            f.write(text)
        os.replace(temporary, path)
    except OSError as err:
        temporary.unlink(missing_ok=True)
        raise UsageError(f"cannot write {path} ({err.strerror}); choose another --out") from None


def run(doc, tests, part, summary_file, needed, scores):
    """Entry point of a runner script."""
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C ends the workers too
    try:
        status = grading_main(doc, tests, part, summary_file, needed, scores)
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:  # the output went to a pipe that closed (| head)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    sys.exit(status)
