"""Names/second of training an LSTM (1 layer, 200 hidden, one-hot letters, SGD)
at batch size 30 against batch size 1, in one process, with names_rnn's own
training loop.

    python benchmarks/names_batching.py           # about a minute
    python benchmarks/names_batching.py --quick   # seconds (smoke run)

Rows: plain packed batches of 30 shuffled names, and length-bucketed batches of
30 (names of one length together, so a batch takes no wasted RNN steps and runs
as one dense block). The names are random letters with the length histogram of
the tutorial's 20,074 surnames, so no dataset is needed. The script also prints
where a batch's time goes (building the packed batch, forward, backward,
optimiser step) and how many RNN steps a batch takes.

Everything runs in this process's main thread with one torch thread (as each run
of `run_all.py --jobs 2` trains), timed by that thread's CPU time, so other jobs
on the machine slow nothing that is counted; batch size 1 and the two batch-30
loops alternate in rounds, and the fastest round of each counts.
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import time

import torch
from torch import nn

import benchmarks
from benchmarks import command_line
from names_rnn.data import N_LETTERS, NameBatches
from names_rnn.model import NameClassifier, train_epoch

# length -> number of surnames with that length in data/names/*.txt (20,074 lines)
LENGTH_COUNTS = {2: 48, 3: 337, 4: 1320, 5: 2709, 6: 3924, 7: 3682, 8: 3068, 9: 2273, 10: 1460,
                 11: 712, 12: 324, 13: 121, 14: 46, 15: 13, 16: 8, 17: 24, 18: 3, 19: 1, 20: 1}
N_CLASSES = 18
TARGET = 12.0
CPU = torch.device("cpu")


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


def fresh_model():
    """The Task 2B model and optimiser, from the same initial weights every time."""
    utils.seed_everything(0)
    model = NameClassifier(N_LETTERS, N_CLASSES, "lstm", hidden=200, layers=1)
    return model, torch.optim.SGD(model.parameters(), lr=0.1)


def seconds_per_name(pairs, batch_size, bucket):
    """CPU seconds per name of one training pass of a fresh model."""
    model, optimizer = fresh_model()
    batches = NameBatches(pairs, batch_size, shuffle=True, bucket=bucket)
    start = time.thread_time()
    train_epoch(model, batches, optimizer, 5.0, CPU, f"batch {batch_size}")
    return (time.thread_time() - start) / len(pairs)


def breakdown(pairs, batch_size, bucket):
    """CPU milliseconds per batch in building the packed batch, forward, backward
    and the optimiser step, and the mean number of RNN steps per batch (its longest
    name)."""
    model, optimizer = fresh_model()
    totals = dict.fromkeys(["batch_ms", "forward_ms", "backward_ms", "step_ms"], 0.0)
    steps = []
    batches = NameBatches(pairs, batch_size, shuffle=True, bucket=bucket)
    for index in batches.batch_indices():
        t0 = time.thread_time()
        packed, labels = batches.batch(index)
        t1 = time.thread_time()
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(packed), labels)
        t2 = time.thread_time()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        t3 = time.thread_time()
        optimizer.step()
        t4 = time.thread_time()
        for key, seconds in zip(totals, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            totals[key] += 1000 * seconds
        steps.append(len(packed.batch_sizes))
    n = len(steps)
    return {**{k: round(v / n, 3) for k, v in totals.items()},
            "rnn_steps_per_batch": round(sum(steps) / n, 2),
            "mean_name_length": round(sum(len(name) for name, _ in pairs) / len(pairs), 2)}


def measure(quick, seed):
    pairs = synthetic_pairs(300 if quick else 6000, seed)
    rounds, n_one = (1, 60) if quick else (5, 1500)
    loops = {"batch size 1": lambda: seconds_per_name(pairs[:n_one], 1, bucket=False),
             "plain packed": lambda: seconds_per_name(pairs, 30, bucket=False),
             "length-bucketed": lambda: seconds_per_name(pairs, 30, bucket=True)}
    seconds_per_name(pairs[:5 * 30], 30, bucket=True)  # warm-up
    times = {key: [] for key in loops}
    for _ in range(rounds):
        for key, loop in loops.items():
            times[key].append(loop())
    one = min(times.pop("batch size 1"))
    rows = []
    for label, values in times.items():
        thirty, bucket = min(values), label == "length-bucketed"
        details = breakdown(pairs[:300 if quick else 3000], 30, bucket)
        print(f"batch 30 {label}: {1 / thirty:.0f} names/s vs batch 1 {1 / one:.0f} names/s; "
              f"per batch {details}", flush=True)
        rows.append({"name": f"names LSTM-200 training, batch 30 {label} (CPU s per 1000 names)",
                     "ours_s": 1000 * thirty, "reference": "batch size 1",
                     "reference_s": 1000 * one, "ratio": one / thirty,
                     "clock": "main thread's CPU time", "rounds": rounds,
                     "batch30_breakdown": details, "threads": torch.get_num_threads(),
                     **({"target": f">= {TARGET:g}x names/s of batch 1",
                         "met": one / thirty >= TARGET} if bucket
                        else {"target": "none (plain packing, for comparison)", "met": None})})
    return rows


run = benchmarks.on_one_thread(measure)


def build_parser():
    return benchmarks.build_parser(__doc__)


if __name__ == "__main__":
    command_line(__doc__, "names_batching.json", run)
