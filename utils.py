"""What every script shares: how it starts and ends (one line per expected failure),
seeding and devices, checked command-line flags, named configs, and where a run reads
and writes. Writing files lives in store.py, figures in plots.py.

Importing this module does nothing but define names (it imports only the standard
library), so a script imports it first and calls `start_script` before its heavy
imports.
"""
import argparse
import math
import os
import platform
import random
import shlex
import signal
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent


class UserError(Exception):
    """A problem the user can fix (bad flag, missing data, NaN loss, ...): `run_main`
    prints it as one line and exits non-zero instead of a traceback."""


class DataError(UserError):
    """A dataset could not be found, downloaded or verified."""


# --- Starting and ending a script: progress bars, one-line failures -------------------

def _interrupted_while_starting(signum, frame):
    print("\ninterrupted while starting: nothing was written", file=sys.stderr)
    os._exit(130)


def start_script(module_name):
    """Called first by a script, with its `__name__`: run as a script, a Ctrl-C
    during its imports is one line and exit status 130, not an import traceback
    (run_main puts the usual KeyboardInterrupt back once main starts). Imported
    (by the tests, or a benchmark by benchmarks/run_all.py), it does nothing."""
    if module_name == "__main__":
        signal.signal(signal.SIGINT, _interrupted_while_starting)


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

    return tqdm(iterable, **{"dynamic_ncols": True, "leave": False, "mininterval": 0.5,
                             **kwargs})


# --- Reproducibility and devices ------------------------------------------------------

def seed_everything(seed):
    """Seed Python, NumPy and torch so that a CPU run repeats bit for bit."""
    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:  # mytorch and its autograder need only NumPy
        return
    torch.manual_seed(seed)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False


def cpu_name():
    """The CPU's model name ("model name" in /proc/cpuinfo on Linux), else the platform's."""
    try:
        return next(line.split(":", 1)[1].strip() for line in
                    Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine() or "unknown"


def environment():
    """What a run's floats depend on besides its settings, recorded in its JSON: a CPU run
    repeats bit for bit only with the same torch version, thread count and CPU."""
    import torch

    return {"torch": torch.__version__, "threads": torch.get_num_threads(), "cpu": cpu_name()}


def pick_device(name="auto"):
    """Return a torch.device: 'auto' tries cuda, then mps, then cpu."""
    import torch

    mps = getattr(torch.backends, "mps", None)
    available = {"cuda": torch.cuda.is_available(), "mps": mps is not None and mps.is_available()}
    if name == "auto":
        return torch.device(next((kind for kind, ok in available.items() if ok), "cpu"))
    kind = name.split(":")[0]
    if not available.get(kind, True):
        raise UserError(f"--device {name} was asked for but {kind.upper()} is not available "
                        "here; use --device cpu")
    try:
        return torch.device(name)
    except RuntimeError as err:
        raise UserError(f"unknown --device {name!r} ({err})") from None


# --- Command line: checked flags, named configs, output folders -----------------------

# Checked flag types: argparse calls them before any work, and a bad value ends
# the run with the usage, one line naming the flag, and exit status 2.

def _checked(kind, allowed, rule, name):
    """A flag type: `kind` (int, or a finite float) parsed from the text, then
    `allowed(value)` or the line "<value> <rule>"."""
    def check(text):
        try:
            value = kind(text)
        except ValueError:
            what = "an integer" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        if not allowed(value):
            raise argparse.ArgumentTypeError(f"{value} {rule}")
        return value
    check.__name__ = name
    return check


# Sizes, counts, epochs; learning rates, norms, temperatures; weight decay, momentum;
# dropout rates and split fractions; seeds in the range NumPy accepts.
positive_int = _checked(int, lambda v: v > 0, "must be a positive integer", "positive_int")
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

    `part` names the default output folder: runs/<part>/, or runs/quick/<part>/ with
    --quick. results/ holds the committed reference, which only the reproduction
    (run_all.py) rewrites, by passing --out results/<part>.
    """
    parser.set_defaults(part=part)
    parser.add_argument("--seed", type=seed, default=0, help="random seed (default: %(default)s)")
    parser.add_argument("--device", type=device_name, default="auto",
                        help="auto (cuda, then mps, then cpu), cpu, cuda, cuda:N or mps "
                             "(default: auto)")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"output folder (default: runs/{part}/, or runs/quick/{part}/ "
                             f"with --quick; run_all.py passes results/{part}/)")
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


def output_path(args):
    """The output folder chosen by --out / --quick, by default under runs/ (so a run by
    hand never rewrites the committed results/); nothing is created."""
    if args.out is not None:
        return Path(args.out)
    return REPO_ROOT / "runs" / ("quick" if args.quick else "") / args.part


def place_flags(args):
    """The --quick and --out flags of this run, as typed (for the command in a hint)."""
    flags = " --quick" if getattr(args, "quick", False) else ""
    out = getattr(args, "out", None)
    return flags + (f" --out {shlex.quote(str(out))}" if out is not None else "")


def output_dir(args):
    """Create and return the output folder of `output_path`; a folder that cannot be
    created or written is one line naming it."""
    out = output_path(args)
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
    folder = Path(path if path is not None else os.environ.get("DATA_DIR") or REPO_ROOT / "data")
    if folder.exists() and not folder.is_dir():
        raise DataError(f"the data folder {folder} is a file, not a folder "
                        "(check --data-dir and $DATA_DIR)")
    return folder
