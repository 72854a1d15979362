"""Training images/second of cifar_pytorch.py's real training loop (`train_epoch` over
`train_batches` in cifar/training.py) against the bare model step, in one process.

    python benchmarks/cifar_throughput.py           # about four minutes
    python benchmarks/cifar_throughput.py --quick   # seconds (smoke run)

"Ours" is `train_epoch` on a resident uint8 training set: the shuffled batches,
the final runs' augmentation (shifts and flips, one `ShiftFlip` call per batch),
normalisation of the batch, forward, backward with label smoothing, Adam step,
one-cycle schedule and the per-batch loss and accuracy it records. The reference is
the bare step (forward, backward, the same Adam step) repeated on one resident,
already normalised random batch of the same size. A second row per model
times the same loop with shifts and (random) flips done by torchvision's v2
pipeline image by image, for comparison.

Everything runs in this process's main thread with one torch thread (as each run
of `run_all.py --jobs 2` trains), and each is timed by that thread's CPU time, so
other jobs on the machine slow nothing that is counted; the loops and the bare step
alternate in rounds and the fastest round of each counts. Random pixels, normalised
as the loop normalises them, are enough: the cost of this network barely depends on
the values.
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import time

import torch
import torch.nn.functional as F
from torchvision.transforms import v2

import benchmarks
from benchmarks import command_line
from cifar.configs import FINAL
from cifar.data import CIFAR3
from cifar.model import Net
from torch.utils.data import DataLoader

from cifar.training import ImageBatches, make_optimizer, train_batches, train_epoch
from cifar.transforms import AUGMENTATIONS, NORMALIZE, Augmentation

# The final runs' shifts as torchvision's per-image v2 pipeline, with random flips.
PER_IMAGE = Augmentation(image=v2.Compose([v2.RandomCrop(32, padding=2, fill=128),
                                          v2.RandomHorizontalFlip()]))

TARGET = 0.95
TRAIN_IMAGES = 13000
CPU = torch.device("cpu")


class InProcessImageBatches(ImageBatches):
    """The skeleton's per-image batches, transformed in this process (no worker)."""

    def __init__(self, dataset, batch_size):
        self.loader = DataLoader(dataset, batch_size=batch_size, shuffle=True, drop_last=True)


def make_loader(batches, augmentation, settings=FINAL):
    """The training loader of the final settings over `batches` batches of random pixels
    (an augmentation image by image runs in this process too, not in a worker)."""
    size = settings["batch_size"]
    images = torch.randint(0, 256, (batches * size, 3, 32, 32), dtype=torch.uint8)
    labels = torch.randint(0, 3, (len(images),))
    if augmentation.image is not None:
        return InProcessImageBatches(CIFAR3(images, labels, augmentation.image), size)
    return train_batches(images, labels, augmentation, size, torch.Generator().manual_seed(0),
                         CPU)


def loop_seconds(loader, augmentation, batchnorm, settings=FINAL):
    """Seconds per image of one `train_epoch` over `loader` with a fresh model."""
    model = Net(batchnorm=batchnorm)
    optimizer, scheduler = make_optimizer(model, settings["lr"], settings["weight_decay"],
                                          settings["schedule"], len(loader))
    start = time.thread_time()
    train_epoch(model, optimizer, scheduler, loader, CPU, 1, augmentation.batch,
                settings["label_smoothing"])
    return (time.thread_time() - start) / (len(loader) * settings["batch_size"])


def bare_seconds(batches, batchnorm, settings=FINAL):
    """Seconds per image of the bare forward/backward/Adam step (the runs' Adam, without
    its schedule) on one resident batch."""
    size = settings["batch_size"]
    model = Net(batchnorm=batchnorm)
    optimizer, _ = make_optimizer(model, settings["lr"], settings["weight_decay"], "constant", 1)
    x = NORMALIZE(torch.randint(0, 256, (size, 3, 32, 32), dtype=torch.uint8))
    y = torch.randint(0, 3, (size,))
    start = time.thread_time()
    for _ in range(batches):
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return (time.thread_time() - start) / (batches * size)


def row(name, ours_s, bare_s, target):
    ratio = bare_s / ours_s  # images/s of the loop as a fraction of the bare step's
    print(f"{name}: {1 / ours_s:.0f} images/s vs bare step {1 / bare_s:.0f} images/s "
          f"(ratio {ratio:.3f}; epoch of {TRAIN_IMAGES} images about "
          f"{TRAIN_IMAGES * ours_s:.0f} s)", flush=True)
    return {"name": f"{name} (CPU s per 1000 images)", "ours_s": 1000 * ours_s,
            "reference": "bare model step on one resident batch",
            "reference_s": 1000 * bare_s, "ratio": ratio,
            "target": f">= {TARGET:g} of the bare step's images/s" if target else "none",
            "met": ratio >= TARGET if target else None, "clock": "main thread's CPU time",
            "images_per_second": 1 / ours_s, "epoch_seconds_estimate": TRAIN_IMAGES * ours_s,
            "threads": torch.get_num_threads()}


def measure(quick, seed):
    torch.manual_seed(seed)
    rounds, batches = (1, 2) if quick else (10, 16)
    augmentations = {"ours": AUGMENTATIONS[FINAL["augment"]], "per image": PER_IMAGE}
    loaders = {key: make_loader(batches, aug) for key, aug in augmentations.items()}
    rows = []
    for batchnorm in (False, True):
        bare_seconds(1, batchnorm)  # warm-up
        for key, loader in loaders.items():
            loop_seconds(loader, augmentations[key], batchnorm)
        times = {"bare": [], **{key: [] for key in loaders}}
        for _ in range(rounds):
            times["bare"].append(bare_seconds(batches, batchnorm))
            for key, loader in loaders.items():
                times[key].append(loop_seconds(loader, augmentations[key], batchnorm))
        best = {key: min(values) for key, values in times.items()}
        model = f"CIFAR-3 Net{' + BatchNorm' if batchnorm else ''}"
        loop = f"{model} training loop, batch {FINAL['batch_size']}"
        rows.append(row(f"{loop}, shifts and flips per batch", best["ours"], best["bare"],
                        True))
        rows.append(row(f"{loop}, torchvision's shifts and flips image by image",
                        best["per image"], best["bare"], False))
    return rows


run = benchmarks.on_one_thread(measure)


def build_parser():
    return benchmarks.build_parser(__doc__)


if __name__ == "__main__":
    command_line(__doc__, "cifar_throughput.json", run)
