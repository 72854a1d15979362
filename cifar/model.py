"""The handout's CNN for CIFAR-3, optionally with batch norm after fc1."""
import torch.nn as nn

from cifar.data import CLASSES

MODEL_NAME = "cifar.model.Net"  # what a checkpoint records, so test.py can refuse other files


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
