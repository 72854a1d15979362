"""Finding and staging hand-ins: a folder holding `mytorch/` (and `hw1/`, `hw2/`), or a
`.tar` / `.tar.gz` / `.tgz` of one (such as the course's handin.tar), possibly wrapped in
one top folder. A folder that holds no `mytorch/` but hand-ins is a class: one entry per
student.

Staging copies only the hand-in's packages into a fresh temporary folder (a tar is
extracted with tarfile's "data" filter, which refuses absolute paths, links out of the
folder and device files), so grading never writes into the hand-in and a hand-in's other
files (its own copy of the autograder, say) are not on the path.
"""
import shutil
import tarfile
import tempfile
from pathlib import Path

from autograder.isolation import HANDIN_PACKAGES

TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz")


class HandinError(Exception):
    """A hand-in that cannot be graded at all (its row says why)."""


def is_tar(path):
    return path.is_file() and path.name.endswith(TAR_SUFFIXES)


def student_name(path):
    """The student a hand-in belongs to: its file or folder name without a tar suffix."""
    name = path.name
    for suffix in TAR_SUFFIXES:
        name = name.removesuffix(suffix)
    return name


def expand(paths):
    """The hand-ins named on the command line: each path is a hand-in, or a class folder
    whose entries (folders and tars) are hand-ins. A path that does not exist is an error."""
    handins = []
    for path in map(Path, paths):
        if not path.exists():
            raise FileNotFoundError(f"--handin {path}: no such file or folder")
        if path.is_dir() and find_root(path) is None:
            entries = sorted(entry for entry in path.iterdir() if not entry.name.startswith(".")
                             and (entry.is_dir() or is_tar(entry)))
            if not entries:
                raise FileNotFoundError(f"--handin {path}: holds neither mytorch/ nor hand-ins")
            handins += entries
        else:
            handins.append(path)
    return handins


def find_root(folder):
    """The folder that holds `mytorch/`: `folder` itself or its single subfolder."""
    if (folder / "mytorch").is_dir():
        return folder
    subfolders = [entry for entry in folder.iterdir()
                  if entry.is_dir() and not entry.name.startswith((".", "__"))]
    if len(subfolders) == 1 and (subfolders[0] / "mytorch").is_dir():
        return subfolders[0]
    return None


def stage(path, needed, workspace):
    """Copy hand-in `path` (folder or tar) into a new folder under `workspace`; returns it.
    `needed` names the packages that must be there (e.g. ("mytorch", "hw2"))."""
    path = Path(path)
    target = Path(tempfile.mkdtemp(prefix="handin-", dir=workspace))
    if is_tar(path):
        unpacked = Path(tempfile.mkdtemp(prefix="unpacked-", dir=workspace))
        try:
            with tarfile.open(path) as archive:
                archive.extractall(unpacked, filter="data")
        except (tarfile.TarError, OSError) as err:
            raise HandinError(f"cannot extract {path.name}: {err}") from None
        root = find_root(unpacked)
    elif path.is_dir():
        root = find_root(path)
    else:
        raise HandinError(f"{path.name} is neither a folder nor a .tar/.tar.gz")
    try:
        if root is None:
            raise HandinError("no mytorch/ folder in the hand-in")
        missing = [name for name in needed if not (root / name).is_dir()]
        if missing:
            raise HandinError(f"no {missing[0]}/ folder next to mytorch/ in the hand-in")
        for name in HANDIN_PACKAGES:
            if (root / name).is_dir():
                shutil.copytree(root / name, target / name,
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    except OSError as err:
        raise HandinError(f"cannot copy the hand-in: {err}") from None
    finally:
        if is_tar(path):
            shutil.rmtree(unpacked, ignore_errors=True)
    return target
