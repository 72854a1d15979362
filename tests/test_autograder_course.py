"""The course's points, the handout's warnings and the formats courses grade with, on small
hand-ins: copies of tests/handin_fixture that differ from it where the course's graders and
the handout part ways (a module the course's runner imports is missing, a Dropout that
changes its input in place, a cross-entropy without LogSumExp, a Conv1d output that is a
leaf, a `T` property, a wrong get_final_conv_output_size the CNN does not use). Each gets
the course's points and its warning line; --strict takes the points."""
import csv
import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import torch

from test_autograder_handin import (FUNCTIONAL, HW1, HW2, HW2_MUTANTS, TENSOR, grade,
                                    handin)

from utils import REPO_ROOT

RUN_AUTOGRADER = REPO_ROOT / "autograder" / "gradescope" / "run_autograder"
NOTE = "not checked by the course's grader; the handout asks for it"
IN_PLACE_DROPOUT = [("mytorch/nn/dropout.py", "        return x * Tensor(mask / (1 - self.p))",
                     "        out = x * Tensor(mask / (1 - self.p))\n"
                     "        x.data[...] = out.data\n        return out")]
UNSTABLE_CROSS_ENTROPY = [(FUNCTIONAL, "np.max(predicted.data, axis=1, keepdims=True)",
                           "np.zeros((batch_size, 1))")]
T_PROPERTY = [(TENSOR, "    def T(self):", "    @property\n    def T(self):"),
              ("mytorch/nn/linear.py", "self.weight.T()", "self.weight.T")]
OWN_ASSERT = [("mytorch/nn/linear.py", "        return x @ self.weight.T() + self.bias",
               "        assert x.shape[1] > 1000\n        return x @ self.weight.T() + self.bias")]
LEAF_CONV_OUTPUT = [("mytorch/nn/conv.py",
                     "        return F.Conv1d.apply(x, self.weight, self.bias, self.stride)",
                     "        out = F.Conv1d.apply(x, self.weight, self.bias, self.stride)\n"
                     "        return Tensor(out.data, requires_grad=True)")]
UNUSED_WRONG_FINAL_SIZE = [
    ("hw2/hw2.py", "output_size = get_final_conv_output_size(first_layers, input_width)",
     "output_size = 13"),
    ("hw2/hw2.py", "    return output_size\n", "    return output_size + 1\n")]
HW1_TESTS = ["Sub", "Autograd", "Linear Forward", "Linear XELoss Forward", "Linear Adam",
             "Linear ReLU Dropout"]


def selected(names):
    return [arg for name in names for arg in ("--test", name)]


def students(path):
    return {student["student"]: {test["name"]: test for test in student["tests"]}
            for student in json.loads((path / "scores_hw1.json").read_text())["students"]}


def warnings_of(test):
    return " | ".join(test["warnings"])


def test_hw1_handins_get_the_course_points_and_the_handout_warnings(tmp_path):
    folder = tmp_path / "class"
    handin(folder / "clean")
    (handin(folder / "no-batchnorm") / "mytorch" / "nn" / "batchnorm.py").unlink()
    (handin(folder / "no-adam") / "mytorch" / "optim" / "adam.py").unlink()
    handin(folder / "in-place-dropout", IN_PLACE_DROPOUT)
    handin(folder / "unstable-cross-entropy", UNSTABLE_CROSS_ENTROPY)
    handin(folder / "t-property", T_PROPERTY)
    handin(folder / "own-assert", OWN_ASSERT)
    result = grade(HW1, "--handin", folder, "--out", tmp_path / "out", "--jobs", 2,
                   *selected(HW1_TESTS), cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    scores = students(tmp_path / "out")
    full = {name: test["points"] for name, test in scores["clean"].items()}
    for student in ("clean", "t-property", "in-place-dropout", "unstable-cross-entropy"):
        got = {name: test["score"] for name, test in scores[student].items()}
        assert got == full, (student, scores[student])
    assert not any(test["warnings"] for test in scores["clean"].values())
    assert not any(test["warnings"] for test in scores["t-property"].values())

    for test in scores["no-batchnorm"].values():
        assert test["score"] == 0 and test["error"].startswith(
            "the course's runner imports mytorch.nn.batchnorm for this group: every test in "
            "it scores 0 (ModuleNotFoundError"), test
    no_adam = scores["no-adam"]
    assert [name for name, test in no_adam.items() if test["score"] < test["points"]] == \
        ["Linear Adam", "Linear ReLU Dropout"]
    assert "imports mytorch.optim.adam for this group" in no_adam["Linear Adam"]["error"]

    dropout = warnings_of(scores["in-place-dropout"]["Linear ReLU Dropout"])
    assert "the Dropout layer at call 1 changed its input x in place" in dropout
    assert "scaled" not in dropout
    cross_entropy = warnings_of(scores["unstable-cross-entropy"]["Linear XELoss Forward"])
    assert "cross-entropy loss (inputs scaled by 100,000)" in cross_entropy
    line = scores["own-assert"]["Linear Forward"]["error"]
    source = (folder / "own-assert" / "mytorch" / "nn" / "linear.py").read_text().splitlines()
    number = source.index("        assert x.shape[1] > 1000") + 1
    assert line == f"AssertionError (at mytorch/nn/linear.py:{number})", line

    rows = list(csv.reader((tmp_path / "out" / "scores_hw1.csv").open()))
    assert rows[0] == ["student", *HW1_TESTS, "total", "note"]
    assert [row[0] for row in rows[1:]] == sorted(os.listdir(folder))  # the class's order
    assert rows[1][:-1] == ["clean", "5", "25", "2", "4", "1", "3", "40"]


def test_strict_takes_the_points_and_jobs_do_not_change_them(tmp_path):
    folder = tmp_path / "class"
    handin(folder / "clean")
    handin(folder / "in-place-dropout", IN_PLACE_DROPOUT)
    handin(folder / "unstable-cross-entropy", UNSTABLE_CROSS_ENTROPY)
    tables = []
    for jobs in (1, 2):
        out = tmp_path / f"out-{jobs}"
        # one seed for both runs: the same draws, so only --jobs differs
        result = grade(HW1, "--handin", folder, "--out", out, "--strict", "--jobs", jobs,
                       "--seed", 11,
                       *selected(["Linear XELoss Forward", "Linear ReLU Dropout"]),
                       cwd=tmp_path)
        assert result.returncode == 1, result.stdout + result.stderr
        tables.append([row[:-1] for row in csv.reader((out / "scores_hw1.csv").open())])
    assert tables[0] == tables[1]
    assert tables[0][1:] == [["clean", "4", "3", "7"], ["in-place-dropout", "4", "0", "4"],
                             ["unstable-cross-entropy", "0", "3", "3"]]
    scores = students(tmp_path / "out-2")
    assert "(a rule of the handout; --strict)" in \
        scores["in-place-dropout"]["Linear ReLU Dropout"]["error"]


def test_hw2_handins_graded_into_gradescope_results_and_warned(tmp_path):
    """run_autograder on a folder laid out as Gradescope's /autograder: a hand-in whose
    get_final_conv_output_size is wrong (its CNN does not use it) keeps the CNN's points,
    with the warning; its scanning MLPs' bug costs their tests. A Conv1d output that is a
    leaf keeps Conv1D Forward (the course compares values) and loses Conv1D Backward (no
    gradient reaches the weights). --strict takes the warned tests' points."""
    root = tmp_path / "autograder"
    scan_layout = HW2_MUTANTS["scan-weight-layout"][1]
    handin(root / "submission", UNUSED_WRONG_FINAL_SIZE + scan_layout)
    environment = {**os.environ, "AUTOGRADER_ROOT": str(root), "PYTHON": sys.executable}
    result = subprocess.run(["bash", str(RUN_AUTOGRADER)], cwd=tmp_path, env=environment,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.rstrip().splitlines()
    assert json.loads(lines[-1])["scores"] == {
        "Conv1D Forward": 20, "Conv1D Backward": 30, "Flatten": 10, "SimpleScanningMLP": 0,
        "DistributedScanningMLP": 0, "CNN": 15}
    assert lines[-2] == "Total score: 75/95"
    warning = ("    warning: get_final_conv_output_size(the CNN's layers, 60): 14, expected 13: "
               + NOTE)
    assert warning in lines, result.stdout
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 75 and results["execution_time"] > 0
    assert "Total score: 75/95" in results["output"]
    tests = {test["name"]: test for test in results["tests"]}
    assert set(tests["CNN"]) == {"name", "score", "max_score", "status", "output", "visibility"}
    assert (tests["CNN"]["score"], tests["CNN"]["max_score"], tests["CNN"]["status"]) == \
        (15, 15, "passed")
    assert tests["CNN"]["output"] == warning.strip()
    assert tests["SimpleScanningMLP"]["status"] == "failed"
    assert tests["SimpleScanningMLP"]["output"].startswith(
        "the model's output (compared with the MLP applied window by window)")

    leaf = handin(tmp_path / "leaf-output", LEAF_CONV_OUTPUT)
    result = grade(HW2, "--handin", leaf, *selected(["Conv1D Forward", "Conv1D Backward"]),
                   cwd=tmp_path)
    assert json.loads(result.stdout.rstrip().splitlines()[-1]) == {
        "scores": {"Conv1D Forward": 20, "Conv1D Backward": 0}}, result.stdout
    assert ("warning: the output Tensor of the first one-layer stack [Conv1d(" in result.stdout
            and "input: has is_leaf=True, expected requires_grad=True, is_leaf=False (as "
                "torch)" in result.stdout), result.stdout

    shutil.copytree(root / "submission", tmp_path / "class-of-two" / "final-size")
    shutil.copytree(leaf, tmp_path / "class-of-two" / "leaf")
    result = grade(HW2, "--handin", tmp_path / "class-of-two", "--strict", "--out",
                   tmp_path / "out", *selected(["Conv1D Forward", "CNN"]), cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    rows = list(csv.reader((tmp_path / "out" / "scores_hw2.csv").open()))
    assert [row[:-1] for row in rows[1:]] == [["final-size", "20", "0", "20"],
                                              ["leaf", "0", "0", "0"]]


LINEAR_TESTS = ["Linear Forward", "Linear Backward", "Big Linear ReLU SGD Step",
                "Linear Momentum Step", "Big Linear BatchNorm ReLU Train/Eval"]
FLOAT32_LINEAR = [("mytorch/nn/linear.py", "Tensor(weight, requires_grad",
                   "Tensor(weight.astype(np.float32), requires_grad"),
                  ("mytorch/nn/linear.py", "Tensor(bias, requires_grad",
                   "Tensor(bias.astype(np.float32), requires_grad")]
REPLAY = '''
import os, sys
def _replay():
    frame = sys._getframe()
    while frame is not None and "request" not in frame.f_locals:
        frame = frame.f_back
    request = frame.f_locals["request"] if frame is not None else {"driver": "imports"}
    if request["driver"] == "imports":
        return
    wire, drivers = sys.modules["wire"], sys.modules["drivers"]
    with open(os.path.join(os.path.dirname(__file__), "answers.bin"), "rb") as f:
        table = wire.decode(f.read(), 1 << 30)
    key = request["driver"] + str(request["case"].get("model", ""))
    drivers.DRIVERS[request["driver"]] = lambda lib, case: lib.observed.update(table[key])
_replay()
'''


def recorded_answers(tests, seed):
    """Every right answer of `tests` in the run of `seed`, as a hand-in's reply holds them,
    keyed by what a later run's request shows of the test (its driver, its model)."""
    from autograder.cases import draw
    from autograder.child import wire
    table = {}
    for test in tests:
        case = draw(test, seed)[0]
        observed = {}
        for key, expected in test.expected(case, {})[0]:
            if expected.kind == "tensor":
                observed[key] = {"kind": "Tensor", "data": expected.value.numpy().copy()}
            elif expected.kind in ("flags", "value"):
                observed[key] = expected.value
            elif expected.kind == "check":
                observed[key] = True
        table[test.driver + str(case.get("model", ""))] = observed
    return wire.encode(table)


def test_answers_recorded_in_one_run_score_nothing_in_the_next(tmp_path):
    """A hand-in without code that replays the answers of a run: they are right only in a
    run of the same --seed; a run draws a fresh seed, recorded in scores_hw2.json."""
    from autograder.hw2_autograder.runner import TESTS
    names = ["SimpleScanningMLP"]
    replay = handin(tmp_path / "replay")
    (replay / TENSOR).write_text((replay / TENSOR).read_text() + REPLAY)
    (replay / "mytorch" / "answers.bin").write_bytes(
        recorded_answers([test for test in TESTS if test.name in names], 7))
    result = grade(HW2, "--handin", replay, "--seed", 7, *selected(names), cwd=tmp_path)
    assert result.stdout.rstrip().splitlines()[-2] == "Total score: 10/10", result.stdout
    result = grade(HW2, "--handin", replay, "--out", tmp_path / "out", *selected(names),
                   cwd=tmp_path)
    assert result.stdout.rstrip().splitlines()[-2] == "Total score: 0/10", result.stdout
    assert json.loads((tmp_path / "out" / "scores_hw2.json").read_text())["seed"] != 7


def test_float32_parameters_hold_the_runners_values(tmp_path):
    """Every drawn weight and input is a float32 value: a Linear that stores its weight and
    bias as float32 gets full marks (with float64 draws, seed 3 costs it two of these)."""
    result = grade(HW1, "--handin", handin(tmp_path / "f32", FLOAT32_LINEAR), "--seed", 3,
                   *selected(LINEAR_TESTS), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def expected_keys(tests):
    from autograder.cases import draw
    return {test.name: [key for key, _ in test.expected(draw(test, 0)[0], {})[0]]
            for test in tests}


def test_failure_lines_name_values_in_plain_words():
    """Every value a failure line can name says which layer, which case and what was
    compared in the course's words: no 'stack 1.1', no 0-based layer numbers."""
    from autograder.hw1_autograder.runner import TESTS as HW1_RUNNER_TESTS
    from autograder.hw2_autograder.runner import TESTS as HW2_RUNNER_TESTS
    keys = expected_keys(HW1_RUNNER_TESTS + HW2_RUNNER_TESTS)
    every = [key for names in keys.values() for key in names]
    assert not [key for key in every if re.search(r"stack \d\.\d|cnn\.layers|layer 0", key)]
    backward = keys["Conv1D Backward"]
    assert any(key.startswith("weight gradient of the second Conv1d layer of the first "
                              "two-layer stack [Conv1d(") and key.endswith(" input")
               for key in backward), backward
    assert any(key.startswith("bias gradient of the Conv1d layer of the second one-layer "
                              "stack [Conv1d(") for key in backward), backward
    assert "weight gradient of the second Linear layer at step 2" in \
        keys["Big Linear ReLU SGD Step"]
    assert "gamma gradient of the BatchNorm1d layer at call 3" in \
        keys["Linear BatchNorm ReLU Backward (Train)"]
    assert "weight gradient of layer 3 of the CNN (Conv1d) at step 1" in keys["CNN"]
    assert any(key.startswith("a.grad after (a / b).backward() (case 2 of 3, a and b of "
                              "shape (") for key in keys["Div"])
    assert ".grad of a in graph 1 of 4 (a tensor used several times)" in keys["Autograd"]
    assert "while checking get_final_conv_output_size, your code raised" in keys["CNN"]


def test_an_all_zero_value_is_named_as_such():
    from autograder import checking
    zeros, ones = np.zeros((2, 3)), torch.ones((2, 3), dtype=torch.float64)
    assert checking.array_message(zeros, ones, "weight gradient of the Linear layer") == \
        "weight gradient of the Linear layer: your gradient is all zeros, where torch's is not"
    assert checking.array_message(zeros, ones, "the model's output") == \
        "the model's output: your values are all zeros, where torch's are not"
    assert checking.array_message(zeros, torch.zeros((2, 3)), "a.grad") is None
    assert "largest absolute difference 1" in checking.array_message(zeros + 2, ones, "x")


def test_reasons_are_cut_at_a_word_and_kept_whole_in_the_score_files(tmp_path):
    from autograder import cli, grading
    from autograder.child import wire
    from autograder.hw2_autograder.runner import TESTS as HW2_RUNNER_TESTS
    long_reason = "output of the first stack: " + " ".join(["difference"] * 30)
    for limit in (20, 33, 120):
        short = wire.shorten(long_reason, limit)
        assert len(short) <= limit and short.endswith("...")
        assert long_reason.startswith(short[:-3]) and not long_reason[len(short) - 3].isalpha()
    assert wire.shorten("short", 20) == "short"
    flatten = next(test for test in HW2_RUNNER_TESTS if test.name == "Flatten")
    stored = grading.row(flatten, long_reason * 2)["error"]
    assert len(stored) <= grading.ERROR_CHARACTERS and stored.endswith("difference...")
    record = cli.student_record(tmp_path, "ann", [grading.row(flatten, long_reason)], 1.0)
    table = cli.class_table([record])
    shown = table.splitlines()[-1].split("  0/10  ")[1]
    assert shown.endswith("difference...") and len(shown) <= cli.NOTE_CHARACTERS
    cli.write_scores(tmp_path, "scores_hw2", "HW2P1", [flatten], [record], 0)
    rows = list(csv.reader((tmp_path / "scores_hw2.csv").open()))
    assert rows[1][-1] == f"Flatten: {long_reason}"
    saved = json.loads((tmp_path / "scores_hw2.json").read_text())
    assert saved["students"][0]["tests"][0]["error"] == long_reason


def test_score_files_name_the_homework(tmp_path):
    """Without --out both runners write into the current folder, each its own files."""
    for name in ("a", "b"):
        handin(tmp_path / "class" / name)
    (tmp_path / "work").mkdir()
    for runner, test in ((HW1, "Add"), (HW2, "Flatten")):
        result = grade(runner, "--handin", tmp_path / "class", "--test", test,
                       cwd=tmp_path / "work")
        assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(os.listdir(tmp_path / "work")) == [
        "scores_hw1.csv", "scores_hw1.json", "scores_hw2.csv", "scores_hw2.json"]
    assert "wrote " in result.stdout and "scores_hw2.csv" in result.stdout
    hw1 = json.loads((tmp_path / "work" / "scores_hw1.json").read_text())
    assert hw1["part"] == "HW1P1" and hw1["tests"] == [{"name": "Add", "points": 0}]
