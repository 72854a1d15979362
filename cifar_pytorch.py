"""Train the handout's CNN on CIFAR-3 (horse, ship, truck) and keep the best weights.

    python cifar_pytorch.py                     # Q1: plain Net
    python cifar_pytorch.py --batchnorm         # Q2: BatchNorm after fc1
    python cifar_pytorch.py --config skeleton   # the skeleton's settings
    python test.py [--batchnorm]                # Q3: test accuracy
    python cifar/report.py                      # Q2: both models' curves in one figure

The data, the fixed validation split and the `CIFAR3` Dataset are in cifar/data.py,
the augmentations in cifar/transforms.py, `Net` in cifar/model.py, the batches, the
training step and evaluation in cifar/training.py, the named settings in
cifar/configs.py. After every epoch the weights are validated (each image with its
mirror image with --tta) and saved when validation accuracy is the best so far (the
first epoch always is), and the run's JSON and training plot are rewritten, so an
interrupted run keeps a checkpoint and the files that describe it (Q3). The JSON also
records the validation accuracy of the images alone and with their mirror images, so
the report can say what the mirror images add without training again.
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import argparse
import math
import time

import numpy as np
import torch

from cifar.configs import CONFIGS
from cifar.data import CLASSES, load_cifar3
from cifar.files import checkpoint_folder, checkpoint_path, file_suffix, run_name, run_path
from cifar.model import MODEL_NAME, Net
from cifar.training import make_optimizer, score, train_batches, train_epoch, view_logits
from cifar.transforms import AUGMENTATIONS
import plots
import store

QUICK = {"epochs": 2, "limit": 128, "batch_size": 32}  # upper bounds for --quick


def build_parser():
    parser = argparse.ArgumentParser(allow_abbrev=False, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    utils.add_config_argument(parser, CONFIGS)
    parser.add_argument("--batchnorm", action="store_true",
                        help="BatchNorm1d after fc1, before relu5 (Q2)")
    parser.add_argument("--epochs", type=utils.bounded_int(1, 1000),
                        help="training epochs (default: %(default)s)")
    parser.add_argument("--lr", type=utils.positive_float,
                        help="(peak) Adam learning rate (default: %(default)s)")
    parser.add_argument("--batch-size", type=utils.bounded_int(1, 4096),
                        help="training batch size (default: %(default)s; >= 2 with --batchnorm)")
    parser.add_argument("--weight-decay", type=utils.non_negative_float,
                        help="L2 weight decay (default: %(default)s)")
    parser.add_argument("--schedule", choices=("onecycle", "constant"),
                        help="one-cycle (warm-up, then cosine decay to ~0) or constant learning "
                             "rate (default: %(default)s)")
    parser.add_argument("--augment", choices=AUGMENTATIONS,
                        help="training augmentation, each image with its own random parameters "
                             "(cifar/transforms.py; default: %(default)s)")
    parser.add_argument("--label-smoothing", type=utils.probability,
                        help="share of each target spread evenly over the 3 classes "
                             "(default: %(default)s)")
    parser.add_argument("--tta", action=argparse.BooleanOptionalAction,
                        help="score each image by the mean logits of it and its mirror image, "
                             "in validation and test.py alike (default: %(default)s)")
    parser.add_argument("--checkpoint-dir", default=None,
                        help="where cifar_net[_NAME].pt goes (default: checkpoints/, or --out "
                             "with --quick)")
    parser.add_argument("--tag", type=utils.tag,
                        help="run name instead of plain/batchnorm (default: none; the skeleton "
                             "config sets it)")
    parser.add_argument("--limit", type=utils.positive_int, default=None,
                        help="use only the first N training images (and N validation images) "
                             "(default: all)")
    utils.add_common_args(parser, "cifar")
    parser.set_defaults(**next(iter(CONFIGS.values())))  # what --help shows: the first config
    return parser


def parse_args(argv=None):
    """The flags, with the checks that involve two of them (exit 2, like argparse's)."""
    parser = build_parser()
    args = utils.parse_args(parser, argv)
    utils.apply_quick(args, QUICK)
    if args.batchnorm and args.batch_size < 2:
        parser.error("argument --batch-size: batch norm needs at least 2 images per batch")
    return args


def plot_training(history, title, path):
    """Train loss/accuracy per iteration (smoothed) and validation per epoch, best epoch marked."""

    iters_per_epoch = history["iters_per_epoch"]
    window = max(1, iters_per_epoch // 2)
    iters = np.arange(1, len(history["train_loss"]) + 1)
    epoch_iters = np.arange(1, len(history["val_acc"]) + 1) * iters_per_epoch
    best = history["best_epoch"]
    fig, (ax_loss, ax_acc) = plots.subplots(1, 2, figsize=(11, 5))
    ax_loss.plot(iters, plots.moving_average(history["train_loss"], window),
                 label=f"train (mean of {window} batches)")
    ax_loss.plot(epoch_iters, history["val_loss"], "o-", label="validation")
    ax_loss.axhline(math.log(len(CLASSES)), color="grey", ls=":", label="chance (ln 3)")
    ax_loss.set(xlabel="iteration", ylabel="cross-entropy",
                title="loss (train: against the smoothed labels)")
    ax_acc.plot(iters, plots.moving_average(history["train_acc"], window),
                label=f"train (augmented, mean of {window})")
    ax_acc.plot(epoch_iters, history["val_acc"], "o-", label="validation")
    ax_acc.axhline(1 / len(CLASSES), color="grey", ls=":", label="chance (1/3)")
    for ax in (ax_loss, ax_acc):  # legends under the panels, clear of every line
        ax.axvline(best * iters_per_epoch, color="red", ls="--", lw=1,
                   label=f"best epoch {best} (val {history['best_val_acc']:.4f})")
        ax.legend(fontsize=9, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.16))
    ax_acc.set(xlabel="iteration", ylabel="accuracy", title="accuracy", ylim=(0.3, 1.0))
    fig.suptitle(title)
    plots.save_figure(fig, path)


def validate(model, images, labels, device):
    """{scoring: (loss, accuracy)} of `model` on the images alone ("images") and on each
    image with its mirror image ("images+mirrors")."""
    logits = view_logits(model, images, device)
    return {scoring: score(view, labels)[:2]
            for scoring, view in (("images", logits[0]), ("images+mirrors", logits.mean(0)))}


def main(argv=None):
    args = parse_args(argv)
    out = utils.output_dir(args)
    name = run_name(args)
    with store.run_lock(out, name):  # one writer per run name and folder
        train(args, out, name)


def train(args, out, name):
    """Train Net with `args`, writing the run's checkpoint, JSON and figure."""
    checkpoint = checkpoint_path(checkpoint_folder(args, out), name)
    utils.seed_everything(args.seed)
    device = utils.pick_device(args.device)
    # Weight decay shrinks dead units' weights below float32's normal range, where a
    # CPU computes several times slower; flushed to zero, late epochs run as fast as the first.
    torch.set_flush_denormal(True)

    splits = load_cifar3(utils.data_dir(args.data_dir))
    train_x, train_y = splits["train"]
    val_x, val_y = splits["val"]
    if args.limit:
        train_x, train_y = train_x[:args.limit], train_y[:args.limit]
        val_x, val_y = val_x[:args.limit], val_y[:args.limit]
    print(f"CIFAR-3: {len(train_x)} train, {len(val_x)} val images; run {name!r} on {device}")

    model = Net(batchnorm=args.batchnorm).to(device)
    augmentation = AUGMENTATIONS[args.augment]
    batches = train_batches(train_x, train_y, augmentation, args.batch_size,
                            torch.Generator().manual_seed(args.seed), device)
    iters_per_epoch = len(batches)
    optimizer, scheduler = make_optimizer(model, args.lr, args.weight_decay, args.schedule,
                                          args.epochs * iters_per_epoch)
    settings = utils.run_settings(args)
    history = {"name": name, "script": "cifar_pytorch.py", "settings": settings,
               "iters_per_epoch": iters_per_epoch, "train_loss": [], "train_acc": [],
               "val_loss": [], "val_acc": [], "val_acc_by_scoring": {},
               "epoch_seconds": [], "best_epoch": None, "best_val_acc": None,
               "device": str(device), "environment": utils.environment(), "epochs": 0,
               "train_seconds": 0.0, "cpu_seconds": 0.0}
    title = (f"CIFAR-3 Net{' + BatchNorm after fc1' if args.batchnorm else ''} ({name}): "
             f"Adam lr {args.lr:g}, batch {args.batch_size}, {len(train_x):,} images")
    start, cpu_start = time.perf_counter(), time.process_time()
    for epoch in range(1, args.epochs + 1):
        epoch_start = time.perf_counter()
        steps = train_epoch(model, optimizer, scheduler, batches, device, epoch,
                            augmentation.batch, args.label_smoothing)
        history["epoch_seconds"].append(time.perf_counter() - epoch_start)
        history["train_loss"] += [loss for loss, _ in steps]
        history["train_acc"] += [acc for _, acc in steps]
        scored = validate(model, val_x, val_y, device)
        for scoring, (_, accuracy) in scored.items():
            history["val_acc_by_scoring"].setdefault(scoring, []).append(accuracy)
        val_loss, val_acc = scored["images+mirrors" if args.tta else "images"]
        history["val_loss"].append(val_loss)
        history["val_acc"].append(val_acc)
        # Q3: keep the weights with the highest validation accuracy so far
        improved = history["best_val_acc"] is None or val_acc > history["best_val_acc"]
        if improved:
            history["best_epoch"], history["best_val_acc"] = epoch, val_acc
            store.atomic_torch_save({"model": MODEL_NAME, "config": model.config,
                                     "state_dict": model.state_dict(), "epoch": epoch,
                                     "val_acc": val_acc, "settings": settings}, checkpoint)
        history["epochs"] = epoch
        history["train_seconds"] = time.perf_counter() - start
        history["cpu_seconds"] = time.process_time() - cpu_start
        store.save_json(history, run_path(out, name))
        plot_training(history, f"{title}, epoch {epoch} of {args.epochs}",
                      out / f"training_plot{file_suffix(name)}.png")
        print(f"epoch {epoch:3d}  train loss {np.mean([s[0] for s in steps]):.4f}  "
              f"val loss {val_loss:.4f}  val acc {val_acc:.4f}"
              f"{'  (best, saved)' if improved else ''}  "
              f"[{history['epoch_seconds'][-1]:.0f} s]", flush=True)
    print(f"best val acc {history['best_val_acc']:.4f} at epoch {history['best_epoch']}; "
          f"checkpoint {checkpoint}; {history['train_seconds']:.0f} s")


if __name__ == "__main__":
    utils.run_main(main)
