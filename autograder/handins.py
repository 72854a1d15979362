"""Finding and staging hand-ins: a folder holding `mytorch/` (and `hw1/`, `hw2/`), or a
`.tar` / `.tar.gz` / `.tgz` of one (such as the course's handin.tar), possibly wrapped in
one top folder. A folder that holds no `mytorch/`, or whose `mytorch/` sits among other
students' hand-ins (`is_class`), is a class: every entry in it is one student's hand-in,
folders and tars alike (anything else gets a row saying so).

Staging copies only the hand-in's packages into a fresh folder of the runner's, which
the student process sees read-only. An archive is read through before anything is
extracted: the number of its members and their total size are capped, and links, devices
and paths that leave the folder are refused. A folder is copied without following links,
under the same caps. Whatever goes wrong is a HandinError: that student's row says why.
Names are kept as the file system gives them (bytes, through os.fsencode).
"""
import bz2
import gzip
import lzma
import os
import shutil
import stat
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

HANDIN_PACKAGES = ("mytorch", "hw1", "hw2")
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")
SKIPPED = ("__pycache__",)


class HandinError(Exception):
    """A hand-in that cannot be graded at all (its row says why)."""


@dataclass(frozen=True)
class Caps:
    """The most a hand-in may hold: bytes in all, and files and folders."""
    total_bytes: int = 100 << 20
    members: int = 10_000


def shown(name):
    """A file name for display: undecodable bytes as \\xNN escapes."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def is_tar(path):
    return path.name.endswith(TAR_SUFFIXES)


def student_name(path):
    """The student a hand-in belongs to: its entry name without a tar suffix."""
    name = path.name
    for suffix in TAR_SUFFIXES:
        name = name.removesuffix(suffix)
    return name or path.name


def entries(folder, hidden=True):
    """The entries of `folder` in the order of their names' bytes."""
    return sorted((entry for entry in Path(folder).iterdir()
                   if hidden or not entry.name.startswith(".")),
                  key=lambda entry: os.fsencode(entry.name))


def find_root(folder):
    """The folder that holds `mytorch/`: `folder` itself, or its only entry (a wrapping
    folder, as a tar often has); None when neither."""
    folder = Path(folder)
    if (folder / "mytorch").is_dir() and not (folder / "mytorch").is_symlink():
        return folder
    inside = [entry for entry in entries(folder, hidden=False) if entry.name != "__MACOSX"]
    if len(inside) == 1 and inside[0].is_dir() and not inside[0].is_symlink() \
            and (inside[0] / "mytorch").is_dir():
        return inside[0]
    return None


def is_class(path):
    """A folder of hand-ins (rather than one hand-in): one without a `mytorch/`, or one
    whose `mytorch/` is a student's entry among others: a sub-folder holds a hand-in of its
    own, or, with no `hw1/` or `hw2/` beside it, the rest is two or more folders and tars.
    A hand-in's own files (handin.tar among them) keep it one hand-in."""
    path = Path(path)
    if not path.is_dir():
        return False
    root = find_root(path)
    if root != path:
        return root is None
    others = [entry for entry in entries(path, hidden=False)
              if entry.name not in ("mytorch", "__MACOSX")]
    folders = [entry for entry in others if entry.is_dir() and not entry.is_symlink()]
    if any(find_root(folder) is not None for folder in folders):
        return True
    others = [entry for entry in others if student_name(entry) != "handin"]
    folders = [entry for entry in folders if entry in others]
    tars = [entry for entry in others if entry.is_file() and is_tar(entry)]
    packages = [entry for entry in folders if entry.name in HANDIN_PACKAGES]
    return not packages and len(folders) + len(tars) == len(others) >= 2


def expand(paths):
    """The hand-ins named on the command line: each path is a hand-in, or a class folder
    whose every entry is one. A path that does not exist is a FileNotFoundError."""
    handins = []
    for path in map(Path, paths):
        if not os.path.lexists(path):
            raise FileNotFoundError(f"--handin {shown(path)}: no such file or folder")
        if is_class(path):
            students = entries(path)
            if not students:
                raise FileNotFoundError(f"--handin {shown(path)}: holds neither mytorch/ "
                                        "nor hand-ins")
            handins += students
        else:
            handins.append(path)
    return handins


def checked_members(archive, caps):
    """The archive's members, read through once: only files and folders, relative paths
    that stay inside, within the caps. Raises HandinError at the first that is not."""
    members, total = [], 0
    for member in archive:
        name = PurePosixPath(member.name)
        if len(members) >= caps.members:
            raise HandinError(f"the archive holds more than {caps.members:,} members "
                              "(--max-files)")
        if not (member.isreg() or member.isdir()) or member.issparse():
            raise HandinError(f"the archive holds {shown(member.name)}, which is a link or "
                              "a device, not a file or folder")
        if name.is_absolute() or ".." in name.parts or "\0" in member.name:
            raise HandinError(f"the archive holds {shown(member.name)}, a path that leaves "
                              "the folder")
        total += member.size
        if total > caps.total_bytes:
            raise HandinError(f"the archive expands to more than {caps.total_bytes >> 20} MiB "
                              "(--max-mib)")
        members.append(member)
    return members


class CappedReader:
    """A file object that refuses to give more than `cap` bytes (the archive's contents
    once decompressed, headers included), so no member or header can make the runner
    read or hold more than that."""

    def __init__(self, stream, cap):
        self.stream, self.left = stream, cap

    def read(self, size=-1):
        if size is None or size < 0 or size > self.left:
            size = self.left + 1
        data = self.stream.read(size)
        self.left -= len(data)
        if self.left < 0:
            raise HandinError("the archive expands to more than allowed (--max-mib)")
        return data


def decompressed(path):
    """The archive at `path` as a stream of tar bytes (gzip, bzip2, xz or none)."""
    with open(path, "rb") as raw:
        magic = raw.read(6)
    if magic.startswith(b"\x1f\x8b"):
        return gzip.open(path, "rb")
    if magic.startswith(b"BZh"):
        return bz2.open(path, "rb")
    if magic.startswith(b"\xfd7zXZ\x00"):
        return lzma.open(path, "rb")
    return open(path, "rb")


def unpack(path, target, caps):
    """Extract tar `path` into `target`: first read it through as a capped stream, checking
    every member (`checked_members`); only then extract what was checked."""
    cap = caps.total_bytes + 1024 * caps.members + (1 << 20)
    try:
        with decompressed(path) as stream, \
                tarfile.open(fileobj=CappedReader(stream, cap), mode="r|") as archive:
            checked_members(archive, caps)
        with tarfile.open(path) as archive:
            archive.extractall(target, members=checked_members(archive, caps), filter="data")
    except HandinError:
        raise
    except (tarfile.TarError, OSError, EOFError, zlib.error, lzma.LZMAError, ValueError,
            UnicodeError) as err:
        raise HandinError(f"cannot extract {shown(path.name)}: "
                          f"{str(err) or type(err).__name__}") from None


def copy_tree(source, target, budget):
    """Copy folder `source` to `target`: files and folders only, links never followed;
    `budget` is [bytes left, members left], spent as it goes."""
    folders = [(source, target)]
    while folders:
        source, target = folders.pop()
        target.mkdir()
        for entry in os.scandir(source):
            if entry.name in SKIPPED or entry.name.endswith(".pyc"):
                continue
            info = entry.stat(follow_symlinks=False)
            budget[1] -= 1
            if budget[1] < 0:
                raise HandinError("the hand-in holds too many files (--max-files)")
            if stat.S_ISDIR(info.st_mode):
                folders.append((entry.path, target / entry.name))
            elif stat.S_ISREG(info.st_mode):
                budget[0] -= info.st_size
                if budget[0] < 0:
                    raise HandinError("the hand-in is larger than allowed (--max-mib)")
                copy_file(entry.path, target / entry.name, info.st_size)


def copy_file(source, target, size):
    """Copy a regular file, opened without following a link, reading no more than `size`."""
    descriptor = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(descriptor, "rb") as reading, open(target, "wb") as writing:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise HandinError("a file of the hand-in changed while it was copied")
        writing.write(reading.read(size))


def stage(path, needed, workspace, caps=Caps()):
    """Copy hand-in `path` (folder or tar) into a new folder under `workspace`; returns it.
    `needed` names the packages that must be there (e.g. ("mytorch", "hw2"))."""
    path = Path(path)
    target = Path(tempfile.mkdtemp(prefix="handin-", dir=workspace))
    unpacked = None
    try:
        if path.is_symlink():
            raise HandinError(f"{shown(path.name)} is a link; hand it in as a folder or tar")
        if path.is_file() and is_tar(path):
            unpacked = Path(tempfile.mkdtemp(prefix="unpacked-", dir=workspace))
            unpack(path, unpacked, caps)
            root = find_root(unpacked)
        elif path.is_dir():
            root = find_root(path)
        else:
            raise HandinError(f"{shown(path.name)} is neither a folder nor a .tar/.tar.gz")
        if root is None:
            raise HandinError("no mytorch/ folder in the hand-in")
        missing = [name for name in needed if not (root / name).is_dir()
                   or (root / name).is_symlink()]
        if missing:
            raise HandinError(f"no {missing[0]}/ folder next to mytorch/ in the hand-in")
        budget = [caps.total_bytes, caps.members]
        for name in HANDIN_PACKAGES:
            if (root / name).is_dir() and not (root / name).is_symlink():
                copy_tree(root / name, target / name, budget)
    except HandinError:
        shutil.rmtree(target, ignore_errors=True)
        raise
    except (OSError, UnicodeError, ValueError) as err:
        shutil.rmtree(target, ignore_errors=True)
        raise HandinError(f"cannot copy the hand-in: {err}") from None
    finally:
        if unpacked is not None:
            shutil.rmtree(unpacked, ignore_errors=True)
    return target
