"""The image pipelines, on uint8 3 x 32 x 32 images.

An augmentation draws new random parameters for every image. The skeleton's
pipeline is torchvision.transforms.v2, image by image in a DataLoader worker, as
the handout runs it. The final runs' shifts and flips are `ShiftFlip`, which
augments a whole batch with one indexing operation in the training process:
torchvision's v2 pipeline doing the same image by image took a fifth of the
training loop's time (benchmarks/cifar_throughput.py). The skeleton's last step,
Normalize(mean=[127.5] * 3, std=[127.5] * 3), is `NORMALIZE`: applied to whole
batches, in training and evaluation alike.
"""
from typing import Callable, NamedTuple

import torch
import torch.nn.functional as F
from torchvision.transforms import v2

NORMALIZE = v2.Compose([v2.ToDtype(torch.float32),  # 0-255 -> [-1, 1], per channel
                        v2.Normalize(mean=[127.5] * 3, std=[127.5] * 3)])


class ShiftFlip:
    """Shift each image of a uint8 batch (N, C, H, W) by up to `pad` whole pixels each
    way, the uncovered border filled with `fill`, and mirror it, with the torch random
    generator: v2.RandomCrop(32, padding=pad, fill=fill).

    Flips are drawn at random (v2.RandomHorizontalFlip), or, with `alternate`, image i
    is mirrored in the epochs where i + epoch is odd, so that every image is seen both
    ways in any two consecutive epochs.
    """

    def __init__(self, pad, fill, alternate=False):
        self.pad, self.fill, self.alternate = pad, fill, alternate

    def __call__(self, images, index, epoch):
        n, c, h, w = images.shape
        padded = F.pad(images, (self.pad,) * 4, value=self.fill)
        top = torch.randint(0, 2 * self.pad + 1, (n, 1))
        left = torch.randint(0, 2 * self.pad + 1, (n, 1))
        if self.alternate:
            flip = ((index + epoch) % 2 == 1)[:, None]
        else:
            flip = torch.rand(n, 1) < 0.5
        rows = top + torch.arange(h)  # (n, h): the padded rows each output row reads
        columns = left + torch.where(flip, torch.arange(w - 1, -1, -1), torch.arange(w))
        return padded[torch.arange(n)[:, None, None, None], torch.arange(c)[None, :, None, None],
                      rows[:, None, :, None], columns[:, None, None, :]]


class Augmentation(NamedTuple):
    """A training augmentation: per image (in the Dataset) or per batch (in the loop,
    called with the batch, the images' indices in the split, and the epoch)."""
    image: Callable = None
    batch: Callable = None


AUGMENTATIONS = {
    # Shifts of up to 2 whole pixels each way (the border filled with mid-grey) and a
    # random flip for each image, as v2.RandomHorizontalFlip draws it (the final runs).
    "shift_flip": Augmentation(batch=ShiftFlip(pad=2, fill=128)),
    # The same with flips that alternate from one epoch to the next.
    "shift_alternate_flip": Augmentation(batch=ShiftFlip(pad=2, fill=128, alternate=True)),
    # The skeleton's pipeline as it stands (ColorJitter() with no arguments changes nothing).
    "skeleton": Augmentation(image=v2.Compose([v2.ColorJitter(), v2.RandomRotation(30),
                                               v2.RandomHorizontalFlip()])),
    "none": Augmentation(),
}
