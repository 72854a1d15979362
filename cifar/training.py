"""The training loader, one training epoch, the optimiser and its schedule, and
evaluation: shared by cifar_pytorch.py (training), test.py (scoring) and the
throughput benchmark."""
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

import utils
from cifar.transforms import NORMALIZE

# One worker process augments the next batches while the main process trains on this
# one: with a core to spare, per-image augmentation then costs the training step
# nothing (benchmarks/cifar_throughput.py measures both ways).
LOADER_WORKERS = 1


def train_loader(dataset, batch_size, generator, device, workers=LOADER_WORKERS):
    """Shuffled batches of `dataset` (a CIFAR3 with its augmentation), in a fresh order
    each epoch; the last partial batch is dropped unless it is the only one.
    `generator` draws the orders and seeds the workers, whose torch RNG draws the
    augmentation's parameters (without workers, the process's RNG does), so a seed
    repeats a run. Workers persist across epochs."""
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


def train_epoch(model, optimizer, scheduler, loader, device, epoch):
    """One pass over `loader` (augmented uint8 batches, normalised here); returns
    per-iteration (loss, accuracy)."""
    model.train()
    history = []
    for step, (x, y) in enumerate(utils.progress(loader, desc=f"epoch {epoch}")):
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
