"""The training batches, one training epoch, the optimiser and its schedule, and
evaluation: shared by cifar_pytorch.py (training),
test.py (scoring) and the throughput benchmark."""
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

import utils
from cifar.data import CIFAR3
from cifar.transforms import NORMALIZE

# A per-image augmentation (the skeleton's) runs in one worker process, which prepares
# the next batches while the main process trains on this one.
IMAGE_AUGMENTATION_WORKERS = 1


class ShuffledBatches:
    """Batches (images, labels, indices) of a resident uint8 split, in a fresh order
    each epoch drawn from `generator`; the last partial batch is dropped unless it is
    the only one."""

    def __init__(self, images, labels, batch_size, generator):
        self.images, self.labels, self.generator = images, labels, generator
        self.batch_size = min(batch_size, len(labels))

    def __len__(self):
        return len(self.labels) // self.batch_size

    def __iter__(self):
        order = torch.randperm(len(self.labels), generator=self.generator)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            index = order[start:start + self.batch_size]
            yield self.images[index], self.labels[index], index


class ImageBatches:
    """Batches (images, labels, None) of the skeleton's Dataset, each image transformed
    on its own in a DataLoader worker. `generator` draws the orders and seeds the worker,
    whose torch RNG draws the transform's parameters, so a seed repeats a run; the worker
    persists across epochs."""

    def __init__(self, dataset, batch_size, generator, device):
        self.loader = DataLoader(dataset, batch_size=batch_size, shuffle=True,
                                 generator=generator, drop_last=len(dataset) >= batch_size,
                                 num_workers=IMAGE_AUGMENTATION_WORKERS, persistent_workers=True,
                                 pin_memory=device.type == "cuda")

    def __len__(self):
        return len(self.loader)

    def __iter__(self):
        return ((images, labels, None) for images, labels in self.loader)


def train_batches(images, labels, augmentation, batch_size, generator, device):
    """The training batches for `augmentation` (cifar/transforms.py)."""
    if augmentation.image is None:
        return ShuffledBatches(images, labels, batch_size, generator)
    return ImageBatches(CIFAR3(images, labels, augmentation.image), batch_size, generator, device)


def train_epoch(model, optimizer, scheduler, batches, device, epoch, augment=None,
                label_smoothing=0.0):
    """One pass over `batches` (uint8, augmented by `augment` if given, then normalised);
    returns per-iteration (loss, accuracy)."""
    model.train()
    history = []
    for step, (x, y, index) in enumerate(utils.progress(batches, desc=f"epoch {epoch}")):
        if augment is not None:
            x = augment(x, index, epoch)
        x = NORMALIZE(x.to(device, non_blocking=True))
        y = y.to(device, non_blocking=True)
        logits = model(x)
        loss = F.cross_entropy(logits, y, label_smoothing=label_smoothing)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        history.append((utils.check_finite(loss.detach(), f"epoch {epoch}, batch {step}"),
                        (logits.argmax(1) == y).float().mean().item()))
    return history


@torch.no_grad()
def view_logits(model, images, device, batch_size=500, mirror=True):
    """Logits of `model` for uint8 `images` and, with `mirror`, for their mirror images:
    (2, N, classes), or (1, N, classes) without."""
    model.eval()
    views = 2 if mirror else 1
    chunks = []
    for start in range(0, len(images), batch_size):
        x = NORMALIZE(images[start:start + batch_size].to(device))
        x = torch.cat([x, x.flip(-1)]) if mirror else x
        chunks.append(model(x).unflatten(0, (views, -1)).cpu())
    return torch.cat(chunks, dim=1)


def score(logits, labels):
    """(mean cross-entropy, accuracy, predictions) of logits (N, classes)."""
    predictions = logits.argmax(1)
    loss = F.cross_entropy(logits, labels).item()
    return loss, (predictions == labels).float().mean().item(), predictions


def evaluate(model, images, labels, device, mirror=False):
    """score() of `model` on uint8 `images`; with `mirror`, of the mean of the logits of
    each image and of its mirror image (test-time augmentation)."""
    return score(view_logits(model, images, device, mirror=mirror).mean(0), labels)


def make_optimizer(model, lr, weight_decay, schedule, steps_total):
    """Adam with a one-cycle (warm-up over the first quarter, then cosine decay to
    nearly 0) or constant learning rate; returns (optimizer, scheduler or None)."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    if schedule == "constant":
        return optimizer, None
    return optimizer, torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr,
                                                          total_steps=steps_total, pct_start=0.25)
