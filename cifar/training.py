"""One training epoch, the optimiser and its schedule, and evaluation: shared by
cifar_pytorch.py (training), test.py (scoring) and the throughput benchmark."""
import torch
import torch.nn.functional as F

import utils
from cifar.data import augment, normalize


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


def train_epoch(model, optimizer, scheduler, images, labels, batch_size, rotate, shift,
                generator, device, epoch):
    """One pass over the shuffled training set, each batch augmented (rotation up to
    +-`rotate` degrees, shift up to +-`shift` pixels, flips); returns per-iteration
    (loss, accuracy). The last partial batch is dropped."""
    model.train()
    history = []
    order = torch.randperm(len(images), generator=generator)
    for step in utils.progress(range(max(1, len(images) // batch_size)), desc=f"epoch {epoch}"):
        index = order[step * batch_size:(step + 1) * batch_size]
        x = augment(normalize(images[index]), generator, rotate, shift).to(device)
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


def make_optimizer(model, lr, weight_decay, schedule, steps_total):
    """Adam with a one-cycle (warm-up over the first quarter, then cosine decay to
    nearly 0) or constant learning rate; returns (optimizer, scheduler or None)."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    if schedule == "constant":
        return optimizer, None
    return optimizer, torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr,
                                                          total_steps=steps_total, pct_start=0.25)
