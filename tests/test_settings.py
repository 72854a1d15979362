"""Committed results agree with the code: every run JSON records settings that its
script still accepts, belongs to a declared run, and a final run's settings are
exactly what its declared command parses to."""
import fnmatch
import functools
import importlib.util
import json

import pytest

import store
import utils
from reproduce.parts import PARTS
from utils import REPO_ROOT

DECLARED = [(part, run) for part in PARTS for run in part.runs if run.result]


@functools.cache
def script_module(path):
    """The module of a script path such as names_rnn/train.py, loaded from its file
    (a top-level test.py must not resolve to Python's own test package)."""
    spec = importlib.util.spec_from_file_location(
        "script_" + path.removesuffix(".py").replace("/", "_"), REPO_ROOT / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def recorded_runs():
    """(path from the repo root, JSON) of every committed result that records settings."""
    for path in sorted((REPO_ROOT / "results").rglob("*.json")):
        data = store.load_json(path)
        if isinstance(data, dict) and "settings" in data:
            yield path.relative_to(REPO_ROOT).as_posix(), data


RECORDED = list(recorded_runs())


def test_every_recorded_setting_is_one_its_script_accepts():
    for path, data in RECORDED:
        parser = script_module(data["script"]).build_parser()
        dests = {action.dest for action in parser._actions}
        unknown = set(data["settings"]) - dests
        assert not unknown, f"{path}: {data['script']} has no settings {sorted(unknown)}"


def test_every_recorded_run_is_declared():
    patterns = [run.result for _, run in DECLARED]
    orphans = [path for path, _ in RECORDED
               if not any(fnmatch.fnmatch(path, pattern) for pattern in patterns)]
    assert not orphans, f"results that no declared run writes: {orphans}"


@pytest.mark.parametrize("part, run", [(p, r) for p, r in DECLARED if r.kind == "final"],
                         ids=lambda value: getattr(value, "name", ""))
def test_final_run_settings_equal_its_command(part, run):
    paths = sorted(REPO_ROOT.glob(run.result))
    assert paths, f"{part.name}/{run.name}: no committed {run.result}"
    args = utils.parse_args(script_module(run.argv[0]).build_parser(), list(run.argv[1:]))
    expected = json.loads(json.dumps(utils.run_settings(args), default=store._to_builtin))
    for path in paths:
        data = store.load_json(path)
        assert data["script"] == run.argv[0]
        if "*" in run.result:  # one file per model, length or seed: the shared settings
            expected_here = {key: value for key, value in expected.items()
                             if key in data["settings"]}
        else:
            expected_here = expected
        assert data["settings"] == expected_here, f"{path} was not made by {run.argv}"
