"""The training loader, one training epoch, the optimiser and its schedule, and
evaluation: shared by cifar_pytorch.py (training), test.py (scoring) and the
throughput benchmark."""
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

import utils
from cifar.transforms import NORMALIZE

# A per-image augmentation (the skeleton's) runs in one worker process, which prepares
# the next batches while the main process trains on this one.
IMAGE_AUGMENTATION_WORKERS = 1


def train_loader(dataset, batch_size, generator, device):
    """Shuffled batches of `dataset` (a CIFAR3), in a fresh order each epoch; the last
    partial batch is dropped unless it is the only one. `generator` draws the orders
    and seeds the worker, whose torch RNG draws a per-image augmentation's parameters,
    so a seed repeats a run. The worker persists across epochs."""
    workers = 0 if dataset.transform is None else IMAGE_AUGMENTATION_WORKERS
    return DataLoader(dataset, batch_size=batch_size, shuffle=True, generator=generator,
                      drop_last=len(dataset) >= batch_size, num_workers=workers,
                      persistent_workers=workers > 0, pin_memory=device.type == "cuda")


@torch.no_grad()
def evaluate(model, images, labels, device, batch_size=500):
    """(mean cross-entropy, accuracy, predictions) of `model` on uint8 `images`."""
    model.eval()
    total_loss, predictions = 0.0, []
    for start in range(0, len(images), batch_size):
        x = NORMALIZE(images[start:start + batch_size].to(device))
        y = labels[start:start + batch_size].to(device)
        logits = model(x)
        total_loss += F.cross_entropy(logits, y, reduction="sum").item()
        predictions.append(logits.argmax(1).cpu())
    predictions = torch.cat(predictions)
    return total_loss / len(images), (predictions == labels).float().mean().item(), predictions


def train_epoch(model, optimizer, scheduler, loader, device, epoch, augment=None):
    """One pass over `loader` (uint8 batches, augmented by `augment` if given, then
    normalised); returns per-iteration (loss, accuracy)."""
    model.train()
    history = []
    for step, (x, y) in enumerate(utils.progress(loader, desc=f"epoch {epoch}")):
        if augment is not None:
            x = augment(x)
        x = NORMALIZE(x.to(device, non_blocking=True))
        y = y.to(device, non_blocking=True)
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


def make_optimizer(model, lr, weight_decay, schedule, steps_total):
    """Adam with a one-cycle (warm-up over the first quarter, then cosine decay to
    nearly 0) or constant learning rate; returns (optimizer, scheduler or None)."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    if schedule == "constant":
        return optimizer, None
    return optimizer, torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr,
                                                          total_steps=steps_total, pct_start=0.25)
