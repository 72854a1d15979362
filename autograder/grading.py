"""Grading one hand-in: every selected all-or-nothing test in a child process of its own
(autograder.isolation), then the course runner's points table.

A test is (name, points, "module:function", section); a row of the result is
{"name", "section", "points", "score", "error", "output", "seconds"}.
"""
from autograder.isolation import preload, run_isolated

MAX_OUTPUT = 32 << 20  # bytes a test may print before it is stopped


def select(tests, names):
    """The tests named in `names` (matched case-insensitively), in grading order; all of
    them when `names` is empty. An unknown name is a ValueError listing the known ones."""
    if not names:
        return list(tests)
    known = {name.lower(): name for name, *_ in tests}
    unknown = [name for name in names if name.lower() not in known]
    if unknown:
        raise ValueError(f"--test {unknown[0]!r} is not a test; the tests are: "
                         + ", ".join(repr(name) for name, *_ in tests))
    wanted = {name.lower() for name in names}
    return [test for test in tests if test[0].lower() in wanted]


def grade(tests, folder, timeout, on_row=None):
    """Grade the hand-in staged in `folder`; `on_row(index, row)` is called as each test
    ends. Returns the rows in grading order."""
    preload(target for _, _, target, _ in tests)
    rows = []
    for index, (name, points, target, section) in enumerate(tests, 1):
        outcome = run_isolated(folder, target, timeout, MAX_OUTPUT)
        rows.append({"name": name, "section": section, "points": points,
                     "score": points if outcome["passed"] else 0, "error": outcome["error"],
                     "output": outcome["output"], "seconds": outcome["seconds"]})
        if on_row is not None:
            on_row(index, rows[-1])
    return rows


def failed_row(tests, reason):
    """The rows of a hand-in that could not be graded at all: every test 0 for `reason`."""
    return [{"name": name, "section": section, "points": points, "score": 0,
             "error": reason, "output": "", "seconds": 0.0}
            for name, points, _, section in tests]


def totals(rows):
    """{section: (score, points)} in grading order, and the overall (score, points)."""
    sections = {}
    for row in rows:
        score, points = sections.get(row["section"], (0, 0))
        sections[row["section"]] = (score + row["score"], points + row["points"])
    return sections, (sum(row["score"] for row in rows), sum(row["points"] for row in rows))


def test_line(index, count, row):
    """'Test  3/6 [FAIL] Flatten (0.4 s): <why>', and the tail of what it printed."""
    status = "PASS" if row["error"] is None else "FAIL"  # Add is worth 0 points
    line = f"Test {index:>2}/{count} [{status}] {row['name']} ({row['seconds']:.1f} s)"
    if status == "FAIL":
        line += f": {row['error']}"
        printed = [text for text in row["output"].splitlines() if text.strip()][-3:]
        line += "".join(f"\n    | {text[:200]}" for text in printed)
    return line


def points_table(rows):
    """The course runner's table: each test's score out of its points, by section, then
    `Total score: N/M`."""
    width = max(len(row["name"]) for row in rows)
    sections, (score, points) = totals(rows)
    lines = [f"{'Test':<{width}}  Score", "-" * (width + 9)]
    for section in sections:
        if len(sections) > 1:
            lines.append(f"[{section}]")
        lines += [f"{row['name']:<{width}}  {row['score']:>2}/{row['points']}"
                  for row in rows if row["section"] == section]
    lines.append("-" * (width + 9))
    if len(sections) > 1:
        lines += [f"{section}: {got}/{out_of}" for section, (got, out_of) in sections.items()]
    lines.append(f"Total score: {score}/{points}")
    return "\n".join(lines)
