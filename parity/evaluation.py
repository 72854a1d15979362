"""Scoring a trained parity LSTM: on a dataset, on every string of each length (by
extending the states of the strings one bit shorter), and after every prefix of
uniform random long strings (drawn here: validation strings first, then test)."""
import numpy as np
import torch
from torch.utils.data import DataLoader

from parity.data import pad_collate, random_strings

EVAL_MAX_LENGTH = 20
VALIDATION_SAMPLES = 1000  # random long strings that settings are chosen on


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
            merged = (torch.cat([s0[0], s1[0]], 1), torch.cat([s0[1], s1[1]], 1))
            children = [(merged, torch.cat([p0, p1]))]
        for child_state, child_parity in children:
            visit(child_state, child_parity, length + 1)

    zeros = torch.zeros(1, 1, model.hidden_dim, device=device)
    visit((zeros, zeros), torch.zeros(1, dtype=torch.long, device=device), 0)
    return [hits / 2 ** length for length, hits in enumerate(correct)]


@torch.no_grad()
def accuracy_by_prefix(model, strings, budget=1 << 25):
    """Accuracy after each prefix of an N x T 0/1 array of strings: entry L-1 scores
    the state after the first L bits of every string against their parity.

    One pass over the strings gives all T lengths; at most `budget` hidden values
    (N x T x hidden size) are held at a time."""
    model.eval()
    device = next(model.parameters()).device
    count, length = strings.shape
    correct = torch.zeros(length, dtype=torch.long)
    rows = max(1, budget // (length * model.hidden_dim))
    for start in range(0, count, rows):
        bits = torch.as_tensor(strings[start:start + rows], dtype=torch.float32)
        states, _ = model.lstm(bits.unsqueeze(-1).to(device))
        predicted = model.classifier(states).argmax(-1).cpu()
        correct += (predicted == torch.cumsum(bits, 1).remainder(2).long()).sum(0)
    return (correct.double() / count).tolist()


def validation_and_test_strings(length, samples, seed):
    """(validation, test) uniform random strings of `length` bits: VALIDATION_SAMPLES
    (at most `samples`) drawn first, then `samples` test strings."""
    rng = np.random.default_rng(seed)
    return (random_strings(rng, min(VALIDATION_SAMPLES, samples), length),
            random_strings(rng, samples, length))


def shortest_failing_length(acc_by_length, start=0):
    """The shortest length >= start with accuracy below 1, or None if all are perfect."""
    return next((length for length, acc in enumerate(acc_by_length)
                 if length >= start and acc < 1.0), None)
