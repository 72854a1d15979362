"""Grading one hand-in: for each test the runner draws the case, the hand-in's side runs
in a sandboxed student process of its own, and the verdict is made here, against torch
float64 (autograder.reference, autograder.checking). Then the course runner's table.

A test is one record (`Test`); a row of the result is
{"name", "section", "points", "score", "error", "warnings", "output", "seconds"}.

The course's runner imports its test files at its top, and they import the hand-in's
modules at theirs: a module that does not import fails that runner as a whole. So before
the tests, one student process imports each group's modules (`Test.imports`), and a group
whose import fails scores 0 in every test, with the reason.
"""
import json
import re
import time
from dataclasses import dataclass
from typing import Callable

from autograder import cases, checking
from autograder.child import wire
from autograder.child.drivers import DRIVERS
from autograder.reference import Stop, Torch
from autograder.sandbox import exit_reason

ERROR_CHARACTERS = 500  # of a failure line, as shown and stored
ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b.?")


@dataclass(frozen=True)
class Test:
    """One graded test: its course name and points, the section of the course's scoreboard,
    the file of ours it is written in, `case(rng)` (the inputs and weights, drawn in the
    runner with the run's generator for the test, autograder.cases), `driver` (its steps,
    autograder/child/drivers.py, run in the student process), `reference(case, observed)`
    (the expected values, torch float64, and where the reference stopped), `check` (the
    verdict: None or a failure line; the handout's rules are warnings, checking.warnings),
    `imports` (the hand-in's modules that the course's runner of the test imports before
    any test) and `autolab` (the test's key in the course's Autolab line; its name where
    not given)."""
    name: str
    points: int
    section: str
    file: str
    case: Callable[[object], dict]
    driver: str
    reference: Callable | None = None
    check: Callable = checking.verdict
    imports: tuple = ()
    autolab: str = ""

    @property
    def key(self):
        return self.autolab or self.name

    def expected(self, case, observed):
        if self.reference is not None:
            return self.reference(case, observed)
        return run_reference(self.driver, case, observed)


def run_reference(driver, case, observed, **options):
    """The driver on torch float64: [(key, Expected)], and a Stop where the hand-in's data
    did not allow going on (None when the reference ran to its end)."""
    lib = Torch(observed, **options)
    try:
        DRIVERS[driver](lib, case)
    except Stop as stop:
        return lib.expected, stop
    lib.finish()
    return lib.expected, None


def printable(text, lines=False):
    """`text` with escape sequences and every character that is not printable removed
    (control and format characters, line and paragraph separators, separators other
    than the space; newlines kept where `lines`): hand-in output and names are shown,
    never interpreted, and none starts a line of its own in a terminal, CSV or JSON."""
    text = ESCAPES.sub("", str(text)).replace("\t", " ")
    return "".join(character for character in text
                   if (lines and character == "\n") or character.isprintable())


def select(tests, names):
    """The tests named in `names` (matched case-insensitively), in grading order; all of
    them when `names` is empty. An unknown name is a ValueError listing the known ones."""
    if not names:
        return list(tests)
    known = {test.name.lower() for test in tests}
    unknown = [name for name in names if name.lower() not in known]
    if unknown:
        raise ValueError(f"--test {unknown[0]!r} is not a test; the tests are: "
                         + ", ".join(repr(test.name) for test in tests))
    wanted = {name.lower() for name in names}
    return [test for test in tests if test.name.lower() in wanted]


def decoded(outcome):
    """(the reply's dict, None) or (None, why there is none)."""
    if outcome.stopped is not None:
        return None, outcome.stopped
    if not outcome.reply:
        return None, exit_reason(outcome.status)
    try:
        reply = wire.decode(outcome.reply)
    except wire.WireError as err:
        return None, f"the test process sent a malformed reply ({err})"
    if not (isinstance(reply, dict) and isinstance(reply.get("observed"), dict)
            and isinstance(reply.get("error"), (str, type(None)))
            and type(reply.get("torch")) is bool):
        return None, "the test process sent a malformed reply"
    return reply, None


def judge(test, case, outcome):
    """The test's failure line (None: passed) and the handout's warnings, from what came
    back."""
    reply, why = decoded(outcome)
    if reply is None:
        return why, []
    try:
        expected, stop = test.expected(case, reply["observed"])
        return (test.check(expected, reply["observed"], reply["error"], reply["torch"], stop),
                checking.warnings(expected, reply["observed"]))
    except RecursionError:
        return "the test process sent values nested too deep", []
    except Exception as err:  # a fault of the grader on this reply: this test's row
        return f"grader error: {type(err).__name__}: {err}", []


def import_failure(modules, handin, sandbox, timeout, flag):
    """None when every module of `modules` imports from the hand-in in a student process,
    else the line that makes every test of the group score 0 (`flag`: the time limit that
    bounded the process, named where it ran out)."""
    request = wire.encode({"driver": "imports", "case": {"modules": list(modules)},
                           "seed": 0})
    outcome = sandbox.run(handin, request, timeout)
    reply, why = decoded(outcome)
    if outcome.stopped and outcome.stopped.startswith("timed"):
        why += f" ({flag})"
    if reply is not None and reply["torch"]:
        why = checking.TORCH_LINE
    elif reply is not None:
        for module in modules:
            line = reply["observed"].get(module, "the test process sent no answer")
            if line is not None:
                return (f"the course's runner imports {module} for this group: every test "
                        f"in it scores 0 ({str(line)[:200]})")
        return None
    return (f"the course's runner imports the hand-in's modules for this group, and that "
            f"failed ({why}): every test in it scores 0")


def reason(line):
    """A failure or warning line as shown and stored: printable, at most ERROR_CHARACTERS,
    cut at a word boundary."""
    return wire.shorten(printable(line), ERROR_CHARACTERS)


def row(test, error, output="", seconds=0.0, warnings=()):
    error = None if error is None else reason(error) or "failed"
    return {"name": test.name, "section": test.section, "points": test.points,
            "score": test.points if error is None else 0, "error": error,
            "warnings": [reason(line) for line in warnings],
            "output": printable(output, lines=True), "seconds": seconds}


def grade(tests, handin, sandbox, timeout, budget=float("inf"), on_row=None, strict=False,
          seed=None):
    """Grade the hand-in staged in `handin` with `sandbox` (autograder.sandbox.Sandbox);
    each test may take `timeout` seconds, all of them together `budget`; `on_row(index,
    row)` is called as each test ends. With `strict`, a handout rule the hand-in breaks
    costs the test. The cases come from the run's `seed` (None: a fresh one). Returns the
    rows in grading order."""
    seed = cases.fresh_seed() if seed is None else seed
    import torch
    torch.set_num_threads(1)
    rows, start, groups = [], time.monotonic(), {}
    for index, test in enumerate(tests, 1):
        left = budget - (time.monotonic() - start)
        if test.imports and test.imports not in groups and left > 0:
            groups[test.imports] = import_failure(
                test.imports, handin, sandbox, min(timeout, left),
                "--timeout" if timeout <= left else "--student-timeout")
            left = budget - (time.monotonic() - start)
        if left <= 0:
            rows.append(row(test, f"not run: the hand-in used up its --student-timeout of "
                                  f"{budget:g} s"))
        elif groups.get(test.imports) is not None:
            rows.append(row(test, groups[test.imports]))
        else:
            case, student_seed = cases.draw(test, seed)
            request = wire.encode({"driver": test.driver, "case": case, "seed": student_seed})
            outcome = sandbox.run(handin, request, min(timeout, left))
            error, warnings = judge(test, case, outcome)
            if error is not None and outcome.stopped and outcome.stopped.startswith("timed"):
                error += " (--timeout)" if timeout <= left else " (--student-timeout)"
            if error is None and warnings and strict:
                error = f"{warnings[0]} (a rule of the handout; --strict)"
            rows.append(row(test, error, outcome.output.decode("utf-8", "replace"),
                            outcome.seconds, warnings))
        if on_row is not None:
            on_row(index, rows[-1])
    return rows


def failed_rows(tests, reason):
    """The rows of a hand-in that could not be graded at all: every test 0 for `reason`."""
    return [row(test, reason) for test in tests]


def totals(rows):
    """{section: (score, points)} in grading order, and the overall (score, points)."""
    sections = {}
    for each in rows:
        score, points = sections.get(each["section"], (0, 0))
        sections[each["section"]] = (score + each["score"], points + each["points"])
    return sections, (sum(each["score"] for each in rows), sum(each["points"] for each in rows))


def test_line(index, count, row):
    """'Test  3/6 [FAIL] Flatten (0.4 s): <why>', and the tail of what it printed."""
    status = "PASS" if row["error"] is None else "FAIL"  # Add is worth 0 points
    line = f"Test {index:>2}/{count} [{status}] {row['name']} ({row['seconds']:.1f} s)"
    if status == "FAIL":
        line += f": {row['error']}"
    line += "".join(f"\n    warning: {warning}: {checking.RULE_NOTE}"
                    for warning in row.get("warnings", ()))
    if status == "FAIL":
        printed = [text for text in row["output"].splitlines() if text.strip()][-3:]
        line += "".join(f"\n    | {text[:200]}" for text in printed)
    return line


def autolab_line(tests, rows):
    """The course's last line for Autolab: {"scores": {key: points scored}}."""
    return json.dumps({"scores": {test.key: each["score"] for test, each in zip(tests, rows)}})


def points_table(rows):
    """The course runner's table: each test's score out of its points, by section, then
    `Total score: N/M`."""
    width = max(len(each["name"]) for each in rows)
    sections, (score, points) = totals(rows)
    lines = [f"{'Test':<{width}}  Score", "-" * (width + 9)]
    for section in sections:
        if len(sections) > 1:
            lines.append(f"[{section}]")
        lines += [f"{each['name']:<{width}}  {each['score']:>2}/{each['points']}"
                  for each in rows if each["section"] == section]
    lines.append("-" * (width + 9))
    if len(sections) > 1:
        lines += [f"{section}: {got}/{out_of}" for section, (got, out_of) in sections.items()]
    lines.append(f"Total score: {score}/{points}")
    return "\n".join(lines)
