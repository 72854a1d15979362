"""The student's process: read one request on stdin, run its driver against the hand-in,
write the recorded data to file descriptor REPLY_FD, exit.

    python -I -S main.py HANDIN_FOLDER PACKAGES_FOLDER REPLY_FD

Started fresh for every test (never forked from the runner), with no site-packages: the
path holds this folder, PACKAGES_FOLDER (the installed packages the runner shows, NumPy
first) and the standard library. The test works on its own writable copy of the staged
HANDIN_FOLDER, made in its working folder (its private /tmp in the sandbox), and runs
from that copy's root with the root and its hw1/ and hw2/ at the end of the path, as the
course's runners do from the handout's root. `mytorch`, `hw1` and `hw2` resolve inside
the copy only; `torch` (and its family) resolves to a stand-in whose first use marks the
test failed, so an unused import costs nothing. The reply is data: what the hand-in
computed, an error line, and whether it touched torch.
"""
import importlib.abc
import importlib.machinery
import os
import shutil
import sys
import types

HANDIN_PACKAGES = ("mytorch", "hw1", "hw2")
TORCH_PACKAGES = ("torch", "torchvision", "torchaudio", "functorch", "torchgen")
torch_used = []


class TorchUsed(RuntimeError):
    """Raised by any use of the torch stand-in."""

    def __init__(self):
        super().__init__("the hand-in uses torch, which MyTorch must not")


def touch(*_, **__):
    torch_used.append(True)
    raise TorchUsed()


class Poison:
    """Whatever is taken from the stand-in: every use of it fails."""
    __slots__ = ()
    for _name in ("__getattr__", "__call__", "__getitem__", "__setitem__", "__iter__",
                  "__len__", "__bool__", "__index__", "__int__", "__float__", "__array__",
                  "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
                  "__matmul__", "__rmatmul__", "__truediv__", "__rtruediv__", "__pow__",
                  "__neg__", "__eq__", "__lt__", "__gt__", "__le__", "__ge__", "__hash__",
                  "__enter__", "__instancecheck__", "__subclasscheck__", "__mro_entries__",
                  "__array_ufunc__", "__array_function__", "__contains__"):
        locals()[_name] = touch
    del _name


class StandIn(types.ModuleType):
    """`torch` in the student's process: importing it (and its submodules) works;
    every attribute is a Poison."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return Poison()


class StandInFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in TORCH_PACKAGES:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        return StandIn(spec.name)

    def exec_module(self, module):
        pass


class HandinFinder(importlib.abc.MetaPathFinder):
    """The hand-in's packages come from the hand-in folder and nowhere else."""

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


def working_copy(folder):
    """A writable copy of the hand-in in this test's working folder, made the current
    folder and put on the path (then its hw1/ and hw2/): a module may write next to its
    own file, and nothing written outlives the test."""
    copy = os.path.abspath("handin")
    shutil.copytree(folder, copy)
    os.chdir(copy)
    sys.path += [copy] + [os.path.join(copy, name) for name in ("hw1", "hw2")
                          if os.path.isdir(os.path.join(copy, name))]
    return os.path.join(copy, "")


def read_request():
    chunks = []
    while chunk := os.read(0, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def main():
    sys.dont_write_bytecode = True
    staged, packages_folder, reply_fd = sys.argv[1], sys.argv[2], int(sys.argv[3])
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:0] = [here, packages_folder]
    import course
    import drivers
    import wire
    request = wire.decode(read_request(), max_header=1 << 30)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    import numpy
    numpy.random.seed(request.get("seed", 0))  # from the run's seed: --seed repeats the draws
    reply = {"error": None}
    lib, handin_folder = None, os.path.join(staged, "")
    try:
        handin_folder = working_copy(staged)
        sys.meta_path[:0] = [StandInFinder(), HandinFinder(handin_folder)]
        lib = course.Handin(handin_folder)
        if request["driver"] != "imports":
            lib.start()
        drivers.DRIVERS[request["driver"]](lib, request["case"])
    except BaseException as err:  # whatever the hand-in raises, the runner gets one line
        try:
            reply["error"] = course.one_line(err, handin_folder)[:1000]
        except BaseException:  # an exception whose message itself raises
            reply["error"] = f"{type(err).__name__} (its message could not be read)"
    reply["observed"] = lib.observed if lib is not None else {}
    reply["torch"] = bool(torch_used)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # a hand-in may have replaced or closed the streams
            pass
    data, written = wire.encode(reply), 0
    while written < len(data):
        written += os.write(reply_fd, data[written:])
    os._exit(0)


if __name__ == "__main__":
    main()
