"""Time per batch of our Elman layer against torch's nn.RNN of the same size.

    python benchmarks/elman.py            # batch 64, 200 steps, 300 wide
    python benchmarks/elman.py --quick    # a seconds-long smoke run

Every layer runs forward and backward on the same input and the same dense gradient
from above (as a loss over the outputs gives), in this process, with one torch
thread, timed by the main thread's CPU time in alternating rounds; the fastest round
counts (other jobs on the machine slow some rounds, never speed one up). Ours is
imdb.models.Elman (backpropagation through time by hand). nn.RNN computes only the
hidden layer, so our layer also pays for its output Linear (lin2), three more
products as large as the input projection; nn.RNN followed by an nn.Linear, the same
function as ours, is timed as a second reference, and the handout's skeleton loop as
a third row, to show what the hand-written layer buys.
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import time

import torch
from torch import nn

import benchmarks
from benchmarks import command_line, time_alternating
from imdb.models import Elman, skeleton_forward

TARGET = 1.2


def measure(quick, seed):
    batch, steps, width, rounds = (8, 20, 32, 3) if quick else (64, 200, 300, 15)
    torch.manual_seed(seed)
    x = torch.randn(batch, steps, width, requires_grad=True)
    grad = torch.randn(batch, steps, width)  # dense, as a loss over the outputs gives
    layer = Elman(width, width, width)
    rnn, linear = nn.RNN(width, width, batch_first=True), nn.Linear(width, width)

    def fwd_bwd(forward):
        return lambda: forward(x)[0].backward(grad)

    ours_s, rnn_s, rnn_linear_s, skeleton_s = time_alternating(
        [fwd_bwd(layer), fwd_bwd(rnn), fwd_bwd(lambda x: (linear(rnn(x)[0]),)),
         fwd_bwd(lambda x: skeleton_forward(layer, x))], rounds, statistic=min,
        clock=time.thread_time)
    shape = f"batch {batch}, {steps} steps, {width} wide, fwd+bwd, 1 thread"
    return [
        {"name": f"Elman layer ({shape})", "ours_s": ours_s, "reference": "nn.RNN",
         "reference_s": rnn_s, "ratio": ours_s / rnn_s,
         "target": f"<= {TARGET:g}x nn.RNN", "met": ours_s <= TARGET * rnn_s},
        {"name": "Elman layer (as above)", "ours_s": ours_s,
         "reference": "nn.RNN + nn.Linear", "reference_s": rnn_linear_s,
         "ratio": ours_s / rnn_linear_s, "target": "none (the same function)", "met": None},
        {"name": f"handout skeleton loop ({shape})", "ours_s": skeleton_s, "reference": "nn.RNN",
         "reference_s": rnn_s, "ratio": skeleton_s / rnn_s,
         "target": "none (for comparison)", "met": None},
    ]


run = benchmarks.on_one_thread(measure)


def build_parser():
    return benchmarks.build_parser(__doc__)


if __name__ == "__main__":
    command_line(__doc__, "elman.json", run)
