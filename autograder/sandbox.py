"""Running one test's student process: a fresh interpreter (autograder/child/main.py) in a
bubblewrap sandbox, under resource limits, watched by the runner.

The sandbox (`bwrap`) shows the process the system's programs read-only, its Python and
the installed packages but the torch family (and the checkout's editable install), the
grader's child code and this student's staged copy (both read-only), a private /tmp of
bounded size (room for the test's own copy of the hand-in, and a file), and nothing
else: not the checkout, not the class folder, not --out, not other students; no
network; its own PID
namespace (the runner's processes are not there to signal or read), a new session, an
unprivileged uid, and it dies with the runner. rlimits set before exec bound memory, CPU
seconds, file size, open files and processes; the runner counts the test's processes
and threads itself (RLIMIT_NPROC does not bind root) and sums their memory, so that
--memory bounds the test as a whole, however many processes it starts. When the test
ends the sandbox is killed, and with it every process the test started. Without bwrap
(--no-sandbox) the same interpreter runs unconfined but for the limits, and the runner,
a child subreaper, kills whatever the test left behind.

The request goes in on stdin, the reply comes back on a pipe of its own and is capped in
size; stdout and stderr are drained as they come, keeping a tail.
"""
import ctypes
import json
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CHILD_CODE = Path(__file__).resolve().parent / "child"
TAIL_BYTES = 4096
PAGE = 4096
HIDDEN = ("torch", "torchvision", "torchaudio", "torchgen", "functorch", "triton", "nvidia",
          "cuda", "__editable__")  # the torch family and the editable install, by prefix
PR_SET_CHILD_SUBREAPER, PR_SET_PDEATHSIG = 36, 1


@dataclass(frozen=True)
class Limits:
    """What one test may use: bytes of memory (the address space of each process and the
    resident memory of all of them together), CPU seconds, bytes per file (and of /tmp,
    beside the hand-in's copy), open files, processes (beyond the user's own), bytes
    printed, bytes of reply."""
    memory: int = 4 << 30
    cpu_seconds: int = 130
    file_size: int = 64 << 20
    open_files: int = 256
    processes: int = 64
    output: int = 32 << 20
    reply: int = 64 << 20


@dataclass
class Outcome:
    """What came back: `reply` (bytes, or None), `output` (the tail it printed, bytes),
    `stopped` (why the runner ended it, or None), `status` (the exit status)."""
    reply: bytes | None
    output: bytes
    stopped: str | None
    status: int | None
    seconds: float


def find_bwrap():
    """(path to a working bwrap, None) or (None, why not)."""
    path = shutil.which("bwrap")
    if path is None:
        return None, "bwrap is not installed (package bubblewrap)"
    try:
        probe = subprocess.run([path, "--unshare-all", "--die-with-parent", "--ro-bind", "/",
                                "/", "true"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as err:
        return None, f"bwrap does not run here ({err})"
    if probe.returncode != 0:
        reason = probe.stderr.decode("utf-8", "replace").strip().splitlines()
        return None, f"bwrap does not run here ({reason[-1] if reason else 'no reason given'})"
    return path, None


def become_subreaper():
    """Orphans of the tests' processes become the runner's children (Linux), so that
    `end_descendants` finds daemons that left their process group."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def die_with_parent():
    """This process is killed when the process that started it ends (Linux): a class's
    worker never outlives the runner."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


class Sandbox:
    """Starts the student process of each test of one run. `workspace` is a private
    folder of the runner; `bwrap` the sandbox's path, or None to run unconfined."""

    def __init__(self, workspace, bwrap, limits):
        self.bwrap, self.limits = bwrap, limits
        self.grader = Path(workspace) / "grader"
        shutil.copytree(CHILD_CODE, self.grader / "child",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "__init__.py"))
        site, self.scratch = self.grader / "site", Path(workspace) / "scratch"
        site.mkdir()
        self.packages, self.hidden = installed_packages()
        for package in self.packages:
            (site / package.name).symlink_to(package)
        self.python = os.path.realpath(sys.executable)
        become_subreaper()

    def probe(self):
        """None when a student process starts in this sandbox and imports NumPy, else the
        reason it does not (bwrap's last line)."""
        argv = self.command(self.grader / "site", 1)
        argv = argv[:argv.index("--") + 1] + [self.python, "-I", "-S", "-c",
                                              "import sys; sys.path.append('/grader/site'); "
                                              "import numpy"]
        try:
            result = subprocess.run(argv, capture_output=True, timeout=60,
                                    preexec_fn=self.set_limits(60))
        except (OSError, subprocess.SubprocessError) as err:
            return str(err)
        lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
        return None if result.returncode == 0 else (lines[-1] if lines else "no reason given")

    def prefixes(self):
        """Where this Python lives, outside /usr."""
        found = {os.path.realpath(sys.base_prefix), os.path.dirname(os.path.dirname(self.python))}
        return sorted(prefix for prefix in found if not (prefix + "/").startswith("/usr/"))

    def command(self, handin, reply_fd, room=0):
        """The argv of one test's process for the hand-in staged in `handin`, whose copy
        takes `room` bytes of its /tmp."""
        if self.bwrap is None:
            return [self.python, "-I", "-S", str(self.grader / "child" / "main.py"),
                    str(handin), str(self.grader / "site"), str(reply_fd)]
        argv = [self.bwrap, "--unshare-all", "--die-with-parent", "--new-session",
                "--uid", "65534", "--gid", "65534", "--cap-drop", "ALL"]
        for folder in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
            if os.path.islink(folder):
                argv += ["--symlink", os.readlink(folder), folder]
            elif os.path.isdir(folder):
                argv += ["--ro-bind", folder, folder]
        for prefix in self.prefixes():
            argv += ["--ro-bind", prefix, prefix]
        bound = ("/usr/", *(prefix + "/" for prefix in self.prefixes()))
        for site in site_folders():
            if not (site + "/").startswith(bound):
                argv += ["--ro-bind", site, site]
        for path in self.hidden:
            argv += ["--tmpfs", str(path), "--remount-ro", str(path)] if path.is_dir() \
                else ["--ro-bind", "/dev/null", str(path)]
        argv += ["--ro-bind", str(self.grader / "site"), "/grader/site",
                 "--ro-bind", str(self.grader / "child"), "/grader/child",
                 "--ro-bind", str(handin), "/handin",
                 "--proc", "/proc", "--dev", "/dev",
                 "--size", str(self.limits.file_size + room), "--tmpfs", "/tmp",
                 "--remount-ro", "/dev", "--remount-ro", "/", "--chdir", "/tmp",
                 "--clearenv", "--setenv", "HOME", "/tmp",
                 "--setenv", "PATH", "/usr/bin:/bin"]
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            argv += ["--setenv", name, "1"]
        return argv + ["--", self.python, "-I", "-S", "/grader/child/main.py", "/handin",
                       "/grader/site", str(reply_fd)]

    def run(self, handin, request, timeout):
        """Run one test: send `request`, gather the reply and output until the process
        ends, or `timeout` seconds pass, or it prints or replies too much. Returns an
        Outcome; the process and everything it started are gone by then."""
        reply_read, reply_write = os.pipe()
        start = time.monotonic()
        environment = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "OMP_NUM_THREADS": "1",
                       "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        try:
            process = subprocess.Popen(
                self.command(handin, reply_write, tmpfs_bytes(handin)), stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, pass_fds=(reply_write,),
                cwd=self.scratch_folder(), env=environment,
                start_new_session=True, preexec_fn=self.set_limits(timeout))
        finally:
            os.close(reply_write)
        try:
            outcome = watch(process, reply_read, request, start + timeout, timeout,
                            self.limits)
        finally:
            end_process(process)
            end_descendants()
            os.close(reply_read)
        outcome.seconds = round(time.monotonic() - start, 2)
        return outcome

    def scratch_folder(self):
        """An empty working folder for an unconfined test (the sandbox has its /tmp)."""
        shutil.rmtree(self.scratch, ignore_errors=True)
        self.scratch.mkdir()
        return str(self.scratch)

    def set_limits(self, timeout):
        limits, processes = self.limits, user_processes() + self.limits.processes
        cpu = int(min(limits.cpu_seconds, timeout)) + 1

        def apply():
            for name, value in ((resource.RLIMIT_AS, limits.memory),
                                (resource.RLIMIT_CPU, cpu),
                                (resource.RLIMIT_FSIZE, limits.file_size),
                                (resource.RLIMIT_NOFILE, limits.open_files),
                                (resource.RLIMIT_NPROC, processes),
                                (resource.RLIMIT_CORE, 0)):
                try:
                    hard = resource.getrlimit(name)[1]
                    value = value if hard == resource.RLIM_INFINITY else min(value, hard)
                    resource.setrlimit(name, (value, value))
                except (ValueError, OSError):  # a limit this system does not set
                    pass
        return apply


def installed_packages():
    """(what a hand-in may import, what stays hidden): the entries of this Python's
    package folders, NumPy's first; hidden are the torch family (a stand-in takes its
    place), the editable install of the checkout and the .pth files (links followed
    nowhere: a linked entry is neither)."""
    shown, hidden, names = [], [], set()
    numpy_folder = Path(np.__file__).resolve().parent.parent
    for site in sorted(map(Path, site_folders()), key=lambda folder: folder != numpy_folder):
        for entry in sorted(site.iterdir()):
            lowered = entry.name.lower()
            if lowered.endswith(".pth") or editable(entry) or \
                    lowered.startswith(HIDDEN) and not lowered.endswith(".dist-info"):
                hidden.append(entry)
            elif lowered.startswith(HIDDEN):
                continue  # the record of a hidden package: not shown, harmless where it is
            elif not entry.is_symlink() and entry.name not in names | {"__pycache__"}:
                shown.append(entry)
                names.add(entry.name)
    return shown, hidden


def editable(entry):
    """A package's record of an editable install (it names the checkout)."""
    try:
        record = json.loads((entry / "direct_url.json").read_text())
        return bool(record.get("dir_info", {}).get("editable"))
    except (OSError, ValueError, AttributeError):
        return False


def tmpfs_bytes(folder):
    """Bytes that a copy of `folder` takes in a tmpfs (whole pages, one per folder)."""
    total = 0
    for root, folders, files in os.walk(folder):
        total += PAGE * (1 + len(folders))
        for name in files:
            total += -(-os.path.getsize(os.path.join(root, name)) // PAGE) * PAGE + PAGE
    return total


def site_folders():
    """The folders of installed packages this Python would read."""
    import site
    folders = [*site.getsitepackages(), site.getusersitepackages()]
    return sorted({folder for folder in folders if os.path.isdir(folder)})


def user_processes():
    """How many tasks the runner's user has now (RLIMIT_NPROC counts them all)."""
    uid, count = os.getuid(), 0
    for entry in proc_entries():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry.name}/task"))
            except OSError:
                pass
    return count


def watch(process, reply_read, request, deadline, timeout, limits):
    """Feed stdin, drain output and reply until both close or a limit is hit."""
    output_fd, stdin_fd = process.stdout.fileno(), process.stdin.fileno()
    os.set_blocking(stdin_fd, False)
    tail, printed, reply, stopped = bytearray(), 0, bytearray(), None
    readers, pending = {output_fd, reply_read}, memoryview(request)
    counted, ended = time.monotonic(), False
    while readers:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            stopped = f"timed out after {timeout:.3g} s"
            break
        writers = [stdin_fd] if pending is not None else []
        wait = 0.0 if ended else min(remaining, 0.1)
        ready, writable, _ = select.select(list(readers), writers, [], wait)
        if writable:
            try:
                pending = pending[os.write(stdin_fd, pending[:1 << 16]):]
            except (BrokenPipeError, OSError):
                pending = memoryview(b"")
            if not len(pending):
                process.stdin.close()
                pending = None
        for fd in ready:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                readers.discard(fd)
            elif fd == output_fd:
                printed += len(chunk)
                tail = (tail + chunk)[-TAIL_BYTES:]
            else:
                reply += chunk
        if printed > limits.output:
            stopped = f"printed more than {limits.output >> 20} MiB; stopped"
            break
        if len(reply) > limits.reply:
            stopped = f"sent more than {limits.reply >> 20} MiB of values; stopped"
            break
        if time.monotonic() - counted > 0.1:
            counted = time.monotonic()
            tasks, resident = tasks_under(process.pid)
            if tasks > limits.processes:
                stopped = f"started more than {limits.processes} processes or threads; stopped"
                break
            if resident > limits.memory:
                stopped = f"used more than {limits.memory >> 20} MiB in all its processes " \
                          "(--memory); stopped"
                break
        if not ready and ended:
            break  # ended, all it wrote read; something it left behind holds a pipe
        ended = process.poll() is not None  # then one more look at the pipes
    if pending is not None:
        process.stdin.close()
    status = process.poll()
    if stopped is None and status is None:
        try:
            status = process.wait(timeout=max(0.0, min(1.0, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            pass
    return Outcome(bytes(reply) if stopped is None else None, bytes(tail), stopped, status, 0.0)


def end_process(process):
    """Kill the test's process group (with bwrap: the sandbox and all inside it)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()
    process.stdout.close()


def end_descendants():
    """Kill every remaining child of the runner (orphans it adopted as a subreaper),
    round after round, until none is left."""
    for _ in range(50):
        children = [pid for pid in child_pids() if pid != os.getpid()]
        if not children:
            return
        for pid in children:
            for kill in (os.killpg, os.kill):
                try:
                    kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def proc_entries():
    """The entries of /proc (none where there is no /proc)."""
    try:
        return list(os.scandir("/proc"))
    except OSError:
        return []


def process_table():
    """{pid: (parent pid, number of threads)} of every process on the machine."""
    table = {}
    for entry in proc_entries():
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    fields = stat.read().rpartition(b")")[2].split()
                table[int(entry.name)] = (int(fields[1]), int(fields[17]))
            except (OSError, IndexError, ValueError):
                continue
    return table


def child_pids():
    me = os.getpid()
    return [pid for pid, (parent, _) in process_table().items() if parent == me]


def tasks_under(root):
    """(processes and threads, bytes resident) of process `root` and all it started: the
    process limit, counted by the runner (RLIMIT_NPROC does not bind a runner run as
    root), and the test's memory, one sum for all its processes."""
    table, count, resident, frontier = process_table(), 0, 0, [root]
    children = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    while frontier:
        pid = frontier.pop()
        count += table.get(pid, (0, 1))[1]
        resident += resident_bytes(pid)
        frontier += children.get(pid, [])
    return count, resident


def resident_bytes(pid):
    """The memory process `pid` holds: its proportional share (shared pages, such as a
    fork's copy-on-write, counted once over all their sharers) where the system tells
    it, else its resident set; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) << 10
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def exit_reason(status):
    """Why a test process ended without a reply, from its exit status (bwrap passes the
    child's status on; a signal shows as 128 + its number)."""
    if status is None:
        return "the test process did not end"
    if status < 0 or status > 128:
        number = -status if status < 0 else status - 128
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        if name == "SIGXCPU":
            return "used up its CPU time and was stopped"
        return f"the test process was killed by {name} before the test finished"
    return (f"the test process exited with status {status} before the test finished "
            "(os._exit or a crash in the hand-in)")
