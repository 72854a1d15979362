"""Names/second of training an LSTM (1 layer, 200 hidden, one-hot letters, SGD)
at batch size 30 against batch size 1, in one process, with names_rnn's own
training loop.

    python benchmarks/names_batching.py           # about a minute
    python benchmarks/names_batching.py --quick   # seconds (smoke run)

Rows: plain packed batches of 30 shuffled names, and length-bucketed batches of
30 (names of similar length together, so a batch takes fewer RNN steps). The
names are random letters with the length histogram of the tutorial's 20,074
surnames, so no dataset is needed. The script also prints where a batch's time
goes (packing, forward, backward, optimiser step) and how many RNN steps a
batch takes.
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import time

import torch
from torch import nn

import benchmarks
from benchmarks import command_line
from names_rnn.data import N_LETTERS, NameBatches
from names_rnn.model import NameClassifier, pack_names, train_epoch

# length -> number of surnames with that length in data/names/*.txt (20,074 lines)
LENGTH_COUNTS = {2: 48, 3: 337, 4: 1320, 5: 2709, 6: 3924, 7: 3682, 8: 3068, 9: 2273, 10: 1460,
                 11: 712, 12: 324, 13: 121, 14: 46, 15: 13, 16: 8, 17: 24, 18: 3, 19: 1, 20: 1}
N_CLASSES = 18
TARGET = 6.0


def synthetic_pairs(count, seed=0):
    """(name, label) pairs of random ASCII letters with the real length histogram."""
    generator = torch.Generator().manual_seed(seed)
    lengths = torch.tensor(list(LENGTH_COUNTS))
    weights = torch.tensor(list(LENGTH_COUNTS.values()), dtype=torch.float)
    picks = lengths[torch.multinomial(weights, count, replacement=True, generator=generator)]
    letters = torch.randint(0, 26, (count, int(lengths.max())), generator=generator)
    labels = torch.randint(0, N_CLASSES, (count,), generator=generator)
    return [("".join(chr(97 + int(c)) for c in row[:n]), int(label))
            for row, n, label in zip(letters, picks, labels)]


def seconds_per_name(pairs, batch_size, bucket):
    """Wall seconds per name of one training pass (after a short warm-up)."""
    utils.seed_everything(0)
    model = NameClassifier(N_LETTERS, N_CLASSES, "lstm", hidden=200, layers=1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    warm_up = NameBatches(pairs[:5 * batch_size], batch_size, shuffle=True, bucket=bucket)
    train_epoch(model, warm_up, optimizer, 5.0, torch.device("cpu"), "warm-up")
    batches = NameBatches(pairs, batch_size, shuffle=True, bucket=bucket)
    start = time.perf_counter()
    train_epoch(model, batches, optimizer, 5.0, torch.device("cpu"), f"batch {batch_size}")
    return (time.perf_counter() - start) / len(pairs)


def breakdown(pairs, batch_size, bucket):
    """Milliseconds per batch in packing, forward, backward and the optimiser step,
    and the mean number of RNN steps per batch (its longest name)."""
    utils.seed_everything(0)
    model = NameClassifier(N_LETTERS, N_CLASSES, "lstm", hidden=200, layers=1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    totals = dict.fromkeys(["pack_ms", "forward_ms", "backward_ms", "step_ms"], 0.0)
    steps = []
    batches = NameBatches(pairs, batch_size, shuffle=True, bucket=bucket)
    for names, labels in batches:
        t0 = time.perf_counter()
        packed = pack_names(names)
        t1 = time.perf_counter()
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(packed), labels)
        t2 = time.perf_counter()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        t3 = time.perf_counter()
        optimizer.step()
        t4 = time.perf_counter()
        for key, seconds in zip(totals, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            totals[key] += 1000 * seconds
        steps.append(len(packed.batch_sizes))
    n = len(batches)
    return {**{k: round(v / n, 3) for k, v in totals.items()},
            "rnn_steps_per_batch": round(sum(steps) / n, 2),
            "mean_name_length": round(sum(len(name) for name, _ in pairs) / len(pairs), 2)}


def run(quick=False, seed=0):
    pairs = synthetic_pairs(300 if quick else 6000, seed)
    one = seconds_per_name(pairs[:60 if quick else 1500], 1, bucket=False)
    rows = []
    for label, bucket in (("plain packed", False), ("length-bucketed", True)):
        thirty = seconds_per_name(pairs, 30, bucket)
        details = breakdown(pairs[:300 if quick else 3000], 30, bucket)
        print(f"batch 30 {label}: {1 / thirty:.0f} names/s vs batch 1 {1 / one:.0f} names/s; "
              f"per batch {details}")
        rows.append({"name": f"names LSTM-200 training, batch 30 {label} (s per 1000 names)",
                     "ours_s": 1000 * thirty, "reference": "batch size 1",
                     "reference_s": 1000 * one,
                     "ratio": one / thirty, "batch30_breakdown": details,
                     **({"target": f">= {TARGET:g}x names/s of batch 1",
                         "met": one / thirty >= TARGET} if bucket
                        else {"target": "none (plain packing, for comparison)", "met": None})})
    return rows


def build_parser():
    return benchmarks.build_parser(__doc__)


if __name__ == "__main__":
    command_line(__doc__, "names_batching.json", run)
