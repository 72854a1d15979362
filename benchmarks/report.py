"""The benchmarks block of REPORT.md, from results/benchmarks/<name>.json (one file
per benchmark module, written by the module or by benchmarks/run_all.py)."""
from pathlib import Path

import store
from benchmarks import format_value


def report_table(results_root):
    folder = Path(results_root) / "benchmarks"
    return format_table([store.load_json(path) for path in sorted(folder.glob("*.json"))])


def format_table(results):
    """Markdown for the benchmark results (one dict per module) in the given order."""
    machines = sorted({result["machine"] for result in results})
    threads = sorted({result["threads"] for result in results})
    lines = [f"Measured on {', '.join(machines)}, {' or '.join(map(str, threads))} torch "
             f"thread{'s' * (threads != [1])}; ratio = ours / reference.",
             "", "| benchmark | ours | reference | reference's | ratio |",
             "|---|---:|---|---:|---:|"]
    for row in (row for result in results for row in result["rows"] if row["met"] is not None):
        unit = row.get("unit", "s")
        lines.append(f"| {row['name']} | {format_value(row['ours_s'], unit)} | {row['reference']} "
                     f"| {format_value(row['reference_s'], unit)} "
                     f"| {row['ours_s'] / row['reference_s']:.2f} |")
    return "\n".join(lines)
