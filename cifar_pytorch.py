"""Train the handout's CNN on CIFAR-3 (horse, ship, truck) and keep the best weights.

    python cifar_pytorch.py --data-dir ../shared/data               # Q1: plain Net
    python cifar_pytorch.py --data-dir ../shared/data --batchnorm   # Q2: BatchNorm1d after fc1
    python test.py --data-dir ../shared/data [--batchnorm]          # Q3: test accuracy

The three classes come from the official CIFAR-10 python batches (labels 7, 8, 9
become 0, 1, 2); 2,000 of the 15,000 training images, stratified by class and
drawn with a fixed split seed, are the validation set for every run. The whole
split lives in memory as one uint8 tensor, and normalisation and augmentation
(random rotation, shift and horizontal flip) run on whole batches, so the input
pipeline costs little next to the model. After every epoch the weights are saved
when validation accuracy is the best so far (Q3).
"""
import argparse
import math
import pickle
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import utils

CIFAR_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR_MD5 = "c58f30108f718f92721af3b95e74349a"
CIFAR_FOLDER = "cifar-10-batches-py"
COURSE_PICKLES = {"train": "cifar10_hst_train", "val": "cifar10_hst_val", "test": "cifar10_hst_test"}
CIFAR_IDS = (7, 8, 9)  # CIFAR-10 horse, ship, truck -> our labels 0, 1, 2
CLASSES = ("horse", "ship", "truck")
VAL_FRACTION = 2000 / 15000  # the course's split: 13,000 train / 2,000 val
SPLIT_SEED = 20240  # fixed, independent of --seed: every run validates on the same images
PIXEL_MEAN, PIXEL_STD = 127.5, 127.5  # the skeleton's per-channel normalisation


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------

def read_batch(path):
    """One official CIFAR-10 batch file -> (uint8 array N x 3072, int64 labels)."""
    try:
        with open(path, "rb") as handle:
            batch = pickle.load(handle, encoding="bytes")
        data = np.asarray(batch[b"data"], dtype=np.uint8)
        labels = np.asarray(batch[b"labels"], dtype=np.int64)
    except (OSError, pickle.UnpicklingError, EOFError, KeyError, TypeError, ValueError) as err:
        raise utils.DataError(f"{path} is not a CIFAR-10 python batch ({type(err).__name__}: {err})") from None
    if data.ndim != 2 or data.shape[1] != 3072 or len(labels) != len(data):
        raise utils.DataError(f"{path} holds data of shape {data.shape} with {len(labels)} labels; "
                              "expected N x 3072 and N labels")
    return data, labels


def select_classes(data, labels):
    """Keep the rows of CIFAR-10 classes 7, 8, 9 and relabel them 0, 1, 2."""
    keep = np.isin(labels, CIFAR_IDS)
    return data[keep], np.searchsorted(CIFAR_IDS, labels[keep])


def load_official(folder):
    """Train and test arrays of the three classes from the official batches in `folder`."""
    train = [select_classes(*read_batch(folder / f"data_batch_{i}")) for i in range(1, 6)]
    test = select_classes(*read_batch(folder / "test_batch"))
    return (np.concatenate([d for d, _ in train]), np.concatenate([y for _, y in train])), test


def stratified_split(labels, val_fraction=VAL_FRACTION, seed=SPLIT_SEED):
    """Indices (train, val): each class gives its share of round(N * val_fraction) images.

    The per-class counts use largest remainders, so they add up exactly.
    """
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(labels, return_counts=True)
    val_total = round(len(labels) * val_fraction)
    quotas = counts * val_total / len(labels)
    val_counts = np.floor(quotas).astype(int)
    for i in np.argsort(-(quotas - val_counts), kind="stable")[: val_total - val_counts.sum()]:
        val_counts[i] += 1
    val = np.concatenate([rng.permutation(np.flatnonzero(labels == c))[:k] for c, k in zip(classes, val_counts)])
    val = np.sort(val)
    train = np.setdiff1d(np.arange(len(labels)), val)
    return train, val


def load_course_pickle(path):
    """The course's `cifar10_hst_*` pickle: {'images': N x 3072, 'labels': N x 1} with labels 0-2."""
    try:
        with open(path, "rb") as handle:
            split = pickle.load(handle, encoding="latin1")
        return np.asarray(split["images"], dtype=np.uint8), np.asarray(split["labels"], dtype=np.int64).reshape(-1)
    except (OSError, pickle.UnpicklingError, EOFError, KeyError, TypeError, ValueError) as err:
        raise utils.DataError(f"{path} is not a course CIFAR-3 pickle ({type(err).__name__}: {err})") from None


def to_tensors(data, labels):
    """uint8 N x 3072 (channel-planar) -> (uint8 N x 3 x 32 x 32 tensor, int64 labels)."""
    return torch.from_numpy(np.ascontiguousarray(data).reshape(-1, 3, 32, 32)), torch.from_numpy(labels)


def load_cifar3(data_dir):
    """{'train', 'val', 'test'} -> (uint8 images N x 3 x 32 x 32, labels 0-2).

    Uses the course pickles when all three are in `data_dir`, else the official
    batches (downloaded and extracted when missing).
    """
    data_dir = Path(data_dir)
    if all((data_dir / name).exists() for name in COURSE_PICKLES.values()):
        return {split: to_tensors(*load_course_pickle(data_dir / name)) for split, name in COURSE_PICKLES.items()}
    folder = data_dir / CIFAR_FOLDER
    if not folder.exists():
        utils.download(CIFAR_URL, data_dir, md5=CIFAR_MD5, extract=True)
    (train_x, train_y), (test_x, test_y) = load_official(folder)
    if len(np.unique(train_y)) < len(CLASSES):
        raise utils.DataError(f"{folder} lacks some of the classes {CLASSES} (CIFAR-10 labels {CIFAR_IDS})")
    train_idx, val_idx = stratified_split(train_y)
    return {"train": to_tensors(train_x[train_idx], train_y[train_idx]),
            "val": to_tensors(train_x[val_idx], train_y[val_idx]),
            "test": to_tensors(test_x, test_y)}


def normalize(images):
    """uint8 images -> float, per channel (x - 127.5) / 127.5 as in the skeleton."""
    return (images.float() - PIXEL_MEAN) / PIXEL_STD


def augment(images, generator, rotate=0.0, shift=2, flip=True):
    """Random rotation (+-`rotate` degrees), shift (a whole number of pixels, up to
    +-`shift`) and horizontal flip of a whole normalised batch with one affine
    grid_sample (no per-image loop). Without rotation the resampling is exact.
    Pixels that come from outside the image are 0, i.e. the mean grey."""
    n = images.shape[0]
    angle = (torch.rand(n, generator=generator) * 2 - 1) * math.radians(rotate)
    sign = torch.where(torch.rand(n, generator=generator) < 0.5, -1.0, 1.0) if flip else torch.ones(n)
    pixels = torch.randint(-int(shift), int(shift) + 1, (n, 2), generator=generator).float()
    offset = pixels * (2 / images.shape[-1])  # grid coordinates span 2 over the image width
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.stack([torch.stack([cos * sign, -sin, offset[:, 0]], 1),
                         torch.stack([sin * sign, cos, offset[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


# ---------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------

class Net(nn.Module):
    """The handout's CNN (Q1), optionally with BatchNorm1d between fc1 and relu5 (Q2)."""

    def __init__(self, batchnorm=False):
        super().__init__()
        self.config = {"batchnorm": batchnorm}
        self.conv1 = nn.Conv2d(3, 32, 3, padding=1)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(32, 32, 3, padding=1)
        self.pool1 = nn.MaxPool2d(2, 2)
        self.relu2 = nn.ReLU()
        self.conv3 = nn.Conv2d(32, 64, 3, padding=1)
        self.relu3 = nn.ReLU()
        self.conv4 = nn.Conv2d(64, 64, 3, padding=1)
        self.relu4 = nn.ReLU()
        self.pool2 = nn.MaxPool2d(2, 2)
        self.fc1 = nn.Linear(64 * 8 * 8, 512)
        self.bn1 = nn.BatchNorm1d(512) if batchnorm else nn.Identity()
        self.relu5 = nn.ReLU()
        self.fc2 = nn.Linear(512, len(CLASSES))

    def forward(self, x):
        out = self.relu1(self.conv1(x))
        out = self.relu2(self.pool1(self.conv2(out)))
        out = self.relu3(self.conv3(out))
        out = self.pool2(self.relu4(self.conv4(out)))
        # The handout writes num_flat_features(x): that counts the 3x32x32 input
        # features, not pool2's 64x8x8, so view() would give the wrong shape.
        out = out.view(-1, self.num_flat_features(out))
        out = self.relu5(self.bn1(self.fc1(out)))
        return self.fc2(out)

    def num_flat_features(self, x):
        """Number of features per example: the product of all but the batch dimension."""
        size = x.size()[1:]
        num_features = 1
        for s in size:
            num_features *= s
        return num_features


# ---------------------------------------------------------------------------
# Training and evaluation
# ---------------------------------------------------------------------------

@torch.no_grad()
def evaluate(model, images, labels, device, batch_size=500):
    """(mean cross-entropy, accuracy, predictions) of `model` on uint8 `images`."""
    model.eval()
    total_loss, predictions = 0.0, []
    for start in range(0, len(images), batch_size):
        x = normalize(images[start:start + batch_size]).to(device)
        y = labels[start:start + batch_size].to(device)
        logits = model(x)
        total_loss += F.cross_entropy(logits, y, reduction="sum").item()
        predictions.append(logits.argmax(1).cpu())
    predictions = torch.cat(predictions)
    return total_loss / len(images), (predictions == labels).float().mean().item(), predictions


def train_epoch(model, optimizer, scheduler, images, labels, args, generator, device, epoch):
    """One pass over the shuffled training set; returns per-iteration (loss, accuracy)."""
    model.train()
    history = []
    order = torch.randperm(len(images), generator=generator)
    for step in utils.progress(range(max(1, len(images) // args.batch_size)), desc=f"epoch {epoch}"):
        index = order[step * args.batch_size:(step + 1) * args.batch_size]  # the last partial batch is dropped
        x = augment(normalize(images[index]), generator, args.rotate, args.shift, not args.no_flip).to(device)
        y = labels[index].to(device)
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        history.append((utils.check_finite(loss.detach(), f"epoch {epoch}, batch {step}"),
                        (logits.argmax(1) == y).float().mean().item()))
    return history


def make_optimizer(model, args, steps_total):
    """Adam or SGD (momentum 0.9), with a one-cycle or constant learning rate."""
    if args.optimizer == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True,
                                    weight_decay=args.weight_decay)
    if args.schedule == "constant":
        return optimizer, None
    return optimizer, torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, total_steps=steps_total,
                                                          pct_start=0.25)


def plot_training(history, title, path):
    """Train loss/accuracy per iteration (smoothed) and validation per epoch, best epoch marked."""
    import matplotlib.pyplot as plt

    iters_per_epoch = history["iters_per_epoch"]
    window = max(1, iters_per_epoch // 2)
    iters = np.arange(1, len(history["train_loss"]) + 1)
    epoch_iters = np.arange(1, len(history["val_acc"]) + 1) * iters_per_epoch
    best = history["best_epoch"]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4.2))
    ax_loss.plot(iters, utils.moving_average(history["train_loss"], window),
                 label=f"train (moving mean of {window} batches)")
    ax_loss.plot(epoch_iters, history["val_loss"], "o-", label="validation (per epoch)")
    ax_loss.axhline(math.log(len(CLASSES)), color="grey", ls=":", label="chance (ln 3)")
    ax_loss.set(xlabel="iteration", ylabel="cross-entropy", title="loss")
    ax_acc.plot(iters, utils.moving_average(history["train_acc"], window), label="train (augmented, moving mean)")
    ax_acc.plot(epoch_iters, history["val_acc"], "o-", label="validation (per epoch)")
    ax_acc.axhline(1 / len(CLASSES), color="grey", ls=":", label="chance (1/3)")
    for ax in (ax_loss, ax_acc):
        ax.axvline(best * iters_per_epoch, color="red", ls="--", lw=1,
                   label=f"best epoch {best} (val acc {history['best_val_acc']:.4f})")
        ax.legend(fontsize=8)
    ax_acc.set(xlabel="iteration", ylabel="accuracy", title="accuracy", ylim=(0.3, 1.0))
    fig.suptitle(title)
    utils.save_figure(fig, path)


def run_name(args):
    """'plain', 'batchnorm', or the --tag; names the plot, JSON and checkpoint files."""
    return args.tag or ("batchnorm" if args.batchnorm else "plain")


def file_suffix(name):
    return "" if name == "plain" else f"_{name}"


def checkpoint_path(checkpoint_dir, name):
    return Path(checkpoint_dir) / f"cifar_net{file_suffix(name)}.pt"


def checkpoint_folder(args, out):
    """--checkpoint-dir, else checkpoints/ (a --quick run keeps its checkpoint in its output folder)."""
    return args.checkpoint_dir or (out if args.quick else utils.REPO_ROOT / "checkpoints")


def write_summary(out):
    """summary.json from every run_*.json and evaluation_*.json in `out` (runs may finish in any order)."""
    summary = {key: {} for key in ("val_acc", "test_acc", "best_epoch", "epochs", "train_seconds",
                                   "seconds_per_epoch", "settings")}
    for path in sorted(out.glob("run_*.json")):
        run = utils.load_json(path)
        name = run["name"]
        summary["val_acc"][name] = run["best_val_acc"]
        summary["best_epoch"][name] = run["best_epoch"]
        summary["epochs"][name] = run["epochs"]
        summary["train_seconds"][name] = run["train_seconds"]
        summary["seconds_per_epoch"][name] = run["train_seconds"] / run["epochs"]
        summary["settings"][name] = run["settings"]
        summary["device"] = run["device"]
    for path in sorted(out.glob("evaluation_*.json")):
        test = utils.load_json(path)
        summary["test_acc"][test["name"]] = test["test_acc"]
    utils.save_json(summary, out / "summary.json")
    return summary


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batchnorm", action="store_true", help="BatchNorm1d after fc1, before relu5 (Q2)")
    parser.add_argument("--epochs", type=int, default=8, help="training epochs (default: 8)")
    parser.add_argument("--lr", type=float, default=1e-3, help="(peak) learning rate (default: 1e-3)")
    parser.add_argument("--batch-size", type=int, default=64, help="training batch size (default: 64)")
    parser.add_argument("--optimizer", choices=("adam", "sgd"), default="adam", help="default: adam")
    parser.add_argument("--weight-decay", type=float, default=1e-4, help="L2 weight decay (default: 1e-4)")
    parser.add_argument("--schedule", choices=("onecycle", "constant"), default="onecycle",
                        help="one-cycle (warm-up then cosine decay to ~0) or constant lr (default: onecycle)")
    parser.add_argument("--rotate", type=float, default=0.0,
                        help="max random rotation in degrees (default: 0; the skeleton used 30)")
    parser.add_argument("--shift", type=int, default=2, help="max random shift in whole pixels (default: 2)")
    parser.add_argument("--no-flip", action="store_true", help="no random horizontal flips")
    parser.add_argument("--checkpoint-dir", type=Path, default=None,
                        help="where cifar_net[_NAME].pt goes (default: checkpoints/, or --out with --quick)")
    parser.add_argument("--tag", default=None, help="run name instead of plain/batchnorm (e.g. skeleton)")
    parser.add_argument("--limit", type=int, default=None,
                        help="use only the first N training images (and N validation images)")
    utils.add_common_args(parser, "cifar")
    args = parser.parse_args(argv)
    if min(args.epochs, args.batch_size) < 1 or args.lr <= 0 or (args.limit is not None and args.limit < 1):
        raise utils.UserError("--epochs, --batch-size, --lr and --limit must be positive")
    if args.weight_decay < 0 or args.rotate < 0 or args.shift < 0:
        raise utils.UserError("--weight-decay, --rotate and --shift must not be negative")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.quick:
        args.epochs, args.limit = min(args.epochs, 2), args.limit or 128
        args.batch_size = min(args.batch_size, 32)
    out = utils.output_dir(args)
    checkpoint_dir = checkpoint_folder(args, out)
    name = run_name(args)
    utils.seed_everything(args.seed)
    device = utils.pick_device(args.device)

    splits = load_cifar3(utils.data_dir(args.data_dir))
    train_x, train_y = splits["train"]
    if args.limit:
        train_x, train_y = train_x[:args.limit], train_y[:args.limit]
    val_x, val_y = splits["val"]
    if args.limit:
        val_x, val_y = val_x[:args.limit], val_y[:args.limit]
    print(f"CIFAR-3: {len(train_x)} train, {len(val_x)} val images; run {name!r} on {device}")

    model = Net(batchnorm=args.batchnorm).to(device)
    iters_per_epoch = max(1, len(train_x) // args.batch_size)
    optimizer, scheduler = make_optimizer(model, args, args.epochs * iters_per_epoch)
    generator = torch.Generator().manual_seed(args.seed)
    settings = {k: getattr(args, k) for k in ("batchnorm", "epochs", "lr", "batch_size", "optimizer", "weight_decay",
                                              "schedule", "rotate", "shift", "no_flip", "seed")}
    history = {"name": name, "settings": settings, "iters_per_epoch": iters_per_epoch, "train_loss": [],
               "train_acc": [], "val_loss": [], "val_acc": [], "epoch_seconds": [],
               "best_epoch": 0, "best_val_acc": 0.0, "device": str(device)}
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        epoch_start = time.perf_counter()
        steps = train_epoch(model, optimizer, scheduler, train_x, train_y, args, generator, device, epoch)
        history["epoch_seconds"].append(time.perf_counter() - epoch_start)
        history["train_loss"] += [loss for loss, _ in steps]
        history["train_acc"] += [acc for _, acc in steps]
        val_loss, val_acc, _ = evaluate(model, val_x, val_y, device)
        history["val_loss"].append(val_loss)
        history["val_acc"].append(val_acc)
        improved = val_acc > history["best_val_acc"]  # Q3: keep the weights with the highest val accuracy
        if improved:
            history["best_epoch"], history["best_val_acc"] = epoch, val_acc
            utils.atomic_torch_save({"model": "cifar_pytorch.Net", "config": model.config,
                                     "state_dict": model.state_dict(), "epoch": epoch, "val_acc": val_acc,
                                     "settings": settings}, checkpoint_path(checkpoint_dir, name))
        print(f"epoch {epoch:3d}  train loss {np.mean([s[0] for s in steps]):.4f}  val loss {val_loss:.4f}  "
              f"val acc {val_acc:.4f}{'  (best, saved)' if improved else ''}  "
              f"[{history['epoch_seconds'][-1]:.0f} s]", flush=True)
    history["epochs"] = args.epochs
    history["train_seconds"] = time.perf_counter() - start
    utils.save_json(history, out / f"run_{name}.json")
    title = (f"CIFAR-3 Net{' + BatchNorm after fc1' if args.batchnorm else ''} ({name}): "
             f"{args.optimizer} lr {args.lr:g}, batch {args.batch_size}, {args.epochs} epochs")
    plot_training(history, title, out / f"training_plot{file_suffix(name)}.png")
    write_summary(out)
    print(f"best val acc {history['best_val_acc']:.4f} at epoch {history['best_epoch']}; "
          f"checkpoint {checkpoint_path(checkpoint_dir, name)}; {history['train_seconds']:.0f} s")


def report_table(results_root):
    """REPORT.md's cifar block: one row per full run, from results/cifar/summary.json."""
    summary = utils.load_json(Path(results_root) / "cifar" / "summary.json")
    lines = ["| run | settings | epochs | best epoch | best val acc | test acc (best checkpoint) "
             "| train time | per epoch (with validation) |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    order = ["plain", "batchnorm"] + sorted(set(summary["val_acc"]) - {"plain", "batchnorm"})
    for name in [name for name in order if name in summary["val_acc"]]:
        val_acc, s = summary["val_acc"][name], summary["settings"][name]
        augmentation = ", ".join(part for part in (f"rotate ±{s['rotate']:g}°" if s["rotate"] else "",
                                                   f"shift ±{s['shift']} px" if s["shift"] else "",
                                                   "" if s["no_flip"] else "flip") if part) or "none"
        settings = (f"{'BatchNorm after fc1, ' if s['batchnorm'] else ''}{s['optimizer']} lr {s['lr']:g} "
                    f"({s['schedule']}), wd {s['weight_decay']:g}, batch {s['batch_size']}, {augmentation}")
        test_acc = summary["test_acc"].get(name)
        lines.append(f"| {name} | {settings} | {summary['epochs'][name]} | {summary['best_epoch'][name]} "
                     f"| {val_acc:.4f} | {'not run' if test_acc is None else f'{test_acc:.4f}'} "
                     f"| {summary['train_seconds'][name] / 60:.1f} min | {summary['seconds_per_epoch'][name]:.0f} s |")
    lines.append("")
    lines.append(f"Device: {summary['device']}, single thread, on a 2-core machine shared with other jobs.")
    return "\n".join(lines)


if __name__ == "__main__":
    utils.run_main(main)
