"""Loss layers."""
import mytorch.nn.functional as F
from mytorch.nn.module import Module


class CrossEntropyLoss(Module):
    """Mean cross-entropy of logits (batch, classes) against integer labels (batch,)."""

    def forward(self, predicted, target):
        return F.cross_entropy(predicted, target)
