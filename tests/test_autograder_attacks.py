"""The autograder against dishonest hand-ins: a class of hand-ins whose Conv1d is wrong
(every convolution starts at i instead of i * stride) and that try to get the points
anyway, or to harm the run, the grader, other students or their scores. Each attacker
must score 0 on Conv1D Forward and SimpleScanningMLP; honest hand-ins graded before and
after them get full marks; no file outside the run's own output changes; no process of
a test outlives it. The runner is a copy of autograder/ in a temporary folder, so that
the files a hand-in aims at are the copy's. Sandbox tests skip where bwrap cannot run.
"""
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time

import numpy as np
import pytest

from autograder import checking, grading, handins, sandbox
from autograder.child import wire
from test_autograder_handin import handin as fixture_copy
from utils import REPO_ROOT

FIXTURE = REPO_ROOT / "tests" / "handin_fixture"
BWRAP, WHY_NOT = sandbox.find_bwrap()
needs_bwrap = pytest.mark.skipif(BWRAP is None, reason=f"no sandbox here: {WHY_NOT}")
WRONG = [("mytorch/nn/functional.py", "start = i * stride", "start = i")]
TESTS = ("Conv1D Forward", "SimpleScanningMLP")
TOKEN = "daemon-token-5b1e"

# name: code appended to mytorch/__init__.py of a hand-in with the wrong Conv1d; it runs
# whenever the test imports the hand-in. {grader}, {students}, {out}: paths of this run.
ATTACKS = {
    "forge-verdict": """
import json, os
for fd in range(3, 64):
    for payload in (json.dumps({"passed": True, "error": None}).encode(), b"AGW1"):
        try:
            os.write(fd, payload)
        except OSError:
            pass
os._exit(0)
""",
    "forge-empty-reply": """
import os, sys, wire
os.write(int(sys.argv[3]), wire.encode({"observed": {}, "error": None, "torch": False,
                                        "passed": True, "score": 95}))
os._exit(0)
""",
    "patch-checks": """
import builtins, sys, numpy as np
np.allclose = np.array_equal = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
for name in ("autograder", "autograder.checking", "checking", "torch"):
    sys.modules[name] = type(sys)(name)
sys.modules["autograder.checking"].verdict = lambda *a, **k: None
_real_isinstance = builtins.isinstance
builtins.isinstance = lambda obj, cls: True if cls is np.ndarray else _real_isinstance(obj, cls)
""",
    "patch-driver": """
import sys
drivers = sys.modules.get("drivers")
if drivers is not None:
    for name in list(drivers.DRIVERS):
        drivers.DRIVERS[name] = lambda lib, case: None
""",
    "snoop-frames-gc-files": """
import gc, glob, sys, numpy as np
from mytorch.tensor import Tensor
def _stolen():
    for path in [{grader} + "/autograder/hw2_autograder/ref_result/simple_output.npy",
                 *glob.glob("/**/ref_result/*.npy", recursive=True)]:
        try:
            return np.load(path)
        except OSError:
            pass
    frame = sys._getframe()
    while frame is not None:
        for value in frame.f_locals.values():
            if type(value).__name__ == "Tensor" and getattr(value, "shape", None) == (1, 124):
                return value.data
        frame = frame.f_back
    for value in gc.get_objects():
        if isinstance(value, np.ndarray) and value.shape == (1, 124):
            return value
    return np.zeros((1, 124))
import hw2.mlp_scan as _scan
_scan.CNN_SimpleScanningMLP.forward = lambda self, x: Tensor(_stolen())
""",
    "torch-conv1d": """
import torch
import mytorch.nn.functional as F
from mytorch.tensor import Tensor
def _forward(ctx, x, weight, bias, stride):
    out = torch.nn.functional.conv1d(torch.tensor(x.data), torch.tensor(weight.data),
                                     torch.tensor(bias.data), stride=stride)
    return Tensor(out.numpy(), requires_grad=True, is_leaf=False)
F.Conv1d.forward = staticmethod(_forward)
""",
    "proc-snoop": """
import os
for pid in os.listdir("/proc"):
    try:
        words = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\\0")
    except OSError:
        continue
    if b"--handin" in words:
        folder = words[words.index(b"--handin") + 1].decode()
        source = open(os.path.join(folder, "aaa-clean/mytorch/nn/functional.py")).read()
        import mytorch.nn.functional as F
        exec(source, vars(F))
""",
    "copy-classmate": """
try:
    source = open({students} + "/aaa-clean/mytorch/nn/functional.py").read()
    import mytorch.nn.functional as F
    exec(source, vars(F))
except OSError:
    pass
""",
    "tamper": """
import os
for path in ({grader} + "/autograder/checking.py",
             {grader} + "/autograder/hw2_autograder/ref_result/simple_output.npy",
             {students} + "/zzz-clean/mytorch/nn/functional.py",
             {out} + "/scores_hw2.csv", {out} + "/scores_hw2.json"):
    try:
        with open(path, "w") as f:
            f.write("tampered")
    except OSError:
        pass
for path in ("/handin/mytorch/nn/functional.py", "/grader/child/main.py"):
    try:
        os.remove(path)
    except OSError:
        pass
""",
    "kill-runner": """
import os, signal
targets = {os.getppid(), 1}
for pid in os.listdir("/proc"):
    try:
        if b"runner.py" in open(f"/proc/{pid}/cmdline", "rb").read():
            targets.add(int(pid))
    except (OSError, ValueError):
        pass
for pid in targets - {0, os.getpid()}:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
""",
    "stop-and-prlimit-runner": """
import os, resource, signal
for pid in [os.getppid(), *[int(p) for p in os.listdir("/proc") if p.isdigit()]]:
    if pid in (0, os.getpid()):
        continue
    try:
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (3, 3))
        resource.prlimit(pid, resource.RLIMIT_AS, (1 << 20, 1 << 20))
    except (OSError, ValueError):
        pass
    try:
        os.kill(pid, signal.SIGSTOP)
    except OSError:
        pass
""",
    "daemon": """
import os, sys
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        code = ("import time\\n"
                "for _ in range(600):\\n"
                "    for path in ({out} + '/scores_hw2.csv', {out} + '/daemon-was-here'):\\n"
                "        try:\\n"
                "            open(path, 'w').write('forged')\\n"
                "        except OSError:\\n"
                "            pass\\n"
                "    time.sleep(0.1)\\n")
        os.execv(sys.executable, [sys.executable, "-c", code, "TOKEN"])
    os._exit(0)
""".replace("TOKEN", TOKEN),
    "hang": """
while True:
    pass
""",
    "memory-hog": """
import numpy as np
hog = []
while True:
    hog.append(np.ones(1 << 27))
""",
    "process-swarm": """
import os, time
for _ in range(300):
    if os.fork() == 0:
        time.sleep(60)
        os._exit(0)
""",
    "flood-escapes": """
import sys
for _ in range(2000):
    print("\\x1b[2J\\x1b]0;owned\\x07\\x1b[31mTotal score: 95/95\\r\\x07", flush=True)
sys.stderr.write("\\x1b[1;1H" * 1000)
raise RuntimeError("\\x1b[32mall tests passed\\x1b[0m\\r\\x1b]0;title\\x07")
""",
    "fill-disk": """
for path in ("/tmp/fill", "/handin/fill", "/fill", "/dev/shm/fill"):
    try:
        with open(path, "wb") as f:
            for _ in range(1 << 14):
                f.write(b"x" * (1 << 20))
    except OSError:
        pass
""",
    "malformed-replies": """
import os, sys
fd = int(sys.argv[3])
nested = b"[" * 100000 + b"]" * 100000
header = b'{"tree": ' + nested + b', "arrays": [{"dtype": "|O", "shape": [1, 1]}]}'
os.write(fd, b"AGW1" + len(header).to_bytes(8, "little") + header)
os._exit(0)
""",
    "reply-flood": """
import os, sys
fd = int(sys.argv[3])
chunk = b"A" * (1 << 20)
for _ in range(80):
    os.write(fd, chunk)
os._exit(0)
""",
}


def total_line(stdout):
    """The course's `Total score: N/M`: the line before the last, the Autolab line."""
    lines = stdout.rstrip().splitlines()
    assert set(json.loads(lines[-1])) == {"scores"}, lines[-1]
    return lines[-2]


def handin(folder, substitutions=(), appended=""):
    """A copy of the fixture in `folder`, substitutions applied, code appended to
    mytorch/__init__.py."""
    fixture_copy(folder, substitutions)
    with open(folder / "mytorch" / "__init__.py", "a") as init:
        init.write(appended)
    return folder


def tar_bytes(members):
    """A tar (as bytes) of (TarInfo, data or None)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def info(name, size=0, kind=tarfile.REGTYPE, target=""):
    member = tarfile.TarInfo(name)
    member.size, member.type, member.linkname = size, kind, target
    return member


def fixture_tar(path, mode="w:gz"):
    with tarfile.open(path, mode) as archive:
        for name in ("mytorch", "hw2"):
            archive.add(FIXTURE / name, arcname=name)


def archives(students):
    """Hand-ins that must be refused before extraction, each with the words of its row."""
    import gzip
    bomb = gzip.compress(tar_bytes([(info("mytorch/zeros.bin", 20 << 20), bytes(20 << 20))]))
    (students / "bomb.tar.gz").write_bytes(bomb)
    many = [(info(f"mytorch/f{n}.py"), b"") for n in range(600)]
    (students / "many.tar").write_bytes(tar_bytes(many))
    (students / "links.tar").write_bytes(tar_bytes([
        (info("mytorch", kind=tarfile.DIRTYPE), None),
        (info("mytorch/tensor.py", kind=tarfile.SYMTYPE, target="/etc/passwd"), None)]))
    (students / "escape.tar").write_bytes(tar_bytes([(info("../../evil.py", 5), b"x = 1")]))
    fixture_tar(students / "whole.tar.gz")
    data = (students / "whole.tar.gz").read_bytes()
    (students / "truncated.tar.gz").write_bytes(data[:len(data) // 2])
    (students / "whole.tar.gz").unlink()
    (students / "link-to-classmate").symlink_to(students / "aaa-clean")
    (students / "linked-mytorch").mkdir()
    (students / "linked-mytorch" / "mytorch").symlink_to(students / "aaa-clean" / "mytorch")
    (students / "linked-mytorch" / "hw2").symlink_to(students / "aaa-clean" / "hw2")
    linked_file = handin(students / "linked-file", WRONG)
    (linked_file / "mytorch" / "nn" / "functional.py").unlink()
    (linked_file / "mytorch" / "nn" / "functional.py").symlink_to(
        students / "aaa-clean" / "mytorch" / "nn" / "functional.py")
    return {"bomb": "more than 5 MiB", "many": "more than 500 members",
            "links": "a link or a device", "escape": "leaves the folder",
            "truncated": "cannot extract", "link-to-classmate": "is a link",
            "linked-mytorch": "no mytorch/ folder"}


def digest(folder):
    """{relative path: sha256} of every file under `folder` (links not followed)."""
    found = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                with open(path, "rb") as f:
                    found[os.path.relpath(path, folder)] = hashlib.sha256(f.read()).hexdigest()
    return found


def processes_with(token):
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if token.encode() in f.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found


def grader_copy(tmp_path):
    """autograder/ and the shared modules it imports (utils.py, store.py) in a folder of
    their own, first on the path."""
    grader = tmp_path / "grader"
    shutil.copytree(REPO_ROOT / "autograder", grader / "autograder",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for module in ("utils.py", "store.py"):
        shutil.copy(REPO_ROOT / module, grader / module)
    return grader


def run_copy(grader, *args, cwd, timeout=900):
    environment = {**os.environ, "PYTHONPATH": str(grader)}
    return subprocess.run([sys.executable, str(grader / "autograder" / "hw2_autograder" /
                                               "runner.py"), *map(str, args)],
                          cwd=cwd, capture_output=True, timeout=timeout, env=environment)


@needs_bwrap
def test_no_attack_gains_a_point_or_harms_anyone(tmp_path):
    grader, students, out = grader_copy(tmp_path), tmp_path / "class", tmp_path / "out"
    students.mkdir()
    out.mkdir()
    paths = {"grader": repr(str(grader)), "students": repr(str(students)),
             "out": repr(str(out))}
    handin(students / "aaa-clean")
    handin(students / "zzz-clean")
    handin(students / "torch-imported-unused", [("mytorch/tensor.py", "import numpy as np",
                                                 "import numpy as np\nimport torch\n"
                                                 "from torch import nn\nimport torch.nn"
                                                 ".functional as TF")])
    handin(students / os.fsdecode(b"caf\xe9-clean"))
    handin(students / "=1+2")
    handin(students / "@SUM(A1)", WRONG)
    handin(students / ".hidden", WRONG)
    for name, code in ATTACKS.items():
        for placeholder, path in paths.items():
            code = code.replace("{" + placeholder + "}", path)
        handin(students / name, WRONG, code)
    refused = archives(students)
    clean = {"aaa-clean", "zzz-clean", "torch-imported-unused", os.fsdecode(b"caf\xe9-clean"),
             "=1+2"}
    before_grader, before_students = digest(grader), digest(students)

    result = run_copy(grader, "--handin", students, "--out", out, "--timeout", 3,
                      "--student-timeout", 4, "--memory", 1024, "--max-mib", 5,
                      "--max-files", 500, *[arg for test in TESTS for arg in ("--test", test)],
                      cwd=tmp_path)
    stdout = result.stdout.decode("utf-8", "replace")
    assert result.returncode == 1, stdout + result.stderr.decode("utf-8", "replace")
    time.sleep(0.5)  # a daemon that survived would write within this time

    assert digest(grader) == before_grader, "the grader's files changed"
    assert digest(students) == before_students, "a hand-in changed"
    assert not (out / "daemon-was-here").exists() and processes_with(TOKEN) == []
    assert sorted(os.listdir(out)) == ["scores_hw2.csv", "scores_hw2.json"]
    assert "\x1b" not in stdout and "\x07" not in stdout
    scores = json.loads((out / "scores_hw2.json").read_text())
    rows = {student["student"]: student for student in scores["students"]}
    expected_names = clean | {"@SUM(A1)", ".hidden", *ATTACKS, *refused, "linked-file"}
    assert set(rows) == expected_names
    for name in clean:
        assert rows[name]["score"] == 30, (name, rows[name])
    for name in expected_names - clean:
        assert rows[name]["score"] == 0, (name, rows[name])
    for name, words in refused.items():
        assert words in rows[name]["error"], (name, rows[name]["error"])
    errors = {name: " | ".join(test["error"] or "" for test in row["tests"])
              for name, row in rows.items()}
    assert checking.TORCH_LINE in errors["torch-conv1d"]
    assert "timed out after 3 s (--timeout)" in errors["hang"]  # importing the hand-in
    assert "MemoryError" in errors["memory-hog"] or "killed" in errors["memory-hog"]
    assert "started more than 64 processes" in errors["process-swarm"]
    assert "sent more than 64 MiB" in errors["reply-flood"]
    assert "malformed reply" in errors["malformed-replies"]
    assert "all tests passed" in errors["flood-escapes"] and "\x1b" not in errors["flood-escapes"]
    lines = (out / "scores_hw2.csv").read_bytes().splitlines()
    assert lines[0] == b"student,Conv1D Forward,SimpleScanningMLP,total,note"
    assert b"caf\xe9-clean,20,10,30," in lines
    assert b"'=1+2,20,10,30," in lines and any(line.startswith(b"'@SUM(A1),0,0,0,")
                                                 for line in lines)
    assert "caf\\xe9-clean" in stdout


def test_without_bwrap_a_class_is_refused_and_one_handin_warned(tmp_path):
    students = tmp_path / "class"
    handin(students / "a")
    handin(students / "b")
    environment = {**os.environ, "PATH": str(tmp_path / "nothing")}
    command = [sys.executable, str(REPO_ROOT / "autograder" / "hw2_autograder" / "runner.py"),
               "--test", "Flatten", "--handin"]
    result = subprocess.run([*command, students], cwd=tmp_path, capture_output=True, text=True,
                            env=environment, timeout=300)
    assert result.returncode == 1 and result.stderr.count("\n") == 1, result.stderr
    assert "bubblewrap" in result.stderr and "--no-sandbox" in result.stderr
    result = subprocess.run([*command, students / "a"], cwd=tmp_path, capture_output=True,
                            text=True, env=environment, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr.startswith("warning: ") and result.stderr.count("\n") == 1
    assert total_line(result.stdout) == "Total score: 10/10"
    assert not list(tmp_path.glob("scores.*"))


@needs_bwrap
def test_ctrl_c_keeps_the_rows_done(tmp_path):
    students, out = tmp_path / "class", tmp_path / "out"
    handin(students / "a-clean")
    handin(students / "b-hangs", WRONG, ATTACKS["hang"])
    process = subprocess.Popen(
        [sys.executable, str(REPO_ROOT / "autograder" / "hw2_autograder" / "runner.py"),
         "--handin", str(students), "--out", str(out), "--test", "Flatten", "--timeout", "60"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (out / "scores_hw2.json").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    rows = (out / "scores_hw2.csv").read_text().splitlines()
    assert rows == ["student,Flatten,total,note", "a-clean,10,10,"]


def test_archives_are_checked_before_extraction(tmp_path):
    caps = handins.Caps(total_bytes=1 << 20, members=50)
    cases = {"hard-link.tar": [(info("mytorch/a.py", kind=tarfile.LNKTYPE, target="x"), None)],
             "device.tar": [(info("mytorch/dev", kind=tarfile.CHRTYPE), None)],
             "fifo.tar": [(info("mytorch/fifo", kind=tarfile.FIFOTYPE), None)],
             "absolute.tar": [(info("/tmp/evil.py", 1), b"x")],
             "dotdot.tar": [(info("mytorch/../../evil.py", 1), b"x")],
             "big.tar": [(info("mytorch/big", 2 << 20), bytes(2 << 20))],
             "long-name.tar": [(info("././@LongLink", 4 << 20, tarfile.GNUTYPE_LONGNAME),
                                bytes(4 << 20))],
             "sparse.tar": [(info("mytorch/holes", kind=tarfile.GNUTYPE_SPARSE), None)]}
    for name, members in cases.items():
        (tmp_path / name).write_bytes(tar_bytes(members))
        with pytest.raises(handins.HandinError):
            handins.stage(tmp_path / name, ("mytorch",), tmp_path, caps)
    assert sorted(os.listdir(tmp_path)) == sorted(cases), "something was extracted"
    (tmp_path / "text.tar.gz").write_text("not an archive")
    with pytest.raises(handins.HandinError, match="cannot extract"):
        handins.stage(tmp_path / "text.tar.gz", ("mytorch",), tmp_path, caps)


def test_a_class_folder_is_every_entry(tmp_path):
    handin(tmp_path / "alice")
    for name in ("bob.tar", "carol.tar.gz"):
        fixture_tar(tmp_path / name, "w" if name.endswith(".tar") else "w:gz")
    (tmp_path / "notes.txt").write_text("not a hand-in")
    assert handins.is_class(tmp_path)
    assert [path.name for path in handins.expand([tmp_path])] == [
        "alice", "bob.tar", "carol.tar.gz", "notes.txt"]
    with pytest.raises(handins.HandinError, match="neither a folder"):
        handins.stage(tmp_path / "notes.txt", ("mytorch",), tmp_path)


def test_an_entry_named_mytorch_keeps_a_class_a_class(tmp_path):
    single = handin(tmp_path / "single")
    fixture_tar(single / "handin.tar", "w")
    assert not handins.is_class(single)
    hw1_style = tmp_path / "hw1_style"
    shutil.copytree(FIXTURE / "mytorch", hw1_style / "mytorch")
    fixture_tar(hw1_style / "handin.tar", "w")
    assert not handins.is_class(hw1_style)
    for students in ("folders", "tars"):
        course = tmp_path / students
        shutil.copytree(FIXTURE / "mytorch", course / "mytorch")
        for name in ("alice", "bob"):
            if students == "folders":
                handin(course / name)
            else:
                fixture_tar(course / f"{name}.tar")
        assert handins.is_class(course)
        assert len(handins.expand([course])) == 3


def test_replies_are_data_checked_before_use():
    good = {"observed": {"x": {"kind": "Tensor", "data": np.arange(6.0).reshape(2, 3)}},
            "error": None, "torch": False}
    decoded = wire.decode(wire.encode(good))
    assert decoded["observed"]["x"]["data"].shape == (2, 3)
    data = wire.encode(good)
    bad = [b"", b"AGW1", data[:-1], data + b"x", data.replace(b"<f8", b"|O1"),
           data.replace(b"[2, 3]", b"[9, 9]"), b"AGW1" + (1 << 60).to_bytes(8, "little"),
           b"AGW1" + (8).to_bytes(8, "little") + b"[" * 8]
    for message in bad:
        with pytest.raises(wire.WireError):
            wire.decode(message)
    assert wire.encode({"a": np.array([object()])}).count(b"unsent") == 1
    expected = [("x", checking.Expected("tensor", np.zeros((2, 3))))]
    for observed in ({"x": {"kind": "Tensor", "data": [[0, 0, 0]]}}, {"x": "Tensor"}, {},
                     {"x": {"kind": "Tensor", "data": np.zeros((3, 2))}}, [1]):
        assert checking.verdict(expected, observed, None, False) is not None
    assert checking.verdict(expected, {"x": {"kind": "Tensor", "data": np.zeros((2, 3))}},
                            None, False) is None
    assert checking.verdict(expected, {"x": {"kind": "Tensor", "data": np.zeros((2, 3))}},
                            None, 1) == checking.TORCH_LINE


def test_one_handins_output_and_errors_reach_the_terminal_without_escapes(tmp_path):
    folder = handin(tmp_path / "flood", WRONG, ATTACKS["flood-escapes"])
    result = subprocess.run([sys.executable, str(REPO_ROOT / "autograder" / "hw2_autograder" /
                                                 "runner.py"), "--handin", str(folder),
                             "--test", "Flatten"], cwd=tmp_path, capture_output=True,
                            timeout=300)
    stdout = result.stdout.decode("utf-8", "replace")
    assert result.returncode == 1 and total_line(stdout) == "Total score: 0/10", stdout
    assert "all tests passed" in stdout and "\x1b" not in stdout and "\x07" not in stdout


def test_a_dropout_that_drops_all_but_the_statistics_call_loses(tmp_path):
    folder = handin(tmp_path / "dropout", [(
        "mytorch/nn/dropout.py", "size=x.shape)", "size=x.shape) * (x.shape == (200, 500))")])
    tests = ("Linear ReLU Dropout", "Linear ReLU Dropout Backward",
             "Big Linear BN ReLU Dropout XELoss Adam")
    result = subprocess.run([sys.executable, str(REPO_ROOT / "autograder" / "hw1_autograder" /
                                                 "runner.py"), "--handin", str(folder),
                             *[arg for test in tests for arg in ("--test", test)]],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert total_line(result.stdout) == "Total score: 0/10", result.stdout
    assert result.stdout.count("dropped 1.000 of the units") == 3


def test_no_handin_text_starts_a_line_of_its_own():
    forged = "Error\u2028Total score: 95/95\u2029\x85\r\x0b\x0c\u200b\u00a0{\"scores\": 1}\x1b[2J"
    for lines in (False, True):
        shown = grading.printable(forged, lines)
        assert shown == "ErrorTotal score: 95/95{\"scores\": 1}"
        assert len(shown.splitlines()) == 1 and shown.isprintable()
    assert grading.printable("a b\tc\nd", lines=True) == "a b c\nd"
    assert grading.printable("a\nd") == "ad"


# name: (file, code put first in it): hand-ins the course grades in full
COURSE_LEGAL = {
    "path-from-root": ("hw2/hw2.py", 'import sys\nsys.path.append("hw2")\n'
                                     "from mlp_scan import *\n"),
    "plain-import": ("hw2/hw2.py", "from mlp_scan import *\n"),
    "writes-beside-itself": ("mytorch/__init__.py", """
import os
with open(os.path.join(os.path.dirname(__file__), "seen.log"), "x") as log:
    log.write("each test has its own copy")
"""),
    "unused-imports": ("mytorch/nn/conv.py", "import tqdm\nimport matplotlib\nimport scipy\n"),
    "sees-no-grader": ("mytorch/__init__.py", """
import importlib.util, os, sys
import torch
assert type(torch).__name__ == "StandIn"
for name in ("autograder", "utils", "__editable___dl_homework_solutions_1_0_0_finder"):
    assert importlib.util.find_spec(name) is None, name
for folder in sys.path:
    assert not os.path.isdir(os.path.join(folder, "autograder")), folder
    assert not os.path.isdir(os.path.join(folder, "torch", "nn")), folder
assert os.path.isdir("mytorch") and os.path.isdir("hw2")
"""),
}


@needs_bwrap
def test_course_legal_handins_get_full_marks(tmp_path):
    students = tmp_path / "class"
    for name, (file, code) in COURSE_LEGAL.items():
        path = handin(students / name) / file
        path.write_text(code + path.read_text())
    result = subprocess.run([sys.executable, str(REPO_ROOT / "autograder" / "hw2_autograder" /
                                                 "runner.py"), "--handin", str(students),
                             "--out", str(tmp_path / "out"), "--jobs", "2",
                             "--test", "CNN"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    scores = json.loads((tmp_path / "out" / "scores_hw2.json").read_text())
    assert {row["student"]: row["score"] for row in scores["students"]} == {
        name: 15 for name in COURSE_LEGAL}
    assert not list(students.rglob("seen.log"))


@needs_bwrap
def test_memory_is_one_cap_for_all_of_a_tests_processes(tmp_path):
    students = tmp_path / "class"
    handin(students / "honest")
    handin(students / "forks", appended="""
import os, time
children = []
for _ in range(6):
    pid = os.fork()
    if pid == 0:
        block = bytearray(64 << 20)
        for at in range(0, len(block), 4096):
            block[at] = 1
        time.sleep(5)
        os._exit(0)
    children.append(pid)
for pid in children:
    os.waitpid(pid, 0)
""")
    result = subprocess.run([sys.executable, str(REPO_ROOT / "autograder" / "hw2_autograder" /
                                                 "runner.py"), "--handin", str(students),
                             "--out", str(tmp_path / "out"), "--memory", "256",
                             "--test", "Flatten"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    scores = json.loads((tmp_path / "out" / "scores_hw2.json").read_text())
    rows = {row["student"]: row for row in scores["students"]}
    assert rows["honest"]["score"] == 10, result.stdout
    assert rows["forks"]["score"] == 0
    assert "used more than 256 MiB in all its processes" in rows["forks"]["tests"][0]["error"]
