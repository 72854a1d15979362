"""The image pipelines, torchvision.transforms.v2 on uint8 3 x 32 x 32 tensors.

Training augments each image on its own (new random parameters per image) through
`CIFAR3` and a DataLoader, as the handout skeleton does. The skeleton's last step,
Normalize(mean=[127.5] * 3, std=[127.5] * 3), is `NORMALIZE`: applied to whole
batches, in training and evaluation alike, where one call serves 64 images.
"""
import torch
from torchvision.transforms import v2

NORMALIZE = v2.Compose([v2.ToDtype(torch.float32),  # 0-255 -> [-1, 1], per channel
                        v2.Normalize(mean=[127.5] * 3, std=[127.5] * 3)])

# name -> (per-image training pipeline, what it does in words for the report table)
AUGMENTATIONS = {
    # Shifts of up to 2 whole pixels each way (the border filled with mid-grey) and flips.
    "shift_flip": (v2.Compose([v2.RandomCrop(32, padding=2, fill=128),
                               v2.RandomHorizontalFlip()]),
                   "flips, shifts ±2 px"),
    # The skeleton's pipeline as it stands (ColorJitter() with no arguments changes nothing).
    "skeleton": (v2.Compose([v2.ColorJitter(), v2.RandomRotation(30),
                             v2.RandomHorizontalFlip()]),
                 "rotations ±30°, flips"),
    "none": (None, "no augmentation"),
}
