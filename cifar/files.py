"""Where a CIFAR run's files go: cifar_pytorch.py writes them, test.py reads them."""
import shlex
from pathlib import Path

import utils


def run_name(args):
    """'plain', 'batchnorm', or the --tag; names the plot, JSON and checkpoint files."""
    return args.tag or ("batchnorm" if args.batchnorm else "plain")


def file_suffix(name):
    return "" if name == "plain" else f"_{name}"


def checkpoint_folder(args, out):
    """--checkpoint-dir, else checkpoints/ (a --quick run keeps its checkpoint in its
    output folder)."""
    if args.checkpoint_dir:
        return Path(args.checkpoint_dir)
    return utils.checkpoint_dir(args, out, "")


def checkpoint_path(folder, name):
    return Path(folder) / f"cifar_net{file_suffix(name)}.pt"


def run_path(out, name):
    """The training run's JSON (history, best epoch, settings)."""
    return Path(out) / f"run_{name}.json"


def evaluation_path(out, name):
    """test.py's JSON for the run `name`."""
    return Path(out) / f"evaluation_{name}.json"


def train_command(name, args=None):
    """The command that trains the run `name` into the folders `args` (of test.py) reads,
    for messages."""
    flags = {"plain": "", "batchnorm": " --batchnorm", "skeleton": " --config skeleton"}
    command = f"python cifar_pytorch.py{flags.get(name, f' --tag {name}')}"
    if args is None:
        return command
    if args.checkpoint_dir:
        command += f" --checkpoint-dir {shlex.quote(str(args.checkpoint_dir))}"
    return command + utils.place_flags(args)
