"""Time per batch of our Elman layer against torch's nn.RNN of the same size.

    python benchmarks/elman.py            # batch 64, 200 steps, 300 wide
    python benchmarks/elman.py --quick    # a seconds-long smoke run

Both run forward and backward on the same input in this process; ours is
imdb.models.Elman (input projection hoisted out of the loop, backpropagation
through time by hand), and the handout's skeleton loop is timed as a second row
to show what the hoisting buys. nn.RNN computes only the hidden layer, so our
layer also pays for its output Linear (lin2); the target allows for that.
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import torch
from torch import nn

import benchmarks
from benchmarks import command_line, time_alternating
from imdb.models import Elman, skeleton_forward

TARGET = 2.0


def run(quick=False, seed=0):
    batch, steps, width, repeats = (8, 20, 32, 3) if quick else (64, 200, 300, 10)
    torch.manual_seed(seed)
    x = torch.randn(batch, steps, width, requires_grad=True)
    layer = Elman(width, width, width)
    reference = nn.RNN(width, width, batch_first=True)

    def fwd_bwd(forward):
        return lambda: forward(x)[0].sum().backward()

    ours_s, reference_s, skeleton_s = time_alternating(
        [fwd_bwd(layer), fwd_bwd(reference), fwd_bwd(lambda x: skeleton_forward(layer, x))],
        repeats)
    shape = (f"batch {batch}, {steps} steps, {width} wide, fwd+bwd, "
             f"{torch.get_num_threads()} thread(s)")
    return [
        {"name": f"Elman layer ({shape})", "ours_s": ours_s, "reference": "nn.RNN",
         "reference_s": reference_s, "ratio": ours_s / reference_s,
         "target": f"<= {TARGET:g}x nn.RNN", "met": ours_s <= TARGET * reference_s},
        {"name": f"handout skeleton loop ({shape})", "ours_s": skeleton_s, "reference": "nn.RNN",
         "reference_s": reference_s, "ratio": skeleton_s / reference_s,
         "target": "none (for comparison)", "met": None},
    ]


def build_parser():
    return benchmarks.build_parser(__doc__)


if __name__ == "__main__":
    command_line(__doc__, "elman.json", run)
