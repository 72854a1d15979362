"""run_all.py and reproduce/: the declared runs, their order and parallel execution,
and REPORT.md agreeing with results/."""
import re
import subprocess
import sys

from reproduce import report
from reproduce import run as runner
from reproduce.parts import PARTS, Part, Run
from utils import REPO_ROOT


def run(*args):
    return subprocess.run([sys.executable, "run_all.py", *args], cwd=REPO_ROOT,
                          capture_output=True, text=True)


def test_help_list_and_commands():
    assert run("--help").returncode == 0
    listed = run("--list")
    assert listed.returncode == 0 and "final" in listed.stdout
    commands = run("--print-commands", "--data-dir", "somewhere").stdout.splitlines()
    assert len(commands) == sum(len(part.runs) for part in PARTS)
    assert all(line.startswith("python ") and "--data-dir" in line for line in commands)


def test_only_the_reproduction_writes_results():
    """A full run passes --out results/...: a script's own default is runs/, so a run by
    hand never rewrites the committed reference; a quick run never names results/."""
    for part in PARTS:
        for declared in part.runs:
            flags = list(declared.argv)
            assert "--out" in flags, f"{part.name}/{declared.name} writes outside results/"
            out = flags[flags.index("--out") + 1]
            assert out.startswith("results/"), f"{part.name}/{declared.name}: --out {out}"
            assert declared.result is None or declared.result.startswith(out + "/")
        assert not any("results/" in " ".join(quick.argv) for quick in part.quick)


def test_commands_come_after_the_runs_they_wait_for():
    for quick in (False, True):
        order = runner.ordered_runs(PARTS, quick)
        seen = set()
        for part, declared in order:
            assert {f"{part.name}/{name}" for name in declared.after} <= seen
            seen.add(f"{part.name}/{declared.name}")


def test_parts_are_named_after_their_folders():
    names = [part.name for part in PARTS]
    assert len(set(names)) == len(names)
    assert all((REPO_ROOT / name).is_dir() for name in names)


def test_unknown_part_is_one_line_error():
    result = run("--only", "no-such-part")
    assert result.returncode == 1
    assert result.stderr.startswith("error: unknown part") and result.stderr.count("\n") == 1


def test_runs_side_by_side_and_skips_what_waits_for_a_failure(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "LOGS", tmp_path)
    marker = tmp_path / "second"
    part = Part("demo", runs=(
        Run("fails", ("-c", "raise SystemExit(3)")),
        Run("waits", ("-c", "print('never')"), after=("fails",)),
        Run("first", ("-c", "import time; time.sleep(0.5)")),
        Run("second", ("-c", f"open({str(marker)!r}, 'w')"), after=("first",)),
    ))
    status = runner.execute(runner.ordered_runs([part]), jobs=2, data_dir=None, quick=True)
    assert {key: state for key, (state, _) in status.items()} == {
        "demo/fails": "FAILED", "demo/waits": "skipped", "demo/first": "ok", "demo/second": "ok"}
    assert marker.exists() and (tmp_path / "demo" / "fails.log").exists()


def busy_while(marker, checks=None):
    """Python code that fails if `checks` exists, else holds `marker` for half a second."""
    return ("import pathlib, sys, time\n"
            f"sys.exit(3) if {checks is not None} and pathlib.Path({str(checks)!r}).exists() "
            "else None\n"
            f"marker = pathlib.Path({str(marker)!r}); marker.touch(); time.sleep(0.5); "
            "marker.unlink()")


def test_an_alone_part_runs_with_nothing_beside_it(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "LOGS", tmp_path)
    first, alone = tmp_path / "first-busy", tmp_path / "alone-busy"
    parts = [Part("first", runs=(Run("a", ("-c", busy_while(first))),)),
             Part("bench", runs=(Run("b", ("-c", busy_while(alone, first))),), alone=True),
             Part("last", runs=(Run("c", ("-c", busy_while(tmp_path / "c", alone))),))]
    status = runner.execute(runner.ordered_runs(parts), jobs=3, data_dir=None, quick=True)
    assert {key: state for key, (state, _) in status.items()} == {
        "first/a": "ok", "bench/b": "ok", "last/c": "ok"}


def test_report_tables_match_results():
    text = (REPO_ROOT / "REPORT.md").read_text()
    assert report.render_report(text) == text, \
        "REPORT.md is stale: run `python run_all.py --tables`"


def test_report_images_exist_and_every_result_png_is_shown_or_linked():
    text = (REPO_ROOT / "REPORT.md").read_text()
    shown = set(re.findall(r"\]\(([^)\s]+\.png)\)", text))
    missing = [p for p in shown if not (REPO_ROOT / p).is_file()]
    assert not missing, f"REPORT.md shows images that do not exist: {missing}"
    pngs = {p.relative_to(REPO_ROOT).as_posix() for p in (REPO_ROOT / "results").rglob("*.png")}
    unseen = sorted(pngs - shown)
    assert not unseen, f"results PNGs that REPORT.md never shows or links: {unseen}"


def github_anchor(heading):
    """The anchor GitHub gives a markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_readme_links_to_report_sections_that_exist():
    headings = re.findall(r"^#+ (.+)$", (REPO_ROOT / "REPORT.md").read_text(), re.M)
    anchors = {github_anchor(heading) for heading in headings}
    links = re.findall(r"\(REPORT\.md#([^)]+)\)", (REPO_ROOT / "README.md").read_text())
    assert links and not set(links) - anchors, f"dead links: {sorted(set(links) - anchors)}"


def test_readme_set_up_is_a_venv_and_what_ci_runs():
    """README's two set-up commands: a Python 3.11 virtual environment with the pinned
    packages, then exactly the style check and tests that .ci/run runs."""
    readme = (REPO_ROOT / "README.md").read_text()
    block = readme.split("## Set-up", 1)[1].split("```")[1].strip().splitlines()
    assert len(block) == 2 and "Python 3.11" in readme
    install, test = block
    assert install.startswith("python3.11 -m venv .venv && . .venv/bin/activate && ")
    ci = [line for line in (REPO_ROOT / ".ci" / "run").read_text().splitlines()
          if line and not line.startswith(("#", "set ", "cd ", "command "))]
    assert install.endswith(ci[0]) and " && ".join(ci[1:]) == test
