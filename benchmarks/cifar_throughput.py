"""Training images/second of cifar_pytorch.py's real training loop (`train_epoch` in
cifar/training.py) against the bare model step, in one process.

    python benchmarks/cifar_throughput.py           # about two minutes, single thread
    python benchmarks/cifar_throughput.py --quick   # seconds (smoke run)

"Ours" is `train_epoch` on a resident uint8 training set: shuffling, indexing,
normalisation, batched augmentation (shift and flip, the full runs' setting),
forward, backward, Adam step, one-cycle schedule and the per-batch loss and
accuracy it records. The reference is the bare step (forward, backward, Adam
step) repeated on one resident, already normalised random batch of the same
size. The two are measured in alternating rounds and the fastest round of each
counts, the one least slowed by anything else the machine does. Random pixels
are enough: the cost of this network does not depend on the values.
"""
import time

import torch
import torch.nn.functional as F

import benchmarks
from benchmarks import command_line
from cifar.configs import FINAL
from cifar.model import Net
from cifar.training import make_optimizer, train_epoch

TARGET = 0.85
TRAIN_IMAGES = 13000


def loop_seconds(batches, batchnorm, settings=FINAL):
    """Seconds per image of `train_epoch` over `batches` batches of the final settings."""
    size = settings["batch_size"]
    images = torch.randint(0, 256, (batches * size, 3, 32, 32), dtype=torch.uint8)
    labels = torch.randint(0, 3, (len(images),))
    model = Net(batchnorm=batchnorm)
    optimizer, scheduler = make_optimizer(model, settings["lr"], settings["weight_decay"],
                                          settings["schedule"], batches)
    generator = torch.Generator().manual_seed(0)
    start = time.perf_counter()
    train_epoch(model, optimizer, scheduler, images, labels, size, settings["rotate"],
                settings["shift"], generator, torch.device("cpu"), 1)
    return (time.perf_counter() - start) / len(images)


def bare_seconds(batches, batchnorm, settings=FINAL):
    """Seconds per image of the bare forward/backward/Adam step on one resident batch."""
    size = settings["batch_size"]
    model = Net(batchnorm=batchnorm)
    optimizer = torch.optim.Adam(model.parameters(), lr=settings["lr"])
    x = torch.randn(size, 3, 32, 32)
    y = torch.randint(0, 3, (size,))
    start = time.perf_counter()
    for _ in range(batches):
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return (time.perf_counter() - start) / (batches * size)


def run(quick=False, seed=0):
    torch.manual_seed(seed)
    rounds, batches = (1, 2) if quick else (5, 6)
    rows = []
    for batchnorm in (False, True):
        bare_seconds(1, batchnorm), loop_seconds(1, batchnorm)  # warm-up
        ours, bare = [], []
        for _ in range(rounds):
            ours.append(loop_seconds(batches, batchnorm))
            bare.append(bare_seconds(batches, batchnorm))
        ours_s, bare_s = min(ours), min(bare)
        ratio = bare_s / ours_s  # images/s of the loop as a fraction of the bare step's
        name = (f"CIFAR-3 Net{' + BatchNorm' if batchnorm else ''} training loop, "
                f"batch {FINAL['batch_size']}")
        print(f"{name}: {1 / ours_s:.0f} images/s vs bare step {1 / bare_s:.0f} images/s "
              f"(ratio {ratio:.2f}; epoch of {TRAIN_IMAGES} images about "
              f"{TRAIN_IMAGES * ours_s:.0f} s)", flush=True)
        rows.append({"name": f"{name} (s per 1000 images)", "ours_s": 1000 * ours_s,
                     "reference": "bare model step on one resident batch",
                     "reference_s": 1000 * bare_s, "ratio": ratio,
                     "target": f">= {TARGET:g} of the bare step's images/s",
                     "met": ratio >= TARGET, "images_per_second": 1 / ours_s,
                     "epoch_seconds_estimate": TRAIN_IMAGES * ours_s,
                     "threads": torch.get_num_threads()})
    return rows


def build_parser():
    return benchmarks.build_parser(__doc__)


if __name__ == "__main__":
    command_line(__doc__, "cifar_throughput.json", run)
