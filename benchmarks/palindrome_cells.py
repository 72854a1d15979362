"""Training-step time of our hand-written LSTM and vanilla RNN (palindrome/) against
torch's nn.LSTM and nn.RNN of the same size, in one process.

    python benchmarks/palindrome_cells.py           # about a minute
    python benchmarks/palindrome_cells.py --quick   # seconds (smoke run)

One step = forward over T = 20 digits (batch 128, hidden 128, scalar input), a
linear read-out of the last hidden state, cross-entropy, backward, gradient
clipping and an RMSProp update, as in palindrome/training.py. The two sides run
in alternating rounds on one torch thread and each keeps its fastest round, so a
busy machine slows both alike.
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import torch
from torch import nn

import benchmarks
from benchmarks import time_alternating
from palindrome.lstm import LSTM
from palindrome.vanilla_rnn import VanillaRNN

BATCH, HIDDEN, LENGTH, CLASSES = 128, 128, 20, 10
TARGET = 2.0


class TorchReference(nn.Module):
    """nn.LSTM / nn.RNN plus a Linear head on the last step: the same function as ours."""

    def __init__(self, recurrent):
        super().__init__()
        self.recurrent, self.head = recurrent, nn.Linear(HIDDEN, CLASSES)

    def forward(self, x):
        return self.head(self.recurrent(x.unsqueeze(-1))[0][:, -1])


def step_function(model, digits, labels):
    optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)

    def step():
        loss = nn.functional.cross_entropy(model(digits), labels)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=10.0)
        optimizer.step()
    return step


def run(quick=False, seed=0):
    torch.set_num_threads(1)
    utils.seed_everything(seed)
    digits = torch.randint(0, 10, (BATCH, LENGTH)).float()
    labels = digits[:, 0].long()
    rounds, steps_per_round = (1, 2) if quick else (5, 10)
    rows = []
    for name, ours, reference in (
            ("LSTM", LSTM(LENGTH, 1, HIDDEN, CLASSES), nn.LSTM(1, HIDDEN, batch_first=True)),
            ("RNN", VanillaRNN(LENGTH, 1, HIDDEN, CLASSES), nn.RNN(1, HIDDEN, batch_first=True))):
        steps = [step_function(ours, digits, labels),
                 step_function(TorchReference(reference), digits, labels)]
        ours_s, reference_s = time_alternating(steps, rounds, inner=steps_per_round, warmup=3,
                                               statistic=min)
        rows.append({"name": f"palindrome {name} training step (batch {BATCH}, hidden {HIDDEN}, "
                             f"T={LENGTH})",
                     "model": name, "batch": BATCH, "hidden": HIDDEN, "length": LENGTH,
                     "ours_s": ours_s, "reference": f"torch nn.{name} + nn.Linear",
                     "reference_s": reference_s, "ratio": ours_s / reference_s,
                     "target": f"<= {TARGET:g}x torch", "met": ours_s / reference_s <= TARGET})
    return rows


def build_parser():
    return benchmarks.build_parser(__doc__)


if __name__ == "__main__":
    benchmarks.command_line(__doc__, __file__, run)
