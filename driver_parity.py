"""Q5-Q7: train LSTMs to compute the parity of bit strings, and see how far they generalise.

The names follow the course skeleton: the `Parity` dataset (all strings of lengths
1..max_length for training), `pad_collate`, `ParityLSTM`, `train_model` and
`runParityExperiment`. A model trained on lengths 1..5 is then scored on every
string of every length 0..20 (Q6), and `--sweep` repeats the experiment over
hidden sizes and seeds (Q7), including a recipe for hidden size 1.

    python driver_parity.py                      # Q5/Q6: LSTM-64, seed 42
    python driver_parity.py --sweep --seeds 5    # Q7: hidden sizes 1..64, 5 seeds each
"""
import argparse
import itertools
import math
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence
from torch.utils.data import DataLoader, Dataset

import utils
from univariate_tester import update_summary

EVAL_MAX_LENGTH = 20
SWEEP_HIDDEN_DIMS = [1, 2, 3, 4, 8, 16, 64]


# ---------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------

class Parity(Dataset):
    """Binary strings labelled with their parity (number of ones mod 2).

    split="train": every string of length 1..max_length (2 + 4 + ... + 2^max_length);
    any other split: every string of exactly max_length bits."""

    def __init__(self, split="train", max_length=4):
        lengths = range(1, max_length + 1) if split == "train" else [max_length]
        self.data = [torch.FloatTensor(seq) for n in lengths for seq in itertools.product([0, 1], repeat=n)]
        self.labels = [x.sum() % 2 for x in self.data]  # computed once: training reads them 2000 times

    def __len__(self):
        return len(self.data)

    def __getitem__(self, idx):
        return self.data[idx], self.labels[idx]


def pad_collate(batch):
    """Stack variable-length strings into a zero-padded B x T_max float tensor.

    Returns (padded strings, labels as a long tensor, lengths)."""
    strings, labels = zip(*batch)
    lengths = torch.tensor([len(s) for s in strings], dtype=torch.long)
    return pad_sequence(strings, batch_first=True), torch.stack(labels).long(), lengths


# ---------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------

class ParityLSTM(nn.Module):
    """One-layer LSTM over the bits; a linear layer scores the final hidden state.

    Strings are packed (`pack_padded_sequence`) so that each string's final state
    is taken after its own last bit, never after padding. The empty string cannot
    be packed: its final state is the initial state, zero, so it gets the
    classifier's score of a zero vector."""

    def __init__(self, hidden_dim=64):
        super().__init__()
        self.hidden_dim = hidden_dim
        self.lstm = nn.LSTM(input_size=1, hidden_size=hidden_dim, batch_first=True)
        self.classifier = nn.Linear(hidden_dim, 2)  # index 0: even, 1: odd

    def forward(self, x, s):
        """x: B x T zero-padded bits, s: the B lengths -> B x 2 scores."""
        if bool((s > 0).all()):
            return self.classifier(self.final_state(x, s))
        final = x.new_zeros(len(x), self.hidden_dim)
        nonempty = torch.nonzero(s > 0).flatten()
        if len(nonempty):
            final = final.index_copy(0, nonempty.to(x.device), self.final_state(x[nonempty.to(x.device)], s[nonempty]))
        return self.classifier(final)

    def final_state(self, x, s):
        """The LSTM's hidden state after each (non-empty) string's last bit."""
        packed = pack_padded_sequence(x.unsqueeze(-1), s.cpu(), batch_first=True, enforce_sorted=False)
        _, (h_n, _) = self.lstm(packed)  # h_n comes back in the batch's order
        return h_n[-1]

    def step(self, bit, state):
        """Read one more bit (the same for every string) from state (h, c) of shape
        1 x N x hidden_dim; return the new state."""
        inputs = torch.full((state[0].shape[1], 1, 1), float(bit), device=state[0].device)
        return self.lstm(inputs, state)[1]

    def __str__(self):
        return f"LSTM-{self.hidden_dim}"


# ---------------------------------------------------------------------------
# Training and evaluation
# ---------------------------------------------------------------------------

def train_model(model, loader, epochs=2000, lr=0.003, weight_decay=1e-5, log_every=10, give_up_after=None):
    """Adam on cross-entropy. An epoch's accuracy is that of the predictions made
    during the epoch (before each batch's update), as in the skeleton.

    Returns {"loss": [...], "acc": [...], "epochs_to_fit": first epoch at 100% or None}.
    With give_up_after=N, training stops after epoch N if no epoch has reached 100% yet."""
    device = next(model.parameters()).device
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay, foreach=True)
    criterion = nn.CrossEntropyLoss()
    history = {"loss": [], "acc": [], "epochs_to_fit": None}
    for epoch in range(1, epochs + 1):
        total_loss, correct, seen = 0.0, 0, 0
        model.train()
        for x, y, lengths in loader:
            x, y = x.to(device), y.to(device)
            scores = model(x, lengths)
            loss = criterion(scores, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(y)
            correct += (scores.argmax(1) == y).sum().item()
            seen += len(y)
        history["loss"].append(utils.check_finite(total_loss / seen, f"epoch {epoch}"))
        history["acc"].append(correct / seen)
        if log_every and epoch % log_every == 0:
            print(f"epoch {epoch:5d}  loss {history['loss'][-1]:.4f}  train acc {history['acc'][-1]:.3f}")
        if history["epochs_to_fit"] is None and correct == seen:
            history["epochs_to_fit"] = epoch
        if history["epochs_to_fit"] is None and give_up_after is not None and epoch >= give_up_after:
            break
    return history


@torch.no_grad()
def accuracy(model, dataset, batch_size=1000):
    """Fraction of `dataset` classified correctly."""
    model.eval()
    device = next(model.parameters()).device
    correct = 0
    for x, y, lengths in DataLoader(dataset, batch_size=batch_size, collate_fn=pad_collate):
        correct += (model(x.to(device), lengths).argmax(1).cpu() == y).sum().item()
    return correct / len(dataset)


@torch.no_grad()
def accuracy_by_length(model, max_length=EVAL_MAX_LENGTH, chunk=1 << 16):
    """Accuracy on every string of each length 0..max_length (2^L strings at length L).

    The strings of length L+1 are those of length L followed by a 0 or a 1, so
    one LSTM step on the 2^L states of length L gives the 2^(L+1) states of
    length L+1: 2^(max_length+1) steps in all, instead of max_length * 2^max_length.
    At most `chunk` states are held at a time (depth first beyond that)."""
    model.eval()
    device = next(model.parameters()).device
    correct = [0] * (max_length + 1)

    def visit(state, parity, length):
        correct[length] += (model.classifier(state[0][0]).argmax(1) == parity).sum().item()
        if length == max_length:
            return
        children = [(model.step(0, state), parity), (model.step(1, state), 1 - parity)]
        if 2 * len(parity) <= chunk:
            (s0, p0), (s1, p1) = children
            children = [((torch.cat([s0[0], s1[0]], 1), torch.cat([s0[1], s1[1]], 1)), torch.cat([p0, p1]))]
        for child_state, child_parity in children:
            visit(child_state, child_parity, length + 1)

    zeros = torch.zeros(1, 1, model.hidden_dim, device=device)
    visit((zeros, zeros), torch.zeros(1, dtype=torch.long, device=device), 0)
    return [hits / 2 ** length for length, hits in enumerate(correct)]


def shortest_failing_length(acc_by_length):
    """The shortest length with accuracy below 1, or None if every length is perfect."""
    return next((length for length, acc in enumerate(acc_by_length) if acc < 1.0), None)


# ---------------------------------------------------------------------------
# Experiments
# ---------------------------------------------------------------------------

# The skeleton's optimisation settings (no restarts).
DEFAULT_RECIPE = {"epochs": 2000, "lr": 0.003, "batch_size": 100, "restarts": 0, "give_up_after": None}
# What trains hidden size 1 (see REPORT.md section 2, Q7): a 10x larger learning
# rate, and a fresh initialisation when an attempt has not fit after 500 epochs.
HIDDEN1_RECIPE = {"epochs": 2000, "lr": 0.03, "batch_size": 100, "restarts": 3, "give_up_after": 500}


def train_on_parity(model, max_train_length, recipe, log_every=10):
    """Train `model` on Parity(train, max_train_length) with `recipe`; return its
    history plus `fit` (100% accuracy on the training set after training)."""
    train = Parity(split="train", max_length=max_train_length)
    loader = DataLoader(train, batch_size=recipe["batch_size"], shuffle=True, collate_fn=pad_collate)
    history = train_model(model, loader, epochs=recipe["epochs"], lr=recipe["lr"], log_every=log_every,
                          give_up_after=recipe["give_up_after"])
    history["fit"] = accuracy(model, train) == 1.0
    return history


def runParityExperiment(model, max_train_length, recipe=DEFAULT_RECIPE, out=None, log_every=10,
                        eval_max_length=EVAL_MAX_LENGTH):
    """Q5/Q6: train `model`, score it on every string of length 0..eval_max_length
    and, with `out`, save <model>_parity_generalization.png/.json and <model>_training.png."""
    start = time.perf_counter()
    print(f"training {model} on all {len(Parity('train', max_train_length))} strings of length 1..{max_train_length}")
    history = train_on_parity(model, max_train_length, recipe, log_every)
    acc_by_length = accuracy_by_length(model, eval_max_length)
    record = {"model": str(model), "max_train_length": max_train_length, "recipe": recipe,
              "fit": history["fit"], "epochs_to_fit": history["epochs_to_fit"],
              "acc_by_length": acc_by_length, "shortest_failing_length": shortest_failing_length(acc_by_length),
              "seconds": round(time.perf_counter() - start, 1), "history": history}
    print(f"{model}: training accuracy {'100%' if history['fit'] else 'below 100%'} "
          f"(first 100% epoch: {history['epochs_to_fit']}); accuracy by length 0..{eval_max_length}: "
          + " ".join(f"{acc:.2f}" for acc in acc_by_length))
    if out is not None:
        plot_run_generalization(acc_by_length, str(model), max_train_length,
                                out / f"{model}_parity_generalization.png")
        plot_training(history, str(model), max_train_length, out / f"{model}_training.png")
        utils.save_json(record, out / f"{model}_parity_generalization.json")
    return record


def sweep_run(hidden_dim, seed, max_train_length, recipe, device, eval_max_length=EVAL_MAX_LENGTH):
    """One Q7 run: seed, train a ParityLSTM(hidden_dim) with `recipe` and score it.

    With recipe["restarts"] > 0, an attempt that ends without fitting (or gives up,
    see train_model) starts again from a fresh initialisation (the seed's random
    stream goes on); `epochs_to_fit` then counts the epochs of every attempt."""
    utils.seed_everything(seed)
    spent = 0
    for attempt in range(1, recipe["restarts"] + 2):
        model = ParityLSTM(hidden_dim).to(device)
        history = train_on_parity(model, max_train_length, recipe, log_every=0)
        epochs_to_fit = None if history["epochs_to_fit"] is None else spent + history["epochs_to_fit"]
        spent += len(history["loss"])
        if history["fit"]:
            break
    acc_by_length = accuracy_by_length(model, eval_max_length)
    return {"hidden_dim": hidden_dim, "seed": seed, "fit": history["fit"], "attempts": attempt,
            "epochs_to_fit": epochs_to_fit, "epochs_trained": spent, "acc_by_length": acc_by_length,
            "shortest_failing_length": shortest_failing_length(acc_by_length)}


def sweep(plans, seeds, max_train_length, device, out, eval_max_length=EVAL_MAX_LENGTH):
    """Q7: each (name, hidden size, recipe) of `plans` over `seeds`; returns the
    summary entries and writes parity_sweep.json/.png."""
    runs = {}
    for name, hidden_dim, recipe in plans:
        runs[name] = []
        for seed in seeds:
            start = time.perf_counter()
            run = sweep_run(hidden_dim, seed, max_train_length, recipe, device, eval_max_length)
            run["seconds"] = round(time.perf_counter() - start, 1)
            runs[name].append(run)
            print(f"hidden {name:>8}  seed {seed}: fit {run['fit']!s:5}  epochs to fit {run['epochs_to_fit']!s:>5}  "
                  f"attempts {run['attempts']}  acc@{len(run['acc_by_length']) - 1} {run['acc_by_length'][-1]:.3f}  "
                  f"first length < 100%: {run['shortest_failing_length']}  ({run['seconds']:.1f} s)", flush=True)
    entries = {name: {"seeds": len(group), "fit": sum(r["fit"] for r in group),
                      "epochs_to_fit": [r["epochs_to_fit"] for r in group],
                      "acc_len20": [r["acc_by_length"][-1] for r in group],
                      "shortest_failing_length": [r["shortest_failing_length"] for r in group],
                      "recipe": recipe}
               for (name, _, recipe), group in zip(plans, runs.values())}
    utils.save_json({"max_train_length": max_train_length, "seeds": seeds, "runs": runs}, out / "parity_sweep.json")
    plot_sweep(runs, max_train_length, out / "parity_sweep.png")
    return entries


# ---------------------------------------------------------------------------
# Figures and the REPORT.md table
# ---------------------------------------------------------------------------

def plot_generalization(curves, max_train_length, title, path, ax=None):
    """Accuracy vs string length, one line per entry of `curves`; dashed line at the
    longest training length, dotted line at chance."""
    fig = None
    if ax is None:
        fig, ax = plt.subplots()
    for label, acc in curves.items():
        ax.plot(range(len(acc)), acc, marker="o", markersize=3, label=label)
    ax.axvline(max_train_length, color="gray", linestyle="--", label=f"longest training length ({max_train_length})")
    ax.axhline(0.5, color="black", linestyle=":", linewidth=1, label="chance (0.5)")
    ax.set(xlabel="string length", ylabel="accuracy (every string of that length)", ylim=(0.0, 1.05),
           xticks=range(0, max(len(acc) for acc in curves.values()), 2), title=title)
    ax.legend(fontsize=8)
    if fig is not None:
        utils.save_figure(fig, path)


def plot_run_generalization(acc_by_length, label, max_train_length, path):
    """Q6 figure: accuracy by length, and beside it how many strings of each length
    are wrong (errors of a few in a million are invisible on the accuracy scale)."""
    fig, (acc_ax, wrong_ax) = plt.subplots(1, 2, figsize=(12, 4.5))
    plot_generalization({label: acc_by_length}, max_train_length, f"{label}: accuracy on every string of each length",
                        None, ax=acc_ax)
    wrong = [round((1 - acc) * 2 ** length) for length, acc in enumerate(acc_by_length)]
    wrong_ax.bar(range(len(wrong)), wrong, color="tab:red", label="misclassified strings")
    wrong_ax.plot(range(len(wrong)), [2 ** length for length in range(len(wrong))], color="gray", linestyle=":",
                  label="all strings (2^length)")
    wrong_ax.axvline(max_train_length, color="gray", linestyle="--", label=f"longest training length ({max_train_length})")
    wrong_ax.set(xlabel="string length", ylabel="number of strings (log scale)", yscale="symlog",
                 xticks=range(0, len(wrong), 2), title=f"{label}: misclassified strings per length")
    wrong_ax.legend(fontsize=8, loc="upper left")
    utils.save_figure(fig, path)


def plot_training(history, label, max_train_length, path):
    """Training loss (log scale) and accuracy per epoch, with the first epoch at 100%."""
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(11, 4))
    epochs = range(1, len(history["loss"]) + 1)
    loss_ax.plot(epochs, history["loss"], label="training loss")
    loss_ax.axhline(np.log(2), color="black", linestyle=":", linewidth=1, label="chance (ln 2)")
    acc_ax.plot(epochs, history["acc"], color="tab:orange", label="training accuracy")
    acc_ax.axhline(0.5, color="black", linestyle=":", linewidth=1, label="chance (0.5)")
    for ax in (loss_ax, acc_ax):
        if history["epochs_to_fit"] is not None:
            ax.axvline(history["epochs_to_fit"], color="gray", linestyle="--",
                       label=f"first epoch at 100% ({history['epochs_to_fit']})")
        ax.set(xlabel="epoch", xscale="log")
        ax.legend(fontsize=8)
    loss_ax.set(ylabel="cross-entropy", yscale="log", title=f"{label}: training loss (lengths 1..{max_train_length})")
    acc_ax.set(ylabel="accuracy", ylim=(0.0, 1.05), title=f"{label}: training accuracy")
    utils.save_figure(fig, path)


def plot_sweep(runs, max_train_length, path):
    """Left: mean accuracy by length over the seeds of each hidden size; middle: the
    same, zoomed in; right: epochs to fit per seed (runs that never fit as crosses)."""
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(17, 4.8))
    curves = {f"hidden {name}": np.mean([r["acc_by_length"] for r in group], axis=0) for name, group in runs.items()}
    plot_generalization(curves, max_train_length, "mean accuracy over seeds", None, ax=left)
    plot_generalization(curves, max_train_length, "the same, zoomed in (lengths 1..20)", None, ax=middle)
    middle.set(ylim=(0.95, 1.002), xlim=(0.5, len(next(iter(curves.values()))) - 0.5))
    middle.get_legend().remove()
    ceiling = max(r["epochs_trained"] for group in runs.values() for r in group)
    for position, (name, group) in enumerate(runs.items()):
        fitted = [r["epochs_to_fit"] for r in group if r["fit"]]
        failed = len(group) - len(fitted)
        right.scatter([position] * len(fitted), fitted, color="tab:blue", s=18, alpha=0.7,
                      label="seed that fit" if position == 0 else None)
        if failed:
            right.scatter([position], [ceiling * 1.2], color="tab:red", marker="x",
                          label="seeds that never fit (count)" if position == 0 else None)
            right.annotate(f"{failed}", (position + 0.12, ceiling * 1.2), fontsize=8, color="tab:red", va="center")
        right.annotate(f"{len(fitted)}/{len(group)}", (position, ceiling * 1.8), ha="center", fontsize=8)
    right.set(xticks=range(len(runs)), xticklabels=list(runs), yscale="log", ylim=(None, ceiling * 2.4),
              xlabel="hidden size", ylabel="epochs to 100% training accuracy",
              title="epochs to fit (seeds that fit, out of all, on top)")
    right.legend(fontsize=8, loc="lower left")
    utils.save_figure(fig, path)


def format_accuracy(acc):
    """'1' only when every string is right; otherwise rounded down, so 0.99999 reads 0.9999."""
    return "1" if acc == 1.0 else f"{math.floor(acc * 1e4) / 1e4:.4f}"


def report_table(results_root):
    """REPORT.md's parity block: Q6 accuracy by length and the Q7 sweep."""
    path = results_root / "parity" / "summary.json"
    if not path.exists():
        return "_No results yet: run `python univariate_tester.py` and `python driver_parity.py [--sweep]`._"
    summary = utils.load_json(path)
    lines = []
    if "univariate_margin" in summary:
        lines += [f"Hand-set univariate LSTM: every string correct, margin min |h - 0.5| = "
                  f"{summary['univariate_margin']:.4f}.", ""]
    generalization = summary.get("generalization", {})
    if generalization:
        lengths = range(max(len(accs) for accs in generalization.values()))
        lines += ["| model | " + " | ".join(str(n) for n in lengths) + " |",
                  "|---|" + "---|" * len(lengths)]
        lines += [f"| LSTM-{h} | " + " | ".join(format_accuracy(acc) for acc in accs) + " |"
                  for h, accs in generalization.items()]
        lines += ["", "Accuracy by string length (every string of each length; trained on lengths 1..5; "
                  "below 1, rounded down to 4 decimals).", ""]
    if summary.get("sweep"):
        sweep_path = results_root / "parity" / "parity_sweep.json"
        runs = utils.load_json(sweep_path)["runs"] if sweep_path.exists() else {}
        lines += ["| hidden size | recipe | seeds fit | epochs to fit (per seed) | accuracy at length 20 "
                  "(mean, min-max) | first length below 100% (per seed) | empty string right | "
                  "first length >= 1 below 100% (per seed) |", "|---|---|---|---|---|---|---|---|"]
        for name, entry in summary["sweep"].items():
            recipe, accs, group = entry["recipe"], entry["acc_len20"], runs.get(name, [])
            from_one = [shortest_failing_length([1.0] + r["acc_by_length"][1:]) for r in group]
            lines.append(
                f"| {name.replace('-recipe', ' (recipe)')} | lr {recipe['lr']}, batch {recipe['batch_size']}, "
                f"{recipe['epochs']} epochs"
                + (f", up to {recipe['restarts']} restarts" if recipe["restarts"] else "")
                + (f" (after {recipe['give_up_after']} epochs unfit)" if recipe["give_up_after"] else "")
                + f" | {entry['fit']}/{entry['seeds']} | "
                + ", ".join("-" if e is None else str(e) for e in entry["epochs_to_fit"])
                + f" | {format_accuracy(np.mean(accs))} ({format_accuracy(min(accs))}-{format_accuracy(max(accs))}) | "
                + ", ".join("none" if n is None else str(n) for n in entry["shortest_failing_length"])
                + f" | {sum(r['acc_by_length'][0] == 1.0 for r in group)}/{len(group)} | "
                + ", ".join("none" if n is None else str(n) for n in from_one) + " |")
        lines += ["", "Q7 sweep: every run trained on lengths 1..5 and scored on every string of length 0..20. "
                  "'-': never reached 100% training accuracy; 'none': every length up to 20 perfect."]
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hidden-dim", type=int, default=64, help="LSTM hidden size for the single run (default: 64)")
    parser.add_argument("--max-length", type=int, default=5, help="train on all strings of length 1..N (default: 5)")
    parser.add_argument("--epochs", type=int, default=DEFAULT_RECIPE["epochs"], help="training epochs (default: 2000)")
    parser.add_argument("--lr", type=float, default=DEFAULT_RECIPE["lr"], help="Adam learning rate (default: 0.003)")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_RECIPE["batch_size"], help="batch size (default: 100)")
    parser.add_argument("--sweep", action="store_true",
                        help="Q7: hidden sizes 1, 2, 3, 4, 8, 16, 64 over --seeds seeds with --epochs/--lr/"
                             "--batch-size, then hidden size 1 with its own recipe (HIDDEN1_RECIPE)")
    parser.add_argument("--seeds", type=int, default=5, help="seeds per hidden size in --sweep (default: 5)")
    parser.add_argument("--eval-max-length", type=int, default=EVAL_MAX_LENGTH,
                        help="score every string of length 0..N after training (default: 20)")
    utils.add_common_args(parser, "parity")
    parser.set_defaults(seed=42)
    args = parser.parse_args()
    if args.max_length < 1 or args.hidden_dim < 1 or args.epochs < 1 or args.seeds < 1 or args.batch_size < 1:
        raise utils.UserError("--max-length, --hidden-dim, --epochs, --batch-size and --seeds must be positive")
    if not 0 <= args.eval_max_length <= 24:
        raise utils.UserError("--eval-max-length must be between 0 and 24")
    if args.lr <= 0:
        raise utils.UserError("--lr must be positive")
    out = utils.output_dir(args)
    device = utils.pick_device(args.device)

    recipe = {**DEFAULT_RECIPE, "epochs": args.epochs, "lr": args.lr, "batch_size": args.batch_size}
    if args.quick:
        args.eval_max_length = min(args.eval_max_length, 8)
        recipe["epochs"] = min(recipe["epochs"], 30)
        args.hidden_dim = min(args.hidden_dim, 8)
    if args.sweep:
        plans = [(str(h), h, recipe) for h in SWEEP_HIDDEN_DIMS] + [("1-recipe", 1, HIDDEN1_RECIPE)]
        seeds = list(range(args.seed, args.seed + args.seeds))
        if args.quick:
            plans = [(name, h, {**plan_recipe, "epochs": 20, "restarts": min(plan_recipe["restarts"], 1),
                                "give_up_after": None})
                     for name, h, plan_recipe in plans if h in (1, 4)]
            seeds = seeds[:2]
        start = time.perf_counter()
        update_summary(out, "sweep", sweep(plans, seeds, args.max_length, device, out, args.eval_max_length))
        update_summary(out, "sweep_seconds", round(time.perf_counter() - start, 1))
        return 0

    utils.seed_everything(args.seed)
    model = ParityLSTM(args.hidden_dim).to(device)
    record = runParityExperiment(model, args.max_length, recipe, out, 10, args.eval_max_length)
    utils.atomic_torch_save(model.state_dict(), (out if args.quick else utils.REPO_ROOT / "checkpoints" / "parity")
                            / f"{model}.pt")
    summary_path = out / "summary.json"
    generalization = utils.load_json(summary_path).get("generalization", {}) if summary_path.exists() else {}
    update_summary(out, "generalization", {**generalization, str(args.hidden_dim): record["acc_by_length"]})
    return 0


if __name__ == "__main__":
    utils.run_main(main)
