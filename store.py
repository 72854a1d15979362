"""Storing files: atomic writes (JSON, checkpoints, figures), the lock a run holds on its
output folder, and dataset downloads. An interrupted write leaves the old file or
nothing, never half a file.
"""
import contextlib
import glob
import json
import os
import secrets
import sys
import tarfile
import zipfile
from pathlib import Path

import utils


def _alive(pid):
    """Whether process `pid` still runs (on this machine)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale_temps(path):
    """Delete temporary files of our own atomic writes to `path` whose writer died
    (a SIGKILL skips the clean-up below); each names its writer's pid."""
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        pid = stale.name[len(path.name) + 2:].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()


@contextlib.contextmanager
def atomic_write(path, mode="wb"):
    """Open a temporary file next to `path`; rename it over `path` only on success.

    An interrupted write leaves the old file (or nothing), never half a file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(path)
    tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    # Mode 0o666 as open() uses: the umask then gives the file the usual mode.
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def run_lock(folder, name):
    """Hold `folder/.NAME.lock` while a run writes its files there, so that a second
    run of the same name into the same folder stops with one line instead of
    mixing its files with the first's. A lock whose run has died is taken over."""
    lock = Path(folder) / f".{name}.lock"
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
            break
        except FileExistsError:
            owner = lock.read_text().split(maxsplit=1) if lock.exists() else []
            if owner and owner[0].isdigit() and _alive(int(owner[0])):
                command = owner[1].strip() if len(owner) > 1 else "?"
                raise utils.UserError(f"another run (pid {owner[0]}: {command}) is writing {name} "
                                f"in {folder}; wait for it or choose another --out") from None
            with contextlib.suppress(FileNotFoundError):
                lock.unlink()
    else:
        raise utils.UserError(f"cannot take the lock {lock}; remove it if no run is writing there")
    with os.fdopen(fd, "w") as handle:
        handle.write(f"{os.getpid()} {' '.join(sys.argv)}\n")
    try:
        yield lock
    finally:
        with contextlib.suppress(FileNotFoundError):
            lock.unlink()


def _to_builtin(value):
    """json.dump fallback for NumPy scalars/arrays, tensors and paths."""
    np = sys.modules.get("numpy")  # a NumPy value means NumPy is imported
    if np is not None and isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "tolist"):  # torch tensors
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def save_json(obj, path):
    """Write `obj` as indented JSON, atomically."""
    with atomic_write(path, "w") as handle:
        json.dump(obj, handle, indent=2, default=_to_builtin)
        handle.write("\n")
    return Path(path)


def load_json(path):
    """The object stored in the JSON file `path`."""
    with open(path) as handle:
        return json.load(handle)


def atomic_torch_save(obj, path):
    """torch.save through a temporary file and os.replace."""
    import torch

    with atomic_write(path, "wb") as handle:
        torch.save(obj, handle)
    return Path(path)


# ---------------------------------------------------------------------------
# Datasets: find a local copy or download the official file
# ---------------------------------------------------------------------------

def download(url, folder, filename=None, md5=None, extract=False):
    """Download `url` into `folder` (unless already there) and return the file's path.

    torchvision's `download_url` fetches the bytes to NAME.part and checks `md5` when
    given; only then is the file renamed to NAME, so an interrupted download is never
    taken for a complete one. With `extract=True` the archive (.tar.gz, .zip) is
    unpacked into `folder` by torchvision's `extract_archive`. Any failure raises
    DataError naming the URL and the folder, so a user without internet knows where
    to put the file.
    """
    from torchvision.datasets.utils import download_url

    folder = Path(folder)
    target = folder / (filename or url.rstrip("/").rsplit("/", 1)[-1])
    if not target.exists():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise utils.DataError(f"cannot create the data folder {folder} ({err.strerror}); "
                            "point --data-dir at a writable folder") from None
        partial = target.with_name(target.name + ".part")
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()  # download_url would take a leftover file for the download
        try:
            download_url(url, folder, partial.name, md5)
        except Exception as err:
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
            reason = ("fails its md5 check" if str(err) == "File not found or corrupted."
                      else f"{type(err).__name__}: {err}")
            raise utils.DataError(f"could not download {url} ({reason}); download it by hand and "
                            f"put {target.name} in {folder}/ (or point --data-dir at a folder "
                            f"that has it)") from None
        os.replace(partial, target)
    if extract:
        extract_archive(target, folder)
    return target


def extract_archive(archive, folder):
    """Unpack a .tar.gz/.tgz/.zip into `folder` with torchvision's `extract_archive`."""
    from torchvision.datasets.utils import extract_archive as unpack

    archive = Path(archive)
    try:
        unpack(archive, folder)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as err:
        raise utils.DataError(f"{archive} is corrupt ({err}); delete it and run again") from None
    except RuntimeError as err:  # an archive type torchvision does not know
        raise utils.DataError(f"do not know how to extract {archive.name} ({err})") from None
