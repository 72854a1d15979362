"""The section-3 CNN written in torch (float64), straight from the handout's
figure: the oracle that the CNN test and hw2/train_demo.py compare MyTorch's
CNN with. It shares no code with the MyTorch model it checks."""
import torch
from torch import nn


def torch_cnn(mytorch_model=None):
    """The handout's architecture in torch; with `mytorch_model`, start from its weights."""
    model = nn.Sequential(nn.Conv1d(24, 56, 5, 1), nn.Tanh(), nn.Conv1d(56, 28, 6, 2), nn.ReLU(),
                          nn.Conv1d(28, 14, 2, 2), nn.Sigmoid(), nn.Flatten(),
                          nn.Linear(13 * 14, 10)).double()  # widths 60 -> 56 -> 26 -> 13
    if mytorch_model is not None:
        copy_parameters(mytorch_model, model)
    return model


def copy_parameters(mytorch_model, model):
    """Overwrite the torch model's parameters with the MyTorch model's (same order)."""
    with torch.no_grad():
        for ours, theirs in zip(mytorch_model.parameters(), model.parameters(), strict=True):
            if tuple(ours.shape) != tuple(theirs.shape):
                raise ValueError(f"parameter shapes differ: {ours.shape} vs {tuple(theirs.shape)}")
            theirs.copy_(torch.from_numpy(ours.data))
