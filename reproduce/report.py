"""REPORT.md's generated blocks: the text between `<!-- results:NAME -->` and
`<!-- /results -->` is rebuilt from results/ by the function a part names for it;
the timings block comes from results/timings.json, which run.py keeps up to date."""
import importlib
import re

from reproduce.parts import PARTS
from store import load_json, save_json
from utils import REPO_ROOT, UserError

REPORT = REPO_ROOT / "REPORT.md"
RESULTS = REPO_ROOT / "results"
TIMINGS = RESULTS / "timings.json"
BLOCK = re.compile(r"(<!-- results:(?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /results -->)", re.S)


def table_functions():
    """Block name -> "module:function" for every part's blocks and the timings block."""
    tables = {name: function for part in PARTS for name, function in part.tables.items()}
    return {**tables, "timings": "reproduce.report:timings_table"}


def render_block(name, tables):
    """The markdown of REPORT.md's block `name`, built from results/."""
    if name not in tables:
        raise UserError(f"REPORT.md has a block for {name!r} but no part builds it")
    module, function = tables[name].split(":")
    return getattr(importlib.import_module(module), function)(RESULTS).strip() + "\n"


def render_report(text, names=None):
    """REPORT.md text with its blocks (those in `names`, or all) rebuilt from results/."""
    tables = table_functions()

    def rebuild(match):
        if names is not None and match.group("name") not in names:
            return match.group(0)
        return match.group(1) + render_block(match.group("name"), tables) + match.group(4)
    return BLOCK.sub(rebuild, text)


def rebuild_report(parts):
    """Rewrite REPORT.md's blocks of `parts` (and the timings block)."""
    names = {name for part in parts for name in part.tables} | {"timings"}
    REPORT.write_text(render_report(REPORT.read_text(), names))


def record_timing(key, seconds, threads):
    """Keep a finished full run's seconds in results/timings.json (as soon as it
    ends, so that an interrupted reproduction keeps the timings it has)."""
    timings = load_json(TIMINGS) if TIMINGS.exists() else {}
    timings[key] = {"seconds": round(seconds, 1), "threads": threads}
    save_json(dict(sorted(timings.items())), TIMINGS)


def timings_table(results):
    """How long each part's full runs took, from the timings run.py records."""
    path = results / TIMINGS.name
    timings = load_json(path) if path.exists() else {}
    rows = ["| part | runs | runs timed | core-minutes |", "|---|---:|---:|---:|"]
    totals = [0, 0, 0.0]
    for part in PARTS:
        timed = [timings[key] for key in (f"{part.name}/{run.name}" for run in part.runs)
                 if key in timings]
        minutes = sum(entry["seconds"] * entry["threads"] for entry in timed) / 60
        shown = f"{minutes:.0f}" if timed else "–"
        rows.append(f"| {part.name} | {len(part.runs)} | {len(timed)} | {shown} |")
        totals = [totals[0] + len(part.runs), totals[1] + len(timed), totals[2] + minutes]
    rows.append(f"| all | {totals[0]} | {totals[1]} | {totals[2]:.0f} |")
    return "\n".join(rows)
