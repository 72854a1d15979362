"""Q5-Q7: train LSTMs to compute the parity of bit strings, and see how far they generalise.

The names follow the course skeleton: the `Parity` dataset and `pad_collate`
(parity/data.py), `ParityLSTM`, `train_model` and `runParityExperiment`; the
scoring is in parity/evaluation.py, the figures in parity/figures.py. Each
model trains on every string of length 1..5 and is then scored on every string of
every length 0..20 and (but for the sweep) on 10,000 uniform random strings of
length 1,000 after every prefix: the LSTM reads each string once and its state after the first L
bits scores length L, so each length 1..1,000 gets 10,000 uniform random strings
(lengths up to 13 repeat strings; the exhaustive check covers those). The
strings come from NumPy's generator seeded with --seed: first 1,000 validation
strings (settings are chosen on them), then the test strings. A run trains one
model per hidden size and seed; the named settings are in parity/configs.py.

    python driver_parity.py                    # Q5/Q6: LSTM-64, seed 42
    python driver_parity.py --config sweep     # Q7: hidden sizes 1..64, seeds 42-46
    python driver_parity.py --config hidden1   # Q6/Q7: the settings that fit hidden size 1
    python driver_parity.py --config lstm64_decay   # Q6: LSTM-64 right to length 1,000

A run of one model saves its training curve and its errors per length; a run of
several saves the mean accuracy by length and the epochs to fit per hidden size.
The run's JSON is rewritten after every model, and a run started again with the
same settings keeps the models an interrupted one finished.
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import argparse
import json
import time

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence
from torch.utils.data import DataLoader

import store
from parity.configs import CONFIGS
from parity.data import Parity, pad_collate
from parity.evaluation import (EVAL_MAX_LENGTH, VALIDATION_SAMPLES, accuracy, accuracy_by_length,
                               accuracy_by_prefix, shortest_failing_length,
                               validation_and_test_strings)
from parity.figures import plot_run_generalization, plot_sweep, plot_training
from parity.resume import finished_models

QUICK = {"epochs": 30, "eval_max_length": 8, "seeds": 2, "restarts": 1, "long_length": 50,
         "long_samples": 200}  # upper bounds for --quick
QUICK_SIZE, QUICK_SIZES = 8, 2


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
            rows = nonempty.to(x.device)
            final = final.index_copy(0, rows, self.final_state(x[rows], s[nonempty]))
        return self.classifier(final)

    def final_state(self, x, s):
        """The LSTM's hidden state after each (non-empty) string's last bit."""
        packed = pack_padded_sequence(x.unsqueeze(-1), s.cpu(), batch_first=True,
                                      enforce_sorted=False)
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

def train_model(model, loader, epochs=2000, lr=0.003, weight_decay=1e-5, log_every=10,
                give_up_after=None):
    """Adam on cross-entropy. An epoch's accuracy is that of the predictions made
    during the epoch (before each batch's update), as in the skeleton.

    Returns {"loss": [...], "acc": [...], "epochs_to_fit": first epoch at 100% or None}.
    With give_up_after=N, training stops after epoch N if no epoch has reached 100% yet."""
    device = next(model.parameters()).device
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay,
                                 foreach=True)
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
            print(f"epoch {epoch:5d}  loss {history['loss'][-1]:.4f}  "
                  f"train acc {history['acc'][-1]:.3f}")
        if history["epochs_to_fit"] is None and correct == seen:
            history["epochs_to_fit"] = epoch
        unfit = history["epochs_to_fit"] is None
        if unfit and give_up_after is not None and epoch >= give_up_after:
            break
    return history


# ---------------------------------------------------------------------------
# Experiments
# ---------------------------------------------------------------------------

def train_on_parity(model, max_train_length, recipe, log_every=10):
    """Train `model` on Parity(train, max_train_length) with `recipe`; return its
    history plus `fit` (100% accuracy on the training set after training)."""
    train = Parity(split="train", max_length=max_train_length)
    loader = DataLoader(train, batch_size=recipe["batch_size"], shuffle=True,
                        collate_fn=pad_collate)
    history = train_model(model, loader, epochs=recipe["epochs"], lr=recipe["lr"],
                          weight_decay=recipe["weight_decay"], log_every=log_every,
                          give_up_after=recipe["give_up_after"])
    history["fit"] = accuracy(model, train) == 1.0
    return history


def runParityExperiment(hidden_dim, seed, max_train_length, recipe, device,
                        eval_max_length=EVAL_MAX_LENGTH, log_every=0, long_strings=None):
    """Q5-Q7: seed, train a ParityLSTM(hidden_dim) with `recipe` and score it on
    every string of length 0..eval_max_length and, given (validation, test)
    `long_strings`, after every prefix of those; returns (model, record).

    With recipe["restarts"] > 0, an attempt that ends without fitting (or gives up,
    see train_model) starts again from a fresh initialisation (the seed's random
    stream goes on); `epochs_to_fit` then counts the epochs of every attempt."""
    start = time.perf_counter()
    utils.seed_everything(seed)
    spent = 0
    for attempt in range(1, recipe["restarts"] + 2):
        model = ParityLSTM(hidden_dim).to(device)
        history = train_on_parity(model, max_train_length, recipe, log_every)
        epochs_to_fit = (None if history["epochs_to_fit"] is None
                         else spent + history["epochs_to_fit"])
        spent += len(history["loss"])
        if history["fit"]:
            break
    acc_by_length = accuracy_by_length(model, eval_max_length)
    long = None
    if long_strings is not None:
        validation, test = long_strings
        long = {"validation_strings": len(validation), "test_strings": len(test),
                "lengths": list(range(1, test.shape[1] + 1)),
                "validation_acc": accuracy_by_prefix(model, validation),
                "test_acc": accuracy_by_prefix(model, test)}
    return model, {"hidden_dim": hidden_dim, "seed": seed, "fit": history["fit"],
                   "attempts": attempt, "epochs_to_fit": epochs_to_fit, "epochs_trained": spent,
                   "acc_by_length": acc_by_length,
                   "shortest_failing_length": shortest_failing_length(acc_by_length),
                   "shortest_failing_length_nonempty": shortest_failing_length(acc_by_length, 1),
                   "long": long,
                   "seconds": round(time.perf_counter() - start, 1), "history": history}


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

def build_parser():
    parser = argparse.ArgumentParser(allow_abbrev=False, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    utils.add_config_argument(parser, CONFIGS)
    parser.add_argument("--hidden-dims", type=utils.bounded_int(1, 1024), nargs="+", metavar="H",
                        help="LSTM hidden sizes, one model per size and seed "
                             "(default: %(default)s)")
    parser.add_argument("--seeds", type=utils.bounded_int(1, 100),
                        help="seeds per hidden size: --seed, --seed + 1, ... "
                             "(default: %(default)s)")
    parser.add_argument("--max-length", type=utils.bounded_int(1, 12), default=5,
                        help="train on all strings of length 1..N (default: %(default)s; at "
                             "most 12, 8,190 strings per epoch)")
    parser.add_argument("--epochs", type=utils.bounded_int(1, 20_000),
                        help="training epochs per attempt (default: %(default)s)")
    parser.add_argument("--lr", type=utils.positive_float,
                        help="Adam learning rate (default: %(default)s)")
    parser.add_argument("--weight-decay", type=utils.non_negative_float,
                        help="Adam's L2 penalty (default: %(default)s)")
    parser.add_argument("--batch-size", type=utils.positive_int,
                        help="batch size (default: %(default)s)")
    parser.add_argument("--restarts", type=utils.bounded_int(0, 10),
                        help="fresh initialisations after an attempt that did not fit "
                             "(default: %(default)s)")
    parser.add_argument("--give-up-after", type=utils.positive_int, metavar="N",
                        help="end an attempt after N epochs without a 100%% epoch "
                             "(default: never)")
    parser.add_argument("--eval-max-length", type=utils.bounded_int(0, 24),
                        default=EVAL_MAX_LENGTH,
                        help="score every string of length 0..N after training "
                             "(default: %(default)s)")
    parser.add_argument("--long-length", type=utils.bounded_int(0, 10_000), metavar="L",
                        help="score random strings of L bits after every prefix, 0 for none "
                             "(default: %(default)s)")
    parser.add_argument("--long-samples", type=utils.bounded_int(1, 100_000), metavar="N",
                        help="test strings of --long-length bits, after "
                             f"min(N, {VALIDATION_SAMPLES:,}) validation strings "
                             "(default: %(default)s)")
    parser.add_argument("--tag", type=utils.tag, default=None,
                        help="name of the run's files (default: the config's name)")
    utils.add_common_args(parser, "parity")
    parser.set_defaults(seed=42, **next(iter(CONFIGS.values())))  # --help: the first config
    return parser


def parse_args(argv=None):
    args = utils.parse_args(build_parser(), argv)
    if args.quick:  # at most QUICK_SIZES hidden sizes, each at most QUICK_SIZE
        sizes = sorted({min(h, QUICK_SIZE) for h in args.hidden_dims})
        args.hidden_dims = sizes[:QUICK_SIZES]
    utils.apply_quick(args, QUICK)
    return args


def main(argv=None):
    args = parse_args(argv)
    out = utils.output_dir(args)
    device = utils.pick_device(args.device)
    name = args.tag or args.config
    with store.run_lock(out, name):  # one writer per run name and folder
        return run(args, out, name, device)


def run(args, out, name, device):
    """Train and score one model per hidden size and seed; write <name>.json and figures."""
    settings = json.loads(json.dumps(utils.run_settings(args)))
    recipe = {key: getattr(args, key)
              for key in ("epochs", "lr", "weight_decay", "batch_size", "restarts",
                          "give_up_after")}
    long_strings = (validation_and_test_strings(args.long_length, args.long_samples, args.seed)
                    if args.long_length else None)
    plan = [(hidden_dim, seed) for hidden_dim in args.hidden_dims
            for seed in range(args.seed, args.seed + args.seeds)]
    single = len(plan) == 1
    path = out / f"{name}.json"
    finished = {} if single else finished_models(path, settings)
    result = {"script": "driver_parity.py", "settings": settings,
              "max_train_length": args.max_length, "environment": utils.environment(),
              "complete": False, "runs": []}
    if single:
        print(f"training LSTM-{plan[0][0]} on all "
              f"{len(Parity('train', args.max_length))} strings of length 1..{args.max_length}")
    for hidden_dim, seed in plan:
        record = finished.get((hidden_dim, seed))
        kept = record is not None
        if not kept:
            model, record = runParityExperiment(hidden_dim, seed, args.max_length, recipe, device,
                                                args.eval_max_length, 10 if single else 0,
                                                long_strings)
            if not single:
                del record["history"]  # 2000 epochs x 2 numbers per model: only the figure's
        print(f"hidden {hidden_dim:>3}  seed {seed}: fit {record['fit']!s:5}  "
              f"epochs to fit {record['epochs_to_fit']!s:>5}  attempts {record['attempts']}  "
              f"acc@{args.eval_max_length} {record['acc_by_length'][-1]:.4f}  "
              f"first length < 100%: {record['shortest_failing_length']}  "
              + (f"lowest accuracy at 1..{args.long_length}: validation "
                 f"{min(record['long']['validation_acc']):.4f}, test "
                 f"{min(record['long']['test_acc']):.4f}  " if record["long"] else "")
              + f"({record['seconds']:.1f} s{', kept from the interrupted run' if kept else ''})",
              flush=True)
        result["runs"].append(record)
        result["seconds"] = round(sum(r["seconds"] for r in result["runs"]), 1)
        store.save_json(result, path)
        if not single:  # the sweep's figure after every model, so Ctrl-C keeps one
            plot_sweep(result["runs"], args.max_length, out / f"{name}.png")
    result["complete"] = True
    store.save_json(result, path)
    if single:
        label = f"LSTM-{plan[0][0]}"
        plot_training(record["history"], label, args.max_length, out / f"{name}_training.png")
        plot_run_generalization(record["acc_by_length"], label, args.max_length,
                                out / f"{name}_generalization.png")
        store.atomic_torch_save(model.state_dict(), utils.checkpoint_dir(args, out) / f"{name}.pt")
    return 0


if __name__ == "__main__":
    utils.run_main(main)
