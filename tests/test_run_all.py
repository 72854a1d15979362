"""run_all.py: the registry runs, and REPORT.md agrees with results/."""
import re
import subprocess
import sys

import run_all
from utils import REPO_ROOT


def run(*args):
    return subprocess.run([sys.executable, "run_all.py", *args], cwd=REPO_ROOT,
                          capture_output=True, text=True)


def test_help_and_list():
    assert run("--help").returncode == 0
    assert run("--list").returncode == 0


def test_unknown_part_is_one_line_error():
    result = run("--only", "no-such-part")
    assert result.returncode == 1
    assert result.stderr.startswith("error: unknown part") and result.stderr.count("\n") == 1


def test_report_tables_match_results():
    text = (REPO_ROOT / "REPORT.md").read_text()
    assert run_all.render_report(text) == text, "REPORT.md is stale: run `python run_all.py --tables`"


def test_report_images_exist_and_every_result_png_is_shown():
    text = (REPO_ROOT / "REPORT.md").read_text()
    shown = set(re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", text))
    missing = [p for p in shown if not (REPO_ROOT / p).is_file()]
    assert not missing, f"REPORT.md shows images that do not exist: {missing}"
    pngs = {p.relative_to(REPO_ROOT).as_posix() for p in (REPO_ROOT / "results").rglob("*.png")}
    assert not pngs - shown, f"results PNGs that REPORT.md never shows: {sorted(pngs - shown)}"
