"""The commands REPORT.md and README.md show run as written: each `python SCRIPT ...`
names a script of the repository and only flags (and --config names) that the
script's --help lists, and no command reaches for a path outside the repository."""
import re
import shlex
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = ("REPORT.md", "README.md")
# Words a reader replaces: a script or value in capitals, or path/to/...
PLACEHOLDER = re.compile(r"^(?:[A-Z][A-Z_]*|path/to/.*)$")
PYTHON = re.compile(r"^python(?:3(?:\.\d+)?)?$")


def command_lines(text):
    """Every line of a fenced code block, and every inline code span that runs python."""
    fenced = re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.S | re.M)
    spans = re.findall(r"`([^`\n]+)`", re.sub(r"^```.*?^```", "", text, flags=re.S | re.M))
    return ([line for block in fenced for line in block.splitlines()]
            + [span for span in spans if re.search(r"\bpython", span)])


def commands(text):
    """(script, [tokens after it]) of every `python SCRIPT.py ...` in `text`."""
    found = []
    for line in command_lines(text):
        for part in re.split(r"&&|;|\|", line.split(" #")[0]):
            try:
                tokens = shlex.split(part)
            except ValueError:
                continue
            for i, token in enumerate(tokens[:-1]):
                if PYTHON.match(token) and tokens[i + 1].endswith(".py"):
                    found.append((tokens[i + 1], tokens[i + 2:]))
    return found


def all_commands():
    return [(doc, script, args) for doc in DOCUMENTS
            for script, args in commands((ROOT / doc).read_text())]


@cache
def help_text(script):
    result = subprocess.run([sys.executable, script, "--help"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, f"python {script} --help failed: {result.stderr[-500:]}"
    return result.stdout


def test_the_documents_show_commands():
    scripts = {script for _, script, _ in all_commands()}
    assert {"cifar_pytorch.py", "test.py", "run_all.py"} <= scripts


@pytest.mark.parametrize("doc,script,args", all_commands(),
                         ids=lambda value: value if isinstance(value, str) else None)
def test_each_command_names_a_script_and_flags_that_exist(doc, script, args):
    if PLACEHOLDER.match(script):
        return
    assert (ROOT / script).is_file(), f"{doc}: no script {script}"
    usage = help_text(script)
    for i, token in enumerate(args):
        if token.startswith(">"):
            break
        if token.startswith("--"):
            flag = token.split("=")[0]
            assert re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", usage), (
                f"{doc}: python {script} has no flag {flag}")
            value = args[i + 1] if i + 1 < len(args) else None
            if flag == "--config" and value and not PLACEHOLDER.match(value):
                assert re.search(rf"(?<![\w-]){re.escape(value)}(?![\w-])", usage), (
                    f"{doc}: python {script} has no config {value}")


def test_no_command_or_link_leaves_the_repository():
    for doc in DOCUMENTS:
        text = (ROOT / doc).read_text()
        for line in command_lines(text):
            for token in re.split(r"[\s=]+", line.split(" #")[0]):
                assert not re.match(r"^(?:/\w|~|\.\./)", token) and "/../" not in token, (
                    f"{doc}: {line!r} names a path outside the repository")
        for target in re.findall(r"\]\(([^)]+)\)", text):
            if not re.match(r"^(?:https?:|#)", target):
                assert (ROOT / target.split("#")[0]).exists(), f"{doc}: broken link {target}"
                assert ROOT in (ROOT / target).resolve().parents, f"{doc}: link leaves {target}"
