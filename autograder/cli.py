"""The runners' command line: grade this repository, one hand-in, or a class.

    runner.py                       this repository's mytorch/ (and hw2/); the scores go to
                                    results/mytorch/<summary>.json (--quick: runs/quick/...)
    runner.py --handin PATH         one hand-in (folder or .tar/.tar.gz): table and total
    runner.py --handin A B ...      a class: each path a hand-in, or a folder of hand-ins;
                                    writes scores.csv and scores.json into --out (default:
                                    the current folder) and shows a progress bar

Exit status 0 only at full marks (in class mode: every hand-in at full marks).
"""
import argparse
import csv
import io
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from autograder import grading, handins

REPO_ROOT = Path(__file__).resolve().parents[1]


class UsageError(Exception):
    """Bad input: printed as one line, exit status 1."""


def positive_seconds(text):
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def build_parser(doc, tests):
    """The runners' command line (the same flags for hw1 and hw2)."""
    parser = argparse.ArgumentParser(description=doc,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.set_defaults(part="mytorch")
    parser.add_argument("--handin", nargs="+", metavar="PATH",
                        help="grade these hand-ins instead of this repository: folders holding "
                             "mytorch/ (and hw1/ or hw2/), .tar/.tar.gz files of one, or a "
                             "folder with one hand-in per student")
    parser.add_argument("--test", action="append", default=[], metavar="NAME",
                        help="grade only this test (repeat for more): "
                             + ", ".join(name for name, *_ in tests))
    parser.add_argument("--timeout", type=positive_seconds, default=120.0, metavar="S",
                        help="time limit of each test in seconds (default: 120)")
    parser.add_argument("--out", type=Path, default=None,
                        help="where scores go: without --handin, default results/mytorch/ "
                             "(runs/quick/mytorch/ with --quick); with several hand-ins, "
                             "scores.csv and scores.json, default the current folder; with "
                             "one hand-in, only when given")
    parser.add_argument("--quick", action="store_true",
                        help="the same tests (they take seconds); scores go to runs/quick/")
    for flag in ("--seed", "--device", "--data-dir"):  # the flags every script takes
        parser.add_argument(flag, default=None, help="accepted, unused")
    return parser


def grading_main(doc, tests, part, summary_file, needed):
    """A runner: `tests` as (name, points, "module:function", section), `part` the
    homework's name ("HW2P1"), `summary_file` the JSON for this repository's own grade,
    `needed` the packages a hand-in must hold. Returns the exit status."""
    args = build_parser(doc, tests).parse_args()
    try:
        tests = grading.select(tests, args.test)
    except ValueError as err:
        raise UsageError(str(err)) from None
    with tempfile.TemporaryDirectory(prefix="grade-") as workspace:
        if args.handin is None:
            return grade_repository(args, tests, summary_file, needed, workspace)
        try:
            paths = handins.expand(args.handin)
        except FileNotFoundError as err:
            raise UsageError(str(err)) from None
        first = Path(args.handin[0])
        if len(args.handin) == 1 and not (first.is_dir() and handins.find_root(first) is None):
            return grade_one(args, tests, part, needed, paths[0], workspace)
        return grade_class(args, tests, part, needed, paths, workspace)


def grade_verbose(tests, folder, timeout):
    """Grade with a line per test as it ends, then the points table."""
    start = time.perf_counter()
    rows = grading.grade(tests, folder, timeout,
                         on_row=lambda index, row: print(grading.test_line(index, len(tests), row),
                                                         flush=True))
    print()
    print(grading.points_table(rows))
    return rows, time.perf_counter() - start


def grade_repository(args, tests, summary_file, needed, workspace):
    """This repository's own library: table, total and results/mytorch/<summary_file>
    (written by utils, in the format of every other part's results)."""
    import utils
    folder = handins.stage(REPO_ROOT, needed, workspace)
    rows, seconds = grade_verbose(tests, folder, args.timeout)
    _, (score, total) = grading.totals(rows)
    summary = {"score": score, "total": total, "seconds": round(seconds, 2),
               "tests": [{key: row[key] for key in ("name", "section", "points", "score", "error")}
                         for row in rows]}
    try:
        out = utils.output_dir(args)
    except utils.UserError as err:
        raise UsageError(str(err)) from None
    utils.save_json(summary, out / summary_file)
    return 0 if score == total else 1


def grade_one(args, tests, part, needed, path, workspace):
    """A single hand-in (a student checking their own work)."""
    print(f"Grading {part} of {path}")
    try:
        folder = handins.stage(path, needed, workspace)
    except handins.HandinError as err:
        print(f"cannot grade {path}: {err}")
        rows, seconds = grading.failed_row(tests, str(err)), 0.0
        print()
        print(grading.points_table(rows))
    else:
        rows, seconds = grade_verbose(tests, folder, args.timeout)
    _, (score, total) = grading.totals(rows)
    if args.out is not None:
        write_scores(args.out, part, tests, [student_record(path, rows, seconds)])
    return 0 if score == total else 1


def student_record(path, rows, seconds, name=None, error=None):
    _, (score, total) = grading.totals(rows)
    return {"student": name or handins.student_name(Path(path)), "path": str(path),
            "score": score, "total": total, "error": error, "seconds": round(seconds, 2),
            "tests": [{key: row[key] for key in ("name", "points", "score", "error", "seconds")}
                      for row in rows]}


def grade_class(args, tests, part, needed, paths, workspace):
    """Every hand-in in turn (a progress bar over students), then the class's table,
    scores.csv and scores.json."""
    from tqdm import tqdm
    out = args.out if args.out is not None else Path.cwd()
    make_folder(out)  # before grading a class, not after
    tqdm.monitor_interval = 0  # no monitor thread: the tests' children are forked
    records, names = [], set()
    bar = tqdm(paths, desc=f"grading {part}", unit="hand-in", dynamic_ncols=True)
    for path in bar:
        name = handins.student_name(path)
        name = name if name not in names else path.name
        names.add(name)
        bar.set_postfix_str(name)
        start = time.perf_counter()
        try:
            folder = handins.stage(path, needed, workspace)
        except handins.HandinError as err:
            records.append(student_record(path, grading.failed_row(tests, str(err)), 0.0, name,
                                          str(err)))
            continue
        rows = grading.grade(tests, folder, args.timeout)
        shutil.rmtree(folder, ignore_errors=True)
        records.append(student_record(path, rows, time.perf_counter() - start, name))
        bar.write(f"{name}: {records[-1]['score']}/{records[-1]['total']}")
    print(class_table(tests, records))
    write_scores(out, part, tests, records)
    print(f"\nwrote {out / 'scores.csv'} and {out / 'scores.json'}")
    full = sum(record["score"] == record["total"] for record in records)
    print(f"Full marks: {full}/{len(records)} hand-ins")
    return 0 if full == len(records) else 1


def class_table(tests, records):
    """One line per student: total, then why points were lost (first failing test)."""
    width = max(len(record["student"]) for record in records)
    lines = [f"{'Student':<{width}}  Total  Lost", "-" * (width + 30)]
    for record in records:
        lost = [f"{test['name']}: {test['error']}" for test in record["tests"]
                if test["score"] < test["points"]]
        note = record["error"] or (lost[0] if lost else "")
        lines.append(f"{record['student']:<{width}}  {record['score']:>2}/{record['total']:<3} "
                     f"{note[:120]}")
    return "\n".join(lines)


def write_scores(out, part, tests, records):
    """scores.csv (student, each test's points, total, note) and scores.json (everything)."""
    make_folder(out)
    names = [name for name, *_ in tests]
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["student", *names, "total", "note"])
    for record in records:
        scores = {test["name"]: test["score"] for test in record["tests"]}
        lost = [f"{test['name']}: {test['error']}" for test in record["tests"]
                if test["score"] < test["points"]]
        writer.writerow([record["student"], *[scores[name] for name in names], record["score"],
                         record["error"] or "; ".join(lost)[:500]])
    scores = {"part": part, "tests": [{"name": name, "points": points}
                                      for name, points, *_ in tests],
              "total": sum(points for _, points, *_ in tests), "students": records}
    write_atomically(out / "scores.csv", text.getvalue())
    write_atomically(out / "scores.json", json.dumps(scores, indent=2) + "\n")


def make_folder(out):
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(f"cannot create the output folder {out} ({err.strerror or err}); "
                         "choose another --out") from None


def write_atomically(path, text):
    """Write a temporary file next to `path`, then rename it over `path`."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text)
        os.replace(temporary, path)
    except OSError as err:
        temporary.unlink(missing_ok=True)
        raise UsageError(f"cannot write {path} ({err.strerror}); choose another --out") from None


def run(doc, tests, part, summary_file, needed):
    """Entry point of a runner script."""
    if not hasattr(os, "fork"):
        print("error: the autograder runs each test in a forked process; use Linux, macOS "
              "or WSL", file=sys.stderr)
        sys.exit(1)
    try:
        status = grading_main(doc, tests, part, summary_file, needed)
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        sys.exit(130)
    sys.exit(status)
