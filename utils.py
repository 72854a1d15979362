"""The one module the assignments share: seeding, devices, command-line flags,
output folders, JSON and figures, atomic checkpoints, data folders and downloads,
and the one-line error handling every script uses.

Only what at least two parts need lives here; everything else stays with its part.
"""
import argparse
import contextlib
import glob
import json
import math
import os
import random
import signal
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path


def _interrupted_while_starting(signum, frame):
    """Ctrl-C while a script is still importing: one line, not an import traceback
    (run_main puts the usual KeyboardInterrupt back once main starts)."""
    print("\ninterrupted while starting: nothing was written", file=sys.stderr)
    os._exit(130)


_MAIN = sys.modules.get("__main__")
if getattr(_MAIN, "__spec__", 0) is None and sys.argv[0].endswith(".py"):  # `python script.py`
    signal.signal(signal.SIGINT, _interrupted_while_starting)

import matplotlib  # noqa: E402

matplotlib.use("Agg")  # never open a window: scripts run headless and save PNGs
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent


class UserError(Exception):
    """A problem the user can fix (bad flag, missing data, NaN loss, ...).

    `run_main` prints it as one line and exits non-zero instead of a traceback.
    """


class DataError(UserError):
    """A dataset could not be found, downloaded or verified."""


# ---------------------------------------------------------------------------
# Reproducibility and devices
# ---------------------------------------------------------------------------

def seed_everything(seed):
    """Seed Python, NumPy and torch so that a CPU run repeats bit for bit."""
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:  # mytorch and its autograder need only NumPy
        return
    torch.manual_seed(seed)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False


def pick_device(name="auto"):
    """Return a torch.device: 'auto' tries cuda, then mps, then cpu."""
    import torch

    mps = getattr(torch.backends, "mps", None)
    has_mps = mps is not None and mps.is_available()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps" if has_mps else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise UserError(f"--device {name} was asked for but CUDA is not available here; "
                        "use --device cpu")
    if name == "mps" and not has_mps:
        raise UserError("--device mps was asked for but MPS is not available here; "
                        "use --device cpu")
    try:
        return torch.device(name)
    except RuntimeError as err:
        raise UserError(f"unknown --device {name!r} ({err})") from None


# ---------------------------------------------------------------------------
# Command line and output folders
# ---------------------------------------------------------------------------

# Checked flag types: argparse calls them before any work, and a bad value ends
# the run with the usage, one line naming the flag, and exit status 2.

def _number(text, kind):
    try:
        value = kind(text)
    except ValueError:
        what = "an integer" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
    if kind is float and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def _checked(kind, allowed, rule, name):
    """A flag type: `kind` parsed from the text, then `allowed(value)` or the line
    "<value> <rule>"."""
    def check(text):
        value = _number(text, kind)
        if not allowed(value):
            raise argparse.ArgumentTypeError(f"{value} {rule}")
        return value
    check.__name__ = name
    return check


# Sizes, counts, epochs; learning rates, norms, temperatures; weight decay, momentum;
# dropout rates and split fractions; seeds in the range NumPy accepts.
positive_int = _checked(int, lambda v: v > 0, "must be a positive integer", "positive_int")
non_negative_int = _checked(int, lambda v: v >= 0, "must be >= 0", "non_negative_int")
positive_float = _checked(float, lambda v: v > 0, "must be a positive number", "positive_float")
non_negative_float = _checked(float, lambda v: v >= 0, "must be >= 0", "non_negative_float")
probability = _checked(float, lambda v: 0 <= v < 1, "must be in [0, 1)", "probability")
seed = _checked(int, lambda v: 0 <= v < 2 ** 32, "must be in [0, 2**32)", "seed")


def bounded_int(low, high):
    """A flag type for an integer in [low, high], with the limit in its message
    (sizes that would otherwise run for hours or exhaust memory without output)."""
    return _checked(int, lambda v: low <= v <= high, f"must be in [{low}, {high:,}]",
                    f"integer in [{low}, {high}]")


def tag(text):
    """A run tag: letters, digits, '.', '_' and '-' (it becomes part of file names)."""
    if not text or not all(c.isalnum() or c in "._-" for c in text) or text.startswith("."):
        raise argparse.ArgumentTypeError(
            f"{text!r} may hold only letters, digits, '.', '_' and '-'")
    return text


def device_name(text):
    """auto, cpu, cuda, cuda:N or mps: the devices this code is written for."""
    if text in ("auto", "cpu", "cuda", "mps") or (text.startswith("cuda:") and text[5:].isdigit()):
        return text
    raise argparse.ArgumentTypeError(f"{text!r} is not one of auto, cpu, cuda, cuda:N, mps")


def add_common_args(parser, part):
    """Add the flags every script shares: --seed --device --out --data-dir --quick.

    `part` names the default output folder: results/<part>/ for full runs and
    runs/quick/<part>/ for --quick runs (so a quick run never overwrites results).
    """
    parser.set_defaults(part=part)
    parser.add_argument("--seed", type=seed, default=0, help="random seed (default: 0)")
    parser.add_argument("--device", type=device_name, default="auto",
                        help="auto (cuda, then mps, then cpu), cpu, cuda, cuda:N or mps "
                             "(default: auto)")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"output folder (default: results/{part}/, "
                             f"or runs/quick/{part}/ with --quick)")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="where datasets are read from and downloaded to "
                             "(default: $DATA_DIR, else data/)")
    parser.add_argument("--quick", action="store_true",
                        help="a tiny run that finishes in seconds (used by the tests)")
    return parser


def apply_quick(args, caps):
    """With --quick, cap each setting named in `caps` ({name: cap}); an unset (None)
    setting takes the cap. Caps only: a quick run never grows because of a flag."""
    if args.quick:
        for key, cap in caps.items():
            value = getattr(args, key)
            setattr(args, key, cap if value is None else min(value, cap))
    return args


def checkpoint_dir(args, out, folder=None):
    """Where a run keeps its weights: checkpoints/<folder>/ in the repo (by default the
    part's name), or, for a --quick run, its output folder (never the real ones)."""
    if args.quick:
        return out
    return REPO_ROOT / "checkpoints" / (args.part if folder is None else folder)


# ---------------------------------------------------------------------------
# Named configs: one per answer, the first is the default
# ---------------------------------------------------------------------------

def add_config_argument(parser, configs):
    """--config NAME picks one of a part's named settings (a dict of flag
    destinations to values); the first is the default, so a script run with no
    flags does its reported run. Flags given on the command line still win."""
    names = list(configs)
    parser.add_argument("--config", choices=names, default=names[0],
                        help=f"named settings (default: {names[0]}): {', '.join(names)}")
    parser.configs = configs
    return parser


def parse_args(parser, argv=None):
    """parser.parse_args, with the chosen --config's values as the defaults."""
    configs = getattr(parser, "configs", None)
    if configs:
        known, _ = parser.parse_known_args(argv)
        dests = {action.dest for action in parser._actions}
        unknown = set(configs[known.config]) - dests
        if unknown:
            raise ValueError(f"config {known.config!r} sets unknown settings {sorted(unknown)}")
        parser.set_defaults(**configs[known.config])
    return parser.parse_args(argv)


# Settings that say where a run reads and writes, not what it computes.
_PLACE_SETTINGS = ("out", "data_dir", "part")


def run_settings(args):
    """The settings a run records in its JSON: every flag's value but the places."""
    return {key: value for key, value in vars(args).items() if key not in _PLACE_SETTINGS}


# ---------------------------------------------------------------------------
# Runs: what each part declares for run_all.py
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Run:
    """One command of a part: `argv` is the script (path from the repo root) and
    its flags. `kind` is "final" (behind a number in an answer), "tuning" (a
    validation run behind a tuning table) or "report" (builds tables and figures
    from other runs). `after` names runs of the same part that must end first;
    `result` is the JSON the run writes, holding its settings."""
    name: str
    argv: tuple
    kind: str = "final"
    after: tuple = ()
    result: str = None

    def __post_init__(self):
        if self.kind not in ("final", "tuning", "report"):
            raise ValueError(f"run {self.name}: kind must be final, tuning or report")


@dataclass(frozen=True)
class Part:
    """An assignment part for run_all.py: its full runs, its --quick runs, and the
    "module:function" that builds its REPORT.md block from results/."""
    name: str
    runs: tuple
    quick: tuple = ()
    table: str = None


def output_dir(args):
    """Create and return the output folder chosen by --out / --quick; a folder
    that cannot be created or written is one line naming it."""
    if args.out is not None:
        out = Path(args.out)
    elif args.quick:
        out = REPO_ROOT / "runs" / "quick" / args.part
    else:
        out = REPO_ROOT / "results" / args.part
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise UserError(f"--out {out} is a file, not a folder; choose a folder") from None
    except OSError as err:
        raise UserError(f"cannot create the output folder {out} ({err.strerror}); "
                        "choose another --out") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise UserError(f"cannot write into the output folder {out}; choose another --out")
    return out


def data_dir(path=None):
    """The data folder: the --data-dir value, else $DATA_DIR, else data/ in the repo."""
    if path is not None:
        folder = Path(path)
    elif os.environ.get("DATA_DIR"):
        folder = Path(os.environ["DATA_DIR"])
    else:
        folder = REPO_ROOT / "data"
    if folder.exists() and not folder.is_dir():
        raise DataError(f"the data folder {folder} is a file, not a folder "
                        "(check --data-dir and $DATA_DIR)")
    return folder


def run_main(main):
    """Run `main()` and turn expected failures into one line and an exit code.

    UserError -> "error: ..." and exit 1; Ctrl-C -> exit 130 (checkpoints are
    written atomically, so whatever was saved stays usable).
    """
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        status = main()
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("\ninterrupted: stopped cleanly; files saved so far are kept", file=sys.stderr)
        sys.exit(130)
    sys.exit(status or 0)


def check_finite(value, where):
    """Raise UserError when a loss (float or 0-d tensor) is NaN or infinite."""
    value = float(value)
    if not math.isfinite(value):
        raise UserError(f"loss became {value} at {where}; "
                        "try a smaller learning rate or gradient clipping")
    return value


def progress(iterable=None, **kwargs):
    """tqdm with the settings every script uses: bars on stderr that vanish when
    done (TQDM_DISABLE=1 in the environment turns them off, e.g. for log files)."""
    from tqdm.auto import tqdm

    kwargs.setdefault("dynamic_ncols", True)
    kwargs.setdefault("leave", False)
    kwargs.setdefault("mininterval", 0.5)
    return tqdm(iterable, **kwargs)


# ---------------------------------------------------------------------------
# Writing results: JSON, figures, checkpoints (all atomic)
# ---------------------------------------------------------------------------

_UMASK = os.umask(0)
os.umask(_UMASK)


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
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.",
                               suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the file the usual mode
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
                raise UserError(f"another run (pid {owner[0]}: {command}) is writing {name} "
                                f"in {folder}; wait for it or choose another --out") from None
            with contextlib.suppress(FileNotFoundError):
                lock.unlink()
    else:
        raise UserError(f"cannot take the lock {lock}; remove it if no run is writing there")
    with os.fdopen(fd, "w") as handle:
        handle.write(f"{os.getpid()} {' '.join(sys.argv)}\n")
    try:
        yield lock
    finally:
        with contextlib.suppress(FileNotFoundError):
            lock.unlink()


def _to_builtin(value):
    """json.dump fallback for NumPy scalars/arrays, tensors and paths."""
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
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


STYLE = {
    "figure.figsize": (7, 4.5),
    "figure.dpi": 100,
    "savefig.dpi": 120,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "font.size": 10,
}
plt.rcParams.update(STYLE)


def moving_average(values, window):
    """Trailing moving average of a curve: point i is the mean of the last `window`
    values up to i (fewer at the start), so it never looks ahead."""
    values = np.asarray(values, dtype=float)
    cumulative = np.cumsum(np.insert(values, 0, 0.0))
    ends = np.arange(1, len(values) + 1)
    starts = np.maximum(0, ends - window)
    return (cumulative[ends] - cumulative[starts]) / (ends - starts)


def save_figure(fig, path):
    """Save `fig` as a PNG (atomically) and close it."""
    path = Path(path)
    fig.tight_layout()
    with atomic_write(path, "wb") as handle:
        fig.savefig(handle, format="png")
    plt.close(fig)
    return path


def plot_confusion(counts, classes, title, path, xlabel="predicted class", ylabel="true class",
                   annotate=True, figsize=(5, 4.3)):
    """Save a confusion matrix counts[true, predicted] as a PNG: colours are the
    fraction of each true class (rows sum to 1); with `annotate`, every cell
    also shows its count and that fraction (readable for a few classes only)."""
    counts = np.asarray(counts)
    rates = counts / np.maximum(counts.sum(1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=figsize)
    image = ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    if annotate:
        for (i, j), count in np.ndenumerate(counts):
            ax.text(j, i, f"{count}\n{rates[i, j]:.1%}", ha="center", va="center",
                    color="white" if rates[i, j] > 0.5 else "black", fontsize=9)
    ax.set_xticks(range(len(classes)), classes, rotation=90 if len(classes) > 6 else 0)
    ax.set_yticks(range(len(classes)), classes)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.grid(False)
    fig.colorbar(image, ax=ax, label="fraction of the true class")
    return save_figure(fig, path)


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
            raise DataError(f"cannot create the data folder {folder} ({err.strerror}); "
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
            raise DataError(f"could not download {url} ({reason}); download it by hand and "
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
        raise DataError(f"{archive} is corrupt ({err}); delete it and run again") from None
    except RuntimeError as err:  # an archive type torchvision does not know
        raise DataError(f"do not know how to extract {archive.name} ({err})") from None
