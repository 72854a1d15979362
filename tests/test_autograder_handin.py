"""The autograder on hand-ins written to the course interface: tests/handin_fixture (a plain
student-style MyTorch) gets full marks from both runners, copies of it with one bug each
lose the points of the test that covers the bug, hand-ins that hang, exit, flood their
output or fail to import are graded to the end, and this repository's own library still
gets full marks. The runners are run as a user runs them (subprocesses)."""
import json
import re
import shutil
import subprocess
import sys
import tarfile

import numpy as np
import pytest
import torch

from autograder.cases import draw
from autograder.reference_optim import SGD, Adam
from autograder.sandbox import find_bwrap
from utils import REPO_ROOT

FIXTURE = REPO_ROOT / "tests" / "handin_fixture"
HW1 = REPO_ROOT / "autograder" / "hw1_autograder" / "runner.py"
HW2 = REPO_ROOT / "autograder" / "hw2_autograder" / "runner.py"
FUNCTIONAL, TENSOR = "mytorch/nn/functional.py", "mytorch/tensor.py"

# name: (the test that must lose its points, [(file, text, replacement)])
HW1_MUTANTS = {
    "mul-backward": ("Mul", [(FUNCTIONAL, "unbroadcast(grad_output.data * b.data, a.shape)",
                              "unbroadcast(grad_output.data * a.data, a.shape)")]),
    "div-backward": ("Div", [(FUNCTIONAL, "unbroadcast(-grad_output.data * a.data",
                              "unbroadcast(grad_output.data * a.data")]),
    "relu-backward": ("Linear ReLU Backward", [(FUNCTIONAL, "grad_output.data * (a.data > 0)",
                                                "grad_output.data")]),
    "cross-entropy-mean": ("Linear XELoss Forward", [(FUNCTIONAL, "float(batch_size)",
                                                      "float(num_classes)")]),
    "sgd-momentum": ("Linear Momentum Step", [("mytorch/optim/sgd.py",
                                               "self.momentums[i] + param.grad.data",
                                               "self.momentums[i] + 0.1 * param.grad.data")]),
    "batchnorm-running-var": ("Linear BatchNorm ReLU Train/Eval", [
        ("mytorch/nn/batchnorm.py", "m * unbiased", "m * var.data")]),
}
HW2_MUTANTS = {
    "conv-forward-stride": ("Conv1D Forward", [(FUNCTIONAL, "start = i * stride", "start = i")]),
    "conv-backward-dx": ("Conv1D Backward", [(FUNCTIONAL, "kernel_size] += g * weight",
                                              "kernel_size] = g * weight")]),
    "conv-backward-dw": ("Conv1D Backward", [(FUNCTIONAL, "g * x.data[b, :, start:start + kernel",
                                              "g * x.data[b, :, i:i + kernel")]),
    "conv-backward-dw-zeros": ("Conv1D Backward", [
        (FUNCTIONAL, "tensor.Tensor(grad_x), tensor.Tensor(grad_weight)",
         "tensor.Tensor(grad_x), tensor.Tensor(np.zeros(weight.shape))")]),
    "conv-backward-db": ("Conv1D Backward", [(FUNCTIONAL, "np.sum(grad_output.data, axis=(0, 2))",
                                              "np.mean(grad_output.data, axis=(0, 2))")]),
    "flatten-order": ("Flatten", [("mytorch/nn/conv.py", "x.reshape(x.shape[0], -1)",
                                   "x.reshape(-1, x.shape[0]).T()")]),
    "tanh-backward": ("CNN", [(FUNCTIONAL, "(1 - out ** 2)", "(1 - out)")]),
    "sigmoid-backward": ("CNN", [(FUNCTIONAL, "grad_output.data * b * (1 - b)",
                                  "grad_output.data * b")]),
    "scan-weight-layout": ("SimpleScanningMLP", [
        ("hw2/mlp_scan.py", "reshape(out_channel, kernel_size, in_channel)",
         "reshape(out_channel, in_channel, kernel_size)"),
        ("hw2/mlp_scan.py", "Tensor(w.transpose(0, 2, 1)", "Tensor(w")]),
    "cnn-layers": ("CNN", [("hw2/hw2.py", "Conv1d(56, 28, 6, 2)", "Conv1d(56, 28, 6, 1)")]),
}


def total_line(stdout):
    """The course's `Total score: N/M`: the line before the last, the Autolab line."""
    lines = stdout.rstrip().splitlines()
    assert set(json.loads(lines[-1])) == {"scores"}, lines[-1]
    return lines[-2]


def handin(folder, substitutions=()):
    """A copy of the fixture in `folder`, each (file, text, replacement) applied once."""
    shutil.copytree(FIXTURE, folder)
    for name, text, replacement in substitutions:
        path = folder / name
        source = path.read_text()
        assert text in source, f"{name} has no {text!r}"
        path.write_text(source.replace(text, replacement, 1))
    return folder


def grade(runner, *args, cwd):
    """The runner as a user runs it; where bwrap cannot run, classes with --no-sandbox."""
    unconfined = ["--no-sandbox"] if find_bwrap()[0] is None else []
    return subprocess.run([sys.executable, str(runner), *map(str, args), *unconfined],
                          cwd=cwd, capture_output=True, text=True, timeout=600)


def files_of(folder):
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def class_scores(out, homework):
    """{student: their record} from a class's `scores_<homework>.json` in `out`."""
    scores = json.loads((out / f"scores_{homework}.json").read_text())
    return {student["student"]: student for student in scores["students"]}


def lost_tests(student):
    return {test["name"] for test in student["tests"] if test["score"] < test["points"]}


def test_our_library_gets_full_marks(tmp_path):
    for runner, total, summary in ((HW1, 115, "hw1_summary.json"),
                                   (HW2, 95, "hw2_autograder.json")):
        result = grade(runner, "--out", tmp_path, cwd=REPO_ROOT)
        assert result.returncode == 0, result.stdout + result.stderr
        assert total_line(result.stdout) == f"Total score: {total}/{total}"
        written = json.loads((tmp_path / summary).read_text())
        assert written["score"] == written["total"] == total
        assert {"name", "points", "score", "error"} <= set(written["tests"][0])


def test_fixture_gets_full_marks_as_folder_and_tar(tmp_path):
    before = files_of(FIXTURE)
    with tarfile.open(tmp_path / "handin.tar", "w") as archive:  # as create_tarball.sh does
        for name in ("mytorch", "hw2"):
            archive.add(FIXTURE / name, arcname=name)
    (tmp_path / "work").mkdir()
    result = grade(HW1, "--handin", FIXTURE, cwd=tmp_path / "work")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "HW1P1: 90/90" in result.stdout and "HW1P1 bonus: 25/25" in result.stdout
    assert total_line(result.stdout) == "Total score: 115/115"
    result = grade(HW2, "--handin", tmp_path / "handin.tar", cwd=tmp_path / "work")
    assert result.returncode == 0, result.stdout + result.stderr
    assert total_line(result.stdout) == "Total score: 95/95"
    assert files_of(FIXTURE) == before, "grading wrote into the hand-in"
    assert not any((tmp_path / "work").iterdir()), "one hand-in without --out writes nothing"


def test_each_hw1_mutant_loses_its_test(tmp_path):
    students = tmp_path / "class"
    students.mkdir()
    handin(students / "clean")
    for name, (_, substitutions) in HW1_MUTANTS.items():
        handin(students / name, substitutions)
    tests = sorted({target for target, _ in HW1_MUTANTS.values()})
    result = grade(HW1, "--handin", *sorted(students.iterdir()), "--out", tmp_path / "out",
                   *[arg for test in tests for arg in ("--test", test)], cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    scores = class_scores(tmp_path / "out", "hw1")
    assert lost_tests(scores["clean"]) == set()
    for name, (target, _) in HW1_MUTANTS.items():  # BatchNorm's training uses every op
        assert lost_tests(scores[name]) - {"Linear BatchNorm ReLU Train/Eval"} <= {target}, name
        assert target in lost_tests(scores[name]), (name, scores[name]["tests"])
    assert lost_tests(scores["batchnorm-running-var"]) == {"Linear BatchNorm ReLU Train/Eval"}
    header = (tmp_path / "out" / "scores_hw1.csv").read_text().splitlines()[0]
    assert header == "student,Mul,Div,Linear ReLU Backward,Linear XELoss Forward," \
                     "Linear Momentum Step,Linear BatchNorm ReLU Train/Eval,total,note"


def test_each_hw2_mutant_loses_its_test_and_broken_handins_get_a_row(tmp_path):
    students = tmp_path / "class"
    students.mkdir()
    with tarfile.open(students / "clean.tar.gz", "w:gz") as archive:  # wrapped in a folder
        archive.add(FIXTURE, arcname="handout")
    for name, (_, substitutions) in HW2_MUTANTS.items():
        handin(students / name, substitutions)
    handin(students / "syntax-error", [(TENSOR, "class Tensor:", "class Tensor")])
    shutil.rmtree(handin(students / "no-hw2") / "hw2")
    (handin(students / "no-tensor") / TENSOR).unlink()  # must not fall back to our mytorch
    result = grade(HW2, "--handin", students, "--out", tmp_path / "out", "--test", "Conv1D Forward",
                   "--test", "Conv1D Backward", "--test", "Flatten", "--test", "SimpleScanningMLP",
                   "--test", "CNN", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Full marks: 1/14 hand-ins" in result.stdout
    scores = class_scores(tmp_path / "out", "hw2")
    assert lost_tests(scores["clean"]) == set()
    lost = {name: lost_tests(scores[name]) for name in HW2_MUTANTS}
    for name, (target, _) in HW2_MUTANTS.items():
        assert target in lost[name], (name, scores[name]["tests"])
    assert lost["tanh-backward"] == lost["sigmoid-backward"] == lost["cnn-layers"] == {"CNN"}
    assert lost["flatten-order"] == {"Flatten", "CNN"}
    assert lost["scan-weight-layout"] == {"SimpleScanningMLP"}
    errors = {name: [test["error"] for test in scores[name]["tests"] if test["error"]]
              for name in scores}
    stack = "weight gradient of the Conv1d layer of the first one-layer stack [Conv1d("
    assert errors["conv-backward-dw"][0].startswith(stack), errors["conv-backward-dw"]
    assert "your values differ from torch's, largest absolute difference" in \
        errors["conv-backward-dw"][0]
    assert errors["conv-backward-dw-zeros"][0].startswith(stack)
    assert errors["conv-backward-dw-zeros"][0].endswith(
        "input: your gradient is all zeros, where torch's is not")
    assert "layer 3 of the CNN: Conv1d(56, 28, 6, 1), expected Conv1d(56, 28, 6, 2)" in \
        errors["cnn-layers"], errors["cnn-layers"]
    assert scores["syntax-error"]["score"] == 0 and "SyntaxError" in errors["syntax-error"][0]
    assert scores["no-hw2"]["error"] == "no hw2/ folder next to mytorch/ in the hand-in"
    assert "No module named 'mytorch.tensor' in the hand-in" in errors["no-tensor"][0]
    rows = (tmp_path / "out" / "scores_hw2.csv").read_text().splitlines()
    assert rows[0] == "student,Conv1D Forward,Conv1D Backward,Flatten,SimpleScanningMLP,CNN," \
                      "total,note"
    assert "clean,20,30,10,10,15,85," in rows


def forward_body(operator):
    """The text of the fixture's forward of Add, Sub, Mul or Div."""
    return ("        check_tensors(a, b)\n        ctx.save_for_backward(a, b)\n"
            f"        return make(a.data {operator} b.data, a, b)")


def test_hang_exit_flood_and_numpy_state_cost_one_test_each(tmp_path):
    folder = handin(tmp_path / "unruly", [
        (FUNCTIONAL, forward_body("+"), "        np.seterr(all='raise')\n"  # global state
         "        np.random.seed(0)\n        np.set_printoptions(precision=1)\n"
         + forward_body("+")),
        (FUNCTIONAL, forward_body("*"), forward_body("*").replace(  # an overflow that only
            "a.data * b.data", "a.data * b.data * (np.float64(1e308) * 10 > 0)")),  # warns
        (FUNCTIONAL, forward_body("-"), "        import sys\n        sys.exit(3)"),
        (FUNCTIONAL, forward_body("/"), "        while True:\n            pass"),
        ("mytorch/optim/adam.py", "        super().__init__(params)",
         "        import os\n        os._exit(4)"),
        ("mytorch/nn/batchnorm.py", "        if not self.is_train:",
         "        while True:\n            print('x' * 10000)\n        if not self.is_train:"),
    ])
    tests = ["Add", "Sub", "Mul", "Div", "Linear Forward", "Linear Backward", "Linear Adam",
             "Linear BatchNorm ReLU Forward (Train)"]
    result = grade(HW1, "--handin", folder, "--timeout", 3,
                   *[arg for test in tests for arg in ("--test", test)], cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert total_line(result.stdout) == "Total score: 15/27", result.stdout
    assert len(result.stdout) < 20000, "the flood must not reach the runner's output"
    reasons = {match[1]: line for line in lines
               if (match := re.match(r"Test +\d+/\d+ \[\w+\] (.+?) \(\d+\.\d s\)", line))}
    assert "sys.exit(3)" in reasons["Sub"]
    assert "timed out after 3 s" in reasons["Div"]
    assert "exited with status 4" in reasons["Linear Adam"]
    assert "printed more than 32 MiB" in reasons["Linear BatchNorm ReLU Forward (Train)"]
    for name in ("Add", "Mul", "Linear Forward", "Linear Backward"):  # Mul: Add's np.seterr
        assert "[PASS]" in reasons[name], reasons[name]  # stayed in Add's process


def test_bad_input_is_one_line(tmp_path):
    for args in (["--handin", tmp_path / "missing"], ["--test", "No Such Test"]):
        result = grade(HW2, *args, cwd=tmp_path)
        assert result.returncode == 1 and result.stderr.count("\n") == 1, result.stderr
        assert result.stderr.startswith("error: ")


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_reference_optimizers_match_torch(momentum):
    rng = np.random.default_rng(0)
    start = [rng.standard_normal((3, 4)), rng.standard_normal(4)]
    pairs = [(SGD, torch.optim.SGD, {"lr": 0.1, "momentum": momentum}),
             (Adam, torch.optim.Adam, {"lr": 0.01})]
    for ours, theirs, settings in pairs:
        params = [[torch.tensor(value, requires_grad=True) for value in start] for _ in range(2)]
        optimizers = [ours(params[0], **settings), theirs(params[1], **settings)]
        for _ in range(4):
            for optimizer, group in zip(optimizers, params):
                optimizer.zero_grad()
                ((group[0] ** 2).sum() + (group[0] * group[1]).exp().sum()).backward()
                optimizer.step()
        for mine, reference in zip(*params):
            torch.testing.assert_close(mine, reference, rtol=1e-12, atol=1e-12)


def test_every_test_has_its_course_points_and_a_reference_that_runs():
    from autograder.hw1_autograder.runner import TESTS as HW1_TESTS
    from autograder.hw2_autograder.runner import TESTS as HW2_TESTS
    sections = {}
    for test in HW1_TESTS + HW2_TESTS:
        sections[test.section] = sections.get(test.section, 0) + test.points
        expected, stop = test.expected(draw(test, 0)[0], {})  # raises if a key comes twice
        assert expected or stop, test.name
    assert sections == {"HW1P1": 90, "HW1P1 bonus": 25, "HW2P1": 95}
