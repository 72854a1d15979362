"""Q3: load the best weights saved by cifar_pytorch.py and report CIFAR-3 test accuracy.

    python test.py                       # checkpoints/cifar_net.pt
    python test.py --batchnorm           # checkpoints/cifar_net_batchnorm.pt
    python test.py --tag skeleton        # the skeleton config's run
    python test.py --batchnorm --quick   # after python cifar_pytorch.py --batchnorm --quick
    python test.py --checkpoint PATH     # a checkpoint cifar_pytorch.py wrote

The model is rebuilt from the configuration stored in the checkpoint and scored as
its run was validated: each image with its mirror image when the run used test-time
augmentation (--tta, the final settings' default). A checkpoint
whose settings, epoch or validation accuracy differ from the training run's JSON
in the output folder (another run's weights) is refused rather than scored under
this run's name. Prints the test accuracy and the accuracy per class, and saves a
confusion matrix (PNG and JSON) and a grid of misclassified test images
(mistakes[_NAME].png) next to the training results.
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import argparse
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torchvision.utils import make_grid

from cifar.data import CLASSES, load_cifar3
from cifar.files import (checkpoint_folder, checkpoint_path, evaluation_path, file_suffix,
                         run_name, run_path, train_command)
from cifar.model import MODEL_NAME, Net
from cifar.training import evaluate
import plots
import store


def build_parser():
    parser = argparse.ArgumentParser(allow_abbrev=False, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--batchnorm", action="store_true",
                       help="test cifar_net_batchnorm.pt (Q2's model)")
    which.add_argument("--checkpoint", default=None,
                       help="test this checkpoint file (default: cifar_net[_NAME].pt in "
                            "--checkpoint-dir)")
    which.add_argument("--tag", type=utils.tag, default=None,
                       help="test cifar_net_TAG.pt (a run trained with --tag TAG; default: "
                            "none, the plain or --batchnorm run)")
    parser.add_argument("--checkpoint-dir", default=None,
                        help="folder of cifar_net[_NAME].pt (default: checkpoints/, or --out "
                             "with --quick)")
    utils.add_common_args(parser, "cifar")
    return parser


def load_checkpoint(path, command):
    """Net with the weights of `path`; one clear UserError for a missing, corrupt or
    foreign file."""
    path = Path(path)
    if not path.exists():
        raise utils.UserError(f"no checkpoint at {path}; make it with: {command}")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch.load fails on a damaged file with many error types
        first = str(err).splitlines()[0] if str(err) else ""
        raise utils.UserError(f"{path} is not a readable checkpoint ({type(err).__name__}: "
                              f"{first})") from None
    if not isinstance(checkpoint, dict) or checkpoint.get("model") != MODEL_NAME:
        raise utils.UserError(f"{path} is not a checkpoint of {MODEL_NAME}")
    model = Net(**checkpoint["config"])
    try:
        model.load_state_dict(checkpoint["state_dict"])
    except RuntimeError as err:  # the first line only names the model; the next says what differs
        lines = [line.strip() for line in str(err).splitlines() if line.strip()]
        detail = lines[1] if len(lines) > 1 else lines[0]
        raise utils.UserError(f"{path} does not match Net{checkpoint['config']} "
                              f"({detail[:200]}{'...' if len(detail) > 200 else ''})") from None
    return model, checkpoint


def check_same_run(checkpoint, path, run_file, command):
    """Refuse a checkpoint that the run recorded in `run_file` did not write."""
    if not run_file.exists():
        return
    try:
        run = store.load_json(run_file)
    except (OSError, ValueError) as err:
        raise utils.UserError(f"{run_file} is not readable JSON ({err}); "
                              f"train again with: {command}") from None
    recorded = {"settings": run.get("settings"), "epoch": run.get("best_epoch"),
                "val_acc": run.get("best_val_acc")}
    found = {key: checkpoint.get(key) for key in recorded}
    if found != recorded:
        differ = sorted(key for key in recorded if found[key] != recorded[key])
        raise utils.UserError(f"{path} was written by another run than {run_file} "
                              f"({', '.join(differ)} differ); train again with: {command}")


def confusion_matrix(labels, predictions, classes=len(CLASSES)):
    """counts[true, predicted]."""
    counts = np.zeros((classes, classes), dtype=int)
    np.add.at(counts, (labels.numpy(), predictions.numpy()), 1)
    return counts


def plot_mistakes(images, labels, predictions, title, path, shown=32, columns=8, scale=3):
    """The first `shown` misclassified images in test-set order (an unselected sample),
    as one torchvision grid, each labelled "true -> predicted"."""

    wrong = torch.nonzero(predictions != labels).flatten()[:shown]
    if len(wrong) == 0:
        return None
    tile, pad = 32 * scale, 8 * scale  # enlarged tiles; the padding above each holds its label
    big = F.interpolate(images[wrong].float(), scale_factor=scale, mode="nearest")
    grid = make_grid(big, nrow=columns, padding=pad, pad_value=255).to(torch.uint8)
    fig, ax = plots.subplots(figsize=(9, 9 * grid.shape[1] / grid.shape[2] + 0.5))
    ax.imshow(grid.permute(1, 2, 0).numpy())
    for k, i in enumerate(wrong.tolist()):
        row, col = divmod(k, columns)
        ax.text(pad + col * (tile + pad) + tile / 2, row * (tile + pad) + pad / 2,
                f"{CLASSES[labels[i]]} → {CLASSES[predictions[i]]}", ha="center",
                va="center", fontsize=8)
    ax.set_axis_off()
    ax.set_title(title)
    return plots.save_figure(fig, path)


def main(argv=None):
    args = utils.parse_args(build_parser(), argv)
    out = utils.output_dir(args)
    if args.checkpoint is not None:
        path = Path(args.checkpoint)
        name = path.stem.removeprefix("cifar_net").removeprefix("_") or "plain"
    else:
        name = run_name(args)
        path = checkpoint_path(checkpoint_folder(args, out), name)
    command = train_command(name, None if args.checkpoint is not None else args)
    device = utils.pick_device(args.device)
    model, checkpoint = load_checkpoint(path, command)
    check_same_run(checkpoint, path, run_path(out, name), command)
    model.to(device)

    test_x, test_y = load_cifar3(utils.data_dir(args.data_dir))["test"]
    if args.quick:
        test_x, test_y = test_x[:256], test_y[:256]
    mirror = checkpoint["settings"].get("tta", False)  # scored as the run validated it
    loss, accuracy, predictions = evaluate(model, test_x, test_y, device, mirror=mirror)
    counts = confusion_matrix(test_y, predictions)
    per_class = {c: float(counts[i, i] / max(1, counts[i].sum())) for i, c in enumerate(CLASSES)}
    print(f"checkpoint {path.name}: epoch {checkpoint['epoch']}, "
          f"val acc {checkpoint['val_acc']:.4f}")
    print(f"test accuracy {accuracy:.4f} on {len(test_x)} images"
          f"{' and their mirror images' * mirror} (loss {loss:.4f})")
    for cls, acc in per_class.items():
        print(f"  {cls:<6} {acc:.4f}")
    store.save_json({"name": name, "script": "test.py", "settings": utils.run_settings(args),
                     "checkpoint": path.name, "epoch": checkpoint["epoch"],
                     "val_acc": checkpoint["val_acc"], "test_acc": accuracy, "test_loss": loss,
                     "mirror_images": mirror, "test_images": len(test_x),
                     "per_class_acc": per_class, "classes": CLASSES,
                     "confusion_matrix": counts, "environment": utils.environment()},
                    evaluation_path(out, name))
    plots.plot_confusion(counts, CLASSES,
                         f"CIFAR-3 test set, {name} Net (epoch {checkpoint['epoch']})\n"
                         f"test accuracy {accuracy:.4f}",
                         out / f"confusion_matrix{file_suffix(name)}.png")
    errors = int((predictions != test_y).sum())
    plot_mistakes(test_x, test_y, predictions,
                  f"CIFAR-3 test images the {name} Net gets wrong (true → predicted): "
                  f"the first {min(errors, 32)} of {errors}",
                  out / f"mistakes{file_suffix(name)}.png")


if __name__ == "__main__":
    utils.run_main(main)
