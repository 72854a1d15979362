"""Time per batch of our Elman layer against torch's nn.RNN of the same size.

    python benchmarks/elman.py            # batch 64, 200 steps, 300 wide
    python benchmarks/elman.py --quick    # a seconds-long smoke run

Both run forward and backward on the same input in this process; ours is
imdb.models.Elman (input projection hoisted out of the loop, backpropagation
through time by hand), and the handout's skeleton loop is timed as a second row
to show what the hoisting buys. nn.RNN computes only the hidden layer, so our
layer also pays for its output Linear (lin2); the target allows for that.
"""
import argparse
import time

import torch
from torch import nn

import utils
from imdb.models import Elman


def skeleton_forward(layer, x):
    """The handout's loop: lin1 on [x(t), h(t-1)] at every step, autograd records it all."""
    hidden = torch.zeros(x.size(0), layer.hsize)
    outs = []
    for i in range(x.size(1)):
        hidden = torch.tanh(layer.lin1(torch.cat([x[:, i, :], hidden], dim=1)))
        outs.append(layer.lin2(hidden)[:, None, :])
    return torch.cat(outs, dim=1)


def seconds_per_batch(step, repeats):
    step()  # warm-up
    start = time.perf_counter()
    for _ in range(repeats):
        step()
    return (time.perf_counter() - start) / repeats


def run(quick=False):
    batch, steps, width, repeats = (8, 20, 32, 3) if quick else (64, 200, 300, 10)
    torch.manual_seed(0)
    x = torch.randn(batch, steps, width, requires_grad=True)
    ours, skeleton = Elman(width, width, width), Elman(width, width, width)
    reference = nn.RNN(width, width, batch_first=True)

    def fwd_bwd(forward):
        return lambda: forward(x).sum().backward()

    ours_s = seconds_per_batch(fwd_bwd(lambda x: ours(x)[0]), repeats)
    reference_s = seconds_per_batch(fwd_bwd(lambda x: reference(x)[0]), repeats)
    skeleton_s = seconds_per_batch(fwd_bwd(lambda x: skeleton_forward(skeleton, x)), repeats)
    shape = f"batch {batch}, {steps} steps, {width} wide, fwd+bwd, {torch.get_num_threads()} thread(s)"
    return [
        {"name": f"Elman layer ({shape})", "ours_s": ours_s, "reference": "nn.RNN",
         "reference_s": reference_s, "ratio": ours_s / reference_s, "target": "<= 2x nn.RNN",
         "met": ours_s <= 2 * reference_s},
        {"name": f"handout skeleton loop ({shape})", "ours_s": skeleton_s, "reference": "nn.RNN",
         "reference_s": reference_s, "ratio": skeleton_s / reference_s, "target": "none (for comparison)",
         "met": True},
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="tiny sizes; writes runs/quick/benchmarks/")
    args = parser.parse_args()
    rows = run(quick=args.quick)
    for row in rows:
        print(f"{row['name']}: ours {row['ours_s'] * 1000:.1f} ms, {row['reference']} "
              f"{row['reference_s'] * 1000:.1f} ms, ratio {row['ratio']:.2f} (target {row['target']})")
    folder = utils.REPO_ROOT / ("runs/quick" if args.quick else "results") / "benchmarks"
    utils.save_json(rows, folder / "elman.json")


if __name__ == "__main__":
    utils.run_main(main)
