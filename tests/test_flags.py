"""Every script's numeric flags are checked before any work: NaN, negative and
huge values (zero too, where it must be positive) end with argparse's usage, one
line naming the flag, and exit status 2, never a traceback or a silent run."""
import argparse
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line
from reproduce.parts import PARTS
from utils import REPO_ROOT

SCRIPTS = sorted(path.relative_to(REPO_ROOT).as_posix()
                 for folder in ("", *{part.name for part in PARTS},
                                "autograder/hw1_autograder", "autograder/hw2_autograder")
                 for path in (REPO_ROOT / folder).glob("*.py")
                 if 'if __name__ == "__main__":' in path.read_text())
NOT_NUMBERS = {None, str, Path, os.path.abspath, utils.tag, utils.device_name}
POSITIVE = {utils.positive_int, utils.positive_float}


def load(path):
    spec = importlib.util.spec_from_file_location(
        "flags_" + path.removesuffix(".py").replace("/", "_"), REPO_ROOT / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def numeric_flags(parser):
    return [action for action in parser._actions
            if action.option_strings and action.type not in NOT_NUMBERS]


def test_every_script_is_found_and_has_a_parser():
    assert {"cifar_pytorch.py", "test.py", "names_rnn/train.py", "palindrome/train.py",
            "imdb/autoregressive.py", "benchmarks/run_all.py"} <= set(SCRIPTS)
    for path in SCRIPTS:
        assert hasattr(load(path), "build_parser"), f"{path} has no build_parser()"


@pytest.mark.parametrize("path", SCRIPTS)
def test_numeric_flags_use_checked_types(path):
    for action in numeric_flags(load(path).build_parser()):
        assert action.type not in (int, float) or action.choices, \
            f"{path} {action.option_strings[0]} takes any {action.type.__name__}"


@pytest.mark.parametrize("path", SCRIPTS)
def test_bad_numbers_are_refused_in_one_line(path, capsys):
    parser = load(path).build_parser()
    for action in numeric_flags(parser):
        flag = action.option_strings[-1]
        bad = ["nan", "-1", "1e999", "-inf"] + (["0"] if action.type in POSITIVE else [])
        for value in bad:
            if action.choices and value not in map(str, action.choices):
                continue  # argparse's own choices check refuses it
            with pytest.raises(SystemExit) as exit_info:
                parser.parse_args([flag, value])
            error = capsys.readouterr().err.strip().splitlines()[-1]
            assert exit_info.value.code == 2, f"{path} {flag} {value}"
            assert error.startswith(parser.prog) and flag in error, f"{path} {flag}: {error}"


def test_the_seed_range_is_numpy_s():
    parser = utils.add_common_args(argparse.ArgumentParser(), "demo")
    for value in ("-1", "99999999999"):
        with pytest.raises(SystemExit):
            parser.parse_args(["--seed", value])


TRAINING = ["cifar_pytorch.py", "driver_parity.py", "univariate_tester.py", "hw2/train_demo.py",
            "imdb/classify.py", "imdb/autoregressive.py", "names_rnn/train.py",
            "palindrome/train.py", "palindrome/experiment.py", "benchmarks/run_all.py"]


@pytest.mark.parametrize("path", TRAINING)
def test_an_output_folder_that_is_a_file_is_one_line(path, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = subprocess.run([sys.executable, path, "--quick", "--out", str(blocker / "out"),
                             "--data-dir", str(tmp_path)], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


NO_VALUE = (argparse._HelpAction, argparse._StoreTrueAction, argparse._StoreFalseAction)


@pytest.mark.parametrize("path", SCRIPTS)
def test_help_shows_every_default_and_abbreviations_are_refused(path):
    parser = load(path).build_parser()
    assert not parser.allow_abbrev, f"{path} takes abbreviated flags"
    formatter = parser._get_formatter()
    for action in parser._actions:
        if action.option_strings and not isinstance(action, NO_VALUE):
            shown = formatter._expand_help(action) if action.help else ""
            assert "default" in shown, f"{path} {action.option_strings[0]}: {shown!r}"


def test_an_abbreviated_flag_is_an_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        load("cifar_pytorch.py").build_parser().parse_args(["--epoch", "3"])
    assert exit_info.value.code == 2
    assert "unrecognized arguments: --epoch 3" in capsys.readouterr().err


@pytest.mark.parametrize("path", [path for path in SCRIPTS if path.startswith("palindrome/")
                                  and hasattr(load(path), "build_parser")])
def test_palindrome_flags_take_underscores_and_dashes(path):
    parser = load(path).build_parser()
    for action in parser._actions:
        for flag in action.option_strings:
            if "_" in flag:
                assert parser._option_string_actions[flag.replace("_", "-")] is action
    underscored, dashed = (utils.parse_args(parser, [flag, "7"])
                           for flag in ("--batch_size", "--batch-size"))
    assert underscored.batch_size == dashed.batch_size == 7
    assert "--batch-size" in parser.format_help()
