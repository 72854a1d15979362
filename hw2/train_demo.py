"""Train the section-3 CNN with MyTorch and, from the same initial weights, the
same network in torch, on a synthetic 1-d classification task; plot both loss
curves on one figure (they should lie on top of each other).

    python hw2/train_demo.py            # runs/mytorch/hw2_demo.{png,json}, hw2_summary.json
    python hw2/train_demo.py --quick    # a few steps, under runs/quick/mytorch/

The task: each of 10 classes owns a random motif (24 channels x 5 steps); an
example is Gaussian noise with its class's motif added at a random position, so
recognising it needs a shift-invariant detector, which is what a conv layer is.
No dataset is needed and both frameworks run on the CPU, so `--data-dir` and
`--device` are accepted and unused.

The handout's Conv1d draws weights from N(0, 1): with 120 to 336 inputs per
output, pre-activations have standard deviations of 10 to 100, so Tanh and
Sigmoid saturate and SGD barely moves. The demo therefore divides each conv
weight by sqrt(fan-in) before training (`--handout-init` keeps N(0, 1)); both
frameworks start from the same rescaled weights.
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import argparse
import time

import numpy as np
import torch
from torch import nn

import store
from hw2 import CNN, INPUT_WIDTH, NUM_CLASSES  # hw2/hw2.py as a script, the package when imported
from mytorch.nn.activations import ReLU, Sigmoid, Tanh
from mytorch.nn.conv import Conv1d, Flatten
from mytorch.nn.linear import Linear
from mytorch.nn.loss import CrossEntropyLoss
from mytorch.optim.sgd import SGD
from mytorch.tensor import Tensor
import plots

CHANNELS, MOTIF_WIDTH = 24, 5
QUICK = {"epochs": 2, "train_size": 128, "test_size": 64}  # upper bounds for --quick
TORCH_LAYERS = {Tanh: nn.Tanh, ReLU: nn.ReLU, Sigmoid: nn.Sigmoid, Flatten: nn.Flatten}


# --- data ---

def motif_dataset(size, motifs, rng, strength):
    """`size` examples (size, 24, 60) of noise plus `strength` x the class motif at a
    random offset."""
    labels = rng.integers(0, NUM_CLASSES, size)
    inputs = rng.normal(0, 1, (size, CHANNELS, INPUT_WIDTH))
    offsets = rng.integers(0, INPUT_WIDTH - MOTIF_WIDTH + 1, size)
    for index, (label, offset) in enumerate(zip(labels, offsets)):
        inputs[index, :, offset:offset + MOTIF_WIDTH] += strength * motifs[label]
    return inputs, labels


def scale_conv_weights(model):
    """Divide every conv weight by sqrt(in_channel * kernel_size), in place (no graph)."""
    for layer in model.layers:
        if isinstance(layer, Conv1d):
            layer.weight.data /= np.sqrt(layer.in_channel * layer.kernel_size)


def torch_twin(model):
    """`model` rebuilt in torch float64, layer for layer, starting from its weights."""
    layers = []
    for layer in model.layers:
        if isinstance(layer, Conv1d):
            layers.append(nn.Conv1d(layer.in_channel, layer.out_channel, layer.kernel_size,
                                    layer.stride))
        elif isinstance(layer, Linear):
            layers.append(nn.Linear(layer.in_features, layer.out_features))
        else:
            layers.append(TORCH_LAYERS[type(layer)]())
    twin = nn.Sequential(*layers).double()
    with torch.no_grad():
        for ours, theirs in zip(model.parameters(), twin.parameters(), strict=True):
            theirs.copy_(torch.from_numpy(ours.data))
    return twin


# --- one training run per framework, the same batches in the same order ---

def train_mytorch(model, train, test, batches, epochs, lr, momentum):
    optimizer, criterion = SGD(model.parameters(), lr=lr, momentum=momentum), CrossEntropyLoss()
    losses, accuracies = [], []
    for epoch in range(epochs):
        for batch in utils.progress(batches[epoch], desc=f"mytorch epoch {epoch + 1}"):
            optimizer.zero_grad()
            loss = criterion(model(Tensor(train[0][batch])), Tensor(train[1][batch]))
            loss.backward()
            optimizer.step()
            losses.append(utils.check_finite(loss.data, f"mytorch epoch {epoch + 1}"))
        accuracies.append(float((model(Tensor(test[0])).data.argmax(1) == test[1]).mean()))
    return losses, accuracies


def train_torch(model, train, test, batches, epochs, lr, momentum):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    inputs, labels = torch.from_numpy(train[0]), torch.from_numpy(train[1])
    losses, accuracies = [], []
    for epoch in range(epochs):
        for batch in utils.progress(batches[epoch], desc=f"torch epoch {epoch + 1}"):
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(inputs[batch]), labels[batch])
            loss.backward()
            optimizer.step()
            losses.append(utils.check_finite(loss.item(), f"torch epoch {epoch + 1}"))
        with torch.no_grad():
            predicted = model(torch.from_numpy(test[0])).argmax(1).numpy()
            accuracies.append(float((predicted == test[1]).mean()))
    return losses, accuracies


# --- figure and main ---

def plot(history, path):
    fig, (loss_ax, acc_ax) = plots.subplots(1, 2, figsize=(11, 4.2))
    steps = np.arange(1, len(history["mytorch_loss"]) + 1)
    loss_ax.plot(steps, history["mytorch_loss"], color="tab:blue", lw=2.5, alpha=0.6,
                 label="MyTorch (NumPy)")
    loss_ax.plot(steps, history["torch_loss"], color="black", lw=1, ls="--",
                 label="torch float64")
    loss_ax.axhline(np.log(NUM_CLASSES), color="gray", ls=":", label="chance (ln 10)")
    loss_ax.set(title="Training loss per SGD step, same initial weights", xlabel="step",
                ylabel="cross-entropy")
    gap = np.abs(np.subtract(history["mytorch_loss"], history["torch_loss"])).max()
    loss_ax.text(0.98, 0.6, f"max |difference| = {gap:.1e}", transform=loss_ax.transAxes,
                 ha="right")
    loss_ax.legend()
    epochs = np.arange(1, len(history["mytorch_test_accuracy"]) + 1)
    acc_ax.plot(epochs, history["mytorch_test_accuracy"], "o-", color="tab:blue", lw=2.5, alpha=0.6,
                label="MyTorch (NumPy)")
    acc_ax.plot(epochs, history["torch_test_accuracy"], "x--", color="black", lw=1,
                label="torch float64")
    acc_ax.axhline(1 / NUM_CLASSES, color="gray", ls=":", label="chance (0.1)")
    acc_ax.set(title="Held-out accuracy after each epoch", xlabel="epoch", ylabel="accuracy",
               ylim=(0, 1.02))
    acc_ax.xaxis.get_major_locator().set_params(integer=True)
    acc_ax.legend(loc="upper left")
    plots.save_figure(fig, path)


def build_parser():
    parser = argparse.ArgumentParser(allow_abbrev=False, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    utils.add_common_args(parser, "mytorch")
    parser.add_argument("--epochs", type=utils.bounded_int(1, 1000), default=10,
                        help="passes over the training set (default: 10)")
    parser.add_argument("--batch-size", type=utils.bounded_int(1, 100_000), default=32,
                        help="examples per SGD step (default: 32)")
    parser.add_argument("--train-size", type=utils.bounded_int(1, 100_000), default=3000,
                        help="training examples (default: 3000)")
    parser.add_argument("--test-size", type=utils.bounded_int(1, 100_000), default=1000,
                        help="held-out examples (default: 1000)")
    parser.add_argument("--lr", type=utils.positive_float, default=0.05,
                        help="SGD learning rate (default: 0.05)")
    parser.add_argument("--momentum", type=utils.probability, default=0.9,
                        help="SGD momentum, in [0, 1) (default: 0.9)")
    parser.add_argument("--strength", type=utils.non_negative_float, default=2.0,
                        help="motif amplitude; the noise has std 1 (default: 2)")
    parser.add_argument("--handout-init", action="store_true",
                        help="keep the handout's N(0, 1) conv weights "
                             "(default: divide them by sqrt(fan-in))")
    return parser


def main(argv=None):
    args = utils.parse_args(build_parser(), argv)
    utils.apply_quick(args, QUICK)
    out = utils.output_dir(args)
    utils.seed_everything(args.seed)

    rng = np.random.default_rng(args.seed)
    motifs = rng.normal(0, 1, (NUM_CLASSES, CHANNELS, MOTIF_WIDTH))
    train = motif_dataset(args.train_size, motifs, rng, args.strength)
    test = motif_dataset(args.test_size, motifs, rng, args.strength)
    batches = [np.array_split(rng.permutation(args.train_size),
                              -(-args.train_size // args.batch_size))
               for _ in range(args.epochs)]

    model = CNN()  # draws its weights from np.random, seeded above
    if not args.handout_init:
        scale_conv_weights(model)
    reference = torch_twin(model)
    history, seconds = {}, {}
    for name, train_fn, net in (("mytorch", train_mytorch, model),
                                ("torch", train_torch, reference)):
        start = time.perf_counter()
        history[f"{name}_loss"], history[f"{name}_test_accuracy"] = train_fn(
            net, train, test, batches, args.epochs, args.lr, args.momentum)
        seconds[name] = round(time.perf_counter() - start, 2)
        print(f"{name}: final loss {history[f'{name}_loss'][-1]:.4f}, "
              f"test accuracy {history[f'{name}_test_accuracy'][-1]:.3f}, {seconds[name]} s")

    gap = float(np.abs(np.subtract(history["mytorch_loss"], history["torch_loss"])).max())
    script = "hw2/train_demo.py"
    store.save_json({"script": script, "seconds": seconds, **history}, out / "hw2_demo.json")
    plot(history, out / "hw2_demo.png")
    summary = {"script": script, "settings": utils.run_settings(args),
               "environment": utils.environment(),
               "steps": len(history["mytorch_loss"]), "max_abs_loss_difference": gap,
               "final_loss": {k: history[f"{k}_loss"][-1] for k in ("mytorch", "torch")},
               "final_test_accuracy": {k: history[f"{k}_test_accuracy"][-1]
                                       for k in ("mytorch", "torch")},
               "seconds": seconds}
    store.save_json(summary, out / "hw2_summary.json")
    print(f"max |loss difference| over {summary['steps']} steps: {gap:.2e}; wrote {out}")
    return 0


if __name__ == "__main__":
    utils.run_main(main)
