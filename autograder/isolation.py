"""Run one graded test in a child process of its own, so that whatever a hand-in does
costs only that test's points.

The child is forked from the runner, which has imported NumPy and torch but no MyTorch:
forking keeps a test's start in milliseconds (a fresh interpreter needs seconds to import
torch) while every test still begins from the same untouched state, so a hand-in that
seeds NumPy, calls np.seterr or changes print options affects no other test. In the child
the hand-in's folder comes first on sys.path and a finder makes `mytorch`, `hw1` and `hw2`
resolve inside it only. The child's stdout and stderr go to a pipe that the runner drains
as it reads, keeping only a tail; a test that raises, exits (sys.exit, os._exit, a crash),
runs past its time limit or prints more than a limit scores 0 with a one-line reason.
This protects the run, not the machine: the hand-in runs as the user's own code.
"""
import importlib
import importlib.abc
import importlib.machinery
import json
import os
import select
import signal
import sys
import tempfile
import time
import traceback

HANDIN_PACKAGES = ("mytorch", "hw1", "hw2")
TAIL_BYTES = 4096
RESULT_BYTES = 8192
_warm = []  # torch warmed up in this process


class HandinFinder(importlib.abc.MetaPathFinder):
    """Resolves the hand-in's packages inside the hand-in folder and nowhere else (not in
    an installed copy of this repository's mytorch)."""

    def __init__(self, folder):
        self.folder = folder

    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] not in HANDIN_PACKAGES:
            return None
        search = [self.folder] if "." not in fullname else path
        spec = importlib.machinery.PathFinder.find_spec(fullname, search)
        if spec is None:
            raise ModuleNotFoundError(f"No module named {fullname!r} in the hand-in",
                                      name=fullname)
        return spec


def one_line(err):
    """An exception as one line: its type, message and where in the hand-in it happened."""
    text = str(err).strip().splitlines()
    if isinstance(err, AssertionError) and text:  # a check's own failure line
        return text[0]
    line = f"{type(err).__name__}: {text[0] if text else ''}".rstrip(": ")
    frames = [frame for frame in traceback.extract_tb(err.__traceback__)
              if "/autograder/" not in frame.filename.replace(os.sep, "/")]
    if frames and not isinstance(err, AssertionError):
        line += f" (at {os.path.basename(frames[-1].filename)}:{frames[-1].lineno})"
    return line


def preload(targets):
    """Import the checks (and with them NumPy and torch) in the runner, once, and warm torch
    up, so that each forked child starts with them loaded. The checks import no MyTorch at
    module level."""
    for target in targets:
        importlib.import_module(target.split(":")[0])
    if not _warm:
        from autograder.checking import warm_up
        warm_up()
        _warm.append(True)
    ours = sorted(name for name in sys.modules if name.partition(".")[0] in HANDIN_PACKAGES)
    if ours:
        raise RuntimeError(f"grader error: loading the checks imported {ours[0]}")


def child_main(folder, target):
    """In the child: import the check, point imports at the hand-in, run the check.
    Returns {"passed": bool, "error": one line or None}."""
    sys.dont_write_bytecode = True
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    module_name, function_name = target.split(":")
    check = getattr(importlib.import_module(module_name), function_name)
    ours = sorted(name for name in sys.modules if name.partition(".")[0] in HANDIN_PACKAGES)
    if ours:
        return {"passed": False, "error": f"grader error: {ours[0]} was imported before the test"}
    sys.meta_path.insert(0, HandinFinder(folder))
    sys.path.insert(0, folder)
    try:
        import torch
        torch.set_num_threads(1)
        passed = check()
        location = getattr(sys.modules.get("mytorch"), "__file__", None) or folder
        if not os.path.realpath(location).startswith(folder):
            return {"passed": False, "error": f"grader error: mytorch came from {location}"}
        if passed is not True:
            return {"passed": False, "error": f"the test returned {passed!r}"}
        return {"passed": True, "error": None}
    except SystemExit as err:
        return {"passed": False, "error": f"the hand-in called sys.exit({err.code!r})"}
    except BaseException as err:  # whatever goes wrong in the hand-in, the test scores 0
        return {"passed": False, "error": one_line(err)}


def _in_child(folder, target, output, result, scratch):
    """The forked child: redirect output, run, report, and never return."""
    try:
        os.setpgid(0, 0)
        os.chdir(scratch)  # files the hand-in writes land in a temporary folder
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(output, 1)
        os.dup2(output, 2)
        try:
            outcome = child_main(folder, target)
        except BaseException as err:  # the check itself could not be loaded
            outcome = {"passed": False, "error": f"grader error: {one_line(err)}"}
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # a hand-in may have replaced or closed the streams
                pass
        os.write(result, json.dumps(outcome).encode()[:RESULT_BYTES])
    finally:
        os._exit(0)


def run_isolated(folder, target, timeout, max_output):
    """Run check `target` ("module:function") against the hand-in in `folder` in a forked
    child. Returns {"passed", "error", "output" (the tail of what it printed), "seconds"}."""
    if not hasattr(os, "fork"):
        raise RuntimeError("the autograder needs os.fork (Linux, macOS or WSL)")
    folder = os.path.realpath(folder)
    sys.stdout.flush()
    sys.stderr.flush()
    output_read, output_write = os.pipe()
    result_read, result_write = os.pipe()
    with tempfile.TemporaryDirectory(prefix="grade-scratch-") as scratch:
        start = time.monotonic()
        pid = os.fork()
        if pid == 0:
            os.close(output_read)
            os.close(result_read)
            _in_child(folder, target, output_write, result_write, scratch)
        os.close(output_write)
        os.close(result_write)
        outcome = _watch(pid, output_read, result_read, start + timeout, timeout, max_output)
        outcome["seconds"] = round(time.monotonic() - start, 2)
    return outcome


def _watch(pid, output_read, result_read, deadline, timeout, max_output):
    """Drain the child's pipes until it ends, runs out of time or prints too much; then
    make sure it and anything it started are gone."""
    tail, printed, result = bytearray(), 0, bytearray()
    open_fds, stopped, status = {output_read, result_read}, None, None
    try:
        while open_fds:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                stopped = f"timed out after {timeout:g} s (--timeout)"
                break
            ready = select.select(list(open_fds), [], [], min(remaining, 0.25))[0]
            for fd in ready:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    open_fds.discard(fd)
                    os.close(fd)
                elif fd == output_read:
                    printed += len(chunk)
                    tail = (tail + chunk)[-TAIL_BYTES:]
                else:
                    result += chunk
            if printed > max_output:
                stopped = f"printed more than {max_output >> 20} MiB; stopped"
                break
            if not ready:
                done, wait_status = os.waitpid(pid, os.WNOHANG)
                if done:  # exited, while something it started still holds the pipes
                    status = wait_status
                    break
    finally:  # also on Ctrl-C: the child goes at once
        if status is None:
            status = _reap(pid, deadline if stopped is None and not open_fds else 0)
        _kill_group(pid)
        for fd in open_fds:
            os.close(fd)
    outcome = {"passed": False, "error": stopped, "output": tail.decode("utf-8", "replace")}
    if stopped is None:
        try:
            outcome.update(json.loads(result.decode()))
        except ValueError:
            outcome["error"] = exit_reason(status)
    return outcome


def _reap(pid, deadline):
    """Wait for the child until `deadline` (a time.monotonic() value), then kill its
    process group; returns its wait status."""
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.01)
    _kill_group(pid)
    return os.waitpid(pid, 0)[1]


def _kill_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def exit_reason(status):
    """Why a child ended without reporting a result."""
    if os.WIFSIGNALED(status):
        name = signal.Signals(os.WTERMSIG(status)).name
        return f"the test process was killed by {name} before the test finished"
    return (f"the test process exited with status {os.WEXITSTATUS(status)} before the test "
            "finished (os._exit or a crash in the hand-in)")
