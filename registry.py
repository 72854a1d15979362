"""The runs every part declares, in an order that respects their dependencies,
and the REPORT.md blocks built from what they wrote.

Each part lists its runs in its own folder (`<folder>/runs.py`, a list `PARTS` of
`utils.Part`); this module gathers them for run_all.py and for the tests that
keep REPORT.md in step with results/.
"""
import importlib
import re

from utils import REPO_ROOT, UserError, load_json

# The modules that declare the parts, in the order REPORT.md answers them.
PART_MODULES = ("cifar.runs", "parity.runs", "hw2.runs", "palindrome.runs", "imdb.runs",
                "names_rnn.runs")

# REPORT.md blocks that belong to no part: "module:function" taking the results/ folder.
EXTRA_TABLES = {"benchmarks": "benchmarks.report:report_table",
                "timings": "registry:timings_table"}

REPORT = REPO_ROOT / "REPORT.md"
RESULTS = REPO_ROOT / "results"
TIMINGS = RESULTS / "timings.json"
BLOCK = re.compile(r"(<!-- results:(?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /results -->)", re.S)


def all_parts():
    """Every declared part, checked: unique names, and `after` naming runs of its part."""
    parts = [part for module in PART_MODULES for part in importlib.import_module(module).PARTS]
    names = [part.name for part in parts]
    if len(set(names)) != len(names):
        raise ValueError(f"two parts share a name: {names}")
    for part in parts:
        for runs in (part.runs, part.quick):
            known = [run.name for run in runs]
            if len(set(known)) != len(known):
                raise ValueError(f"part {part.name}: two runs share a name")
            for run in runs:
                missing = set(run.after) - set(known)
                if missing:
                    raise ValueError(f"run {part.name}/{run.name} waits for unknown runs "
                                     f"{sorted(missing)}")
    return parts


def select(parts, names=None):
    """The parts named in a comma-separated list (all when None); unknown names
    are one line listing the known ones."""
    if names is None:
        return parts
    wanted = [name.strip() for name in names.split(",") if name.strip()]
    known = [part.name for part in parts]
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise UserError(f"unknown part(s) {', '.join(unknown)}; known: {', '.join(known)}")
    return [part for part in parts if part.name in wanted]


def ordered_runs(parts, quick=False):
    """(part, run) pairs in declared order, each after the runs it waits for."""
    order = []
    for part in parts:
        runs = list(part.quick if quick else part.runs)
        done = set()
        while runs:
            ready = next((run for run in runs if set(run.after) <= done), None)
            if ready is None:
                raise ValueError(f"part {part.name}: runs wait for each other in a cycle")
            runs.remove(ready)
            done.add(ready.name)
            order.append((part, ready))
    return order


# ---------------------------------------------------------------------------
# REPORT.md blocks
# ---------------------------------------------------------------------------

def table_functions():
    """Block name -> "module:function" for every part's table and the extra ones."""
    return {**{part.name: part.table for part in all_parts() if part.table}, **EXTRA_TABLES}


def render_block(name, tables=None):
    """The markdown of REPORT.md's block `name`, built from results/."""
    tables = tables or table_functions()
    if name not in tables:
        raise UserError(f"REPORT.md has a block for {name!r} but no part builds it")
    module, function = tables[name].split(":")
    return getattr(importlib.import_module(module), function)(RESULTS).strip() + "\n"


def render_report(text, names=None):
    """REPORT.md text with its `<!-- results:NAME -->` blocks (those in `names`,
    or all) rebuilt from results/."""
    tables = table_functions()

    def rebuild(match):
        if names is not None and match.group("name") not in names:
            return match.group(0)
        return match.group(1) + render_block(match.group("name"), tables) + match.group(4)
    return BLOCK.sub(rebuild, text)


def timings_table(results):
    """How long each part's full runs took, from the timings run_all.py records."""
    path = results / TIMINGS.name
    timings = load_json(path) if path.exists() else {}
    rows = ["| part | runs | timed | thread-minutes (wall x threads) |", "|---|---:|---:|---:|"]
    totals = [0, 0, 0.0]
    for part in all_parts():
        timed = [timings[key] for key in (f"{part.name}/{run.name}" for run in part.runs)
                 if key in timings]
        minutes = sum(entry["seconds"] * entry["threads"] for entry in timed) / 60
        shown = f"{minutes:.0f}" if timed else "–"
        rows.append(f"| {part.name} | {len(part.runs)} | {len(timed)} | {shown} |")
        totals = [totals[0] + len(part.runs), totals[1] + len(timed), totals[2] + minutes]
    rows.append(f"| all | {totals[0]} | {totals[1]} | {totals[2]:.0f} |")
    return "\n".join(rows)
