"""REPORT.md's cifar block, from the run_*.json that cifar_pytorch.py writes and the
evaluation_*.json that test.py writes."""
import sys
from pathlib import Path

import store
from cifar import files
from cifar.transforms import AUGMENTATIONS

ORDER = ("plain", "batchnorm")  # then any other run, by name


def load_runs(folder, prefix):
    """{name: JSON} of the files PREFIX_*.json in `folder`; a damaged file is skipped
    with a warning."""
    runs = {}
    for path in sorted(Path(folder).glob(f"{prefix}_*.json")):
        try:
            runs[path.stem.removeprefix(f"{prefix}_")] = store.load_json(path)
        except (OSError, ValueError) as err:
            print(f"warning: skipping {path} ({err})", file=sys.stderr)
    return runs


def describe(settings):
    """The settings column: what differs between the runs, in words."""
    augmentation = AUGMENTATIONS[settings["augment"]].words
    return (f"{'BatchNorm after fc1; ' if settings['batchnorm'] else ''}Adam lr "
            f"{settings['lr']:g} {settings['schedule']}, wd {settings['weight_decay']:g}, "
            f"batch {settings['batch_size']}; {augmentation}")


def report_table(results_root):
    """One row per training run: its command and settings, the best validation epoch
    and accuracy, and the test accuracy of that checkpoint (test.py)."""
    folder = Path(results_root) / "cifar"
    runs, tests = load_runs(folder, "run"), load_runs(folder, "evaluation")
    if not runs:
        return "_No results yet: run `python run_all.py --only cifar`._"
    lines = ["| run | command | settings | epochs | best epoch | best val acc | test acc |",
             "|---|---|---|---:|---:|---:|---:|"]
    for name in sorted(runs, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n)):
        run = runs[name]
        test = tests.get(name)
        test_acc = "not run" if test is None else f"{test['test_acc']:.4f}"
        lines.append(f"| {name} | `{files.train_command(name)}` | {describe(run['settings'])} "
                     f"| {run['epochs']} | {run['best_epoch']} | {run['best_val_acc']:.4f} "
                     f"| {test_acc} |")
    return "\n".join(lines)
