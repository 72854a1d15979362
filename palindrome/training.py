"""What train.py and experiment.py share: the models by name, the exercise's
flags, the input encoding, and one training run.

Training uses RMSProp on the cross-entropy of the last step's logits, clips the
gradient norm to --max_norm, scores a slice of the held-out set (--check_size
palindromes) every --eval_every steps, stops early once that slice is all right,
and finally scores the whole held-out set (--eval_size palindromes).
"""
import argparse
import time

import torch
from torch import nn

import utils
from palindrome.dataset import PalindromeDataset
from palindrome.lstm import LSTM
from palindrome.vanilla_rnn import VanillaRNN

MODELS = {"RNN": VanillaRNN, "LSTM": LSTM}
NUM_DIGITS = 10
MAX_LENGTH = 1000  # longest palindrome a run may ask for (the loop runs once per digit)


def add_model_args(parser):
    """The flags of one training run that a sweep shares across its runs."""
    parser.add_argument("--input_dim", type=int, choices=(1, NUM_DIGITS), default=1,
                        help="1: each digit as a number; 10: each digit one-hot "
                             "(default: %(default)s)")
    parser.add_argument("--num_hidden", type=utils.bounded_int(1, 4096), default=128,
                        help="hidden units (default: %(default)s)")
    parser.add_argument("--batch_size", type=utils.bounded_int(1, 65536), default=128,
                        help="palindromes per step (default: %(default)s)")
    parser.add_argument("--learning_rate", type=utils.positive_float, default=0.001,
                        help="RMSProp learning rate (default: %(default)s)")
    parser.add_argument("--max_norm", type=utils.positive_float, default=10.0,
                        help="gradient-norm clip (default: %(default)s)")
    parser.add_argument("--eval_size", type=utils.bounded_int(1, 1_000_000), default=10000,
                        help="held-out palindromes scored at the end (default: %(default)s)")
    parser.add_argument("--eval_every", type=utils.bounded_int(1, 1_000_000), default=100,
                        help="steps between early-stopping checks (default: %(default)s)")
    parser.add_argument("--check_size", type=utils.bounded_int(1, 1_000_000), default=1000,
                        help="held-out palindromes scored at each check, at most --eval_size; "
                             "training stops once all are right (default: %(default)s)")
    return parser


def train_parser(description=None):
    """The complete flags of palindrome/train.py: the exercise's (--model_type,
    --input_length, --input_dim, --num_classes, --num_hidden, --batch_size,
    --learning_rate, --train_steps, --max_norm, --device) and ours."""
    parser = argparse.ArgumentParser(description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model_type", choices=sorted(MODELS), default="RNN",
                        help="RNN or LSTM (default: %(default)s)")
    parser.add_argument("--input_length", type=utils.bounded_int(1, MAX_LENGTH - 1), default=4,
                        help="digits seen, T-1 (default: %(default)s, the sanity check's T = 5)")
    parser.add_argument("--num_classes", type=int, choices=(NUM_DIGITS,), default=NUM_DIGITS,
                        help="output classes: the 10 digits")
    add_model_args(parser)
    parser.add_argument("--train_steps", type=utils.bounded_int(1, 1_000_000), default=10000,
                        help="most training steps (default: %(default)s)")
    return utils.add_common_args(parser, "palindrome")


def check_sizes(parser, args):
    """The one rule between flags: the check slice comes from the held-out set."""
    if args.check_size > args.eval_size:
        parser.error(f"--check_size {args.check_size} is larger than --eval_size {args.eval_size}")
    return args


QUICK_STEPS = 1500  # most steps of a --quick run: enough for T = 5 at the quick settings


def quick_settings(args):
    """Shrink the shared flags for a seconds-long run: a small network, a small
    held-out set, checks every 100 steps, a learning rate of at least 0.01."""
    args.num_hidden, args.eval_size, args.eval_every = 32, 2000, 100
    args.check_size = min(args.check_size, args.eval_size)
    args.learning_rate = max(args.learning_rate, 0.01)
    return args


def encode(digits, input_dim):
    """Digits (batch, T) as the network's input: themselves, or one-hot (batch, T, 10)."""
    if input_dim == NUM_DIGITS:
        return nn.functional.one_hot(digits.long(), NUM_DIGITS).float()
    return digits


@torch.no_grad()
def accuracy(model, inputs, labels, input_dim, batch_size=2000):
    """Fraction of `labels` the model gets right (scored in chunks)."""
    model.eval()
    correct = sum((model(encode(x, input_dim)).argmax(1) == y).sum().item()
                  for x, y in zip(inputs.split(batch_size), labels.split(batch_size)))
    model.train()
    return correct / len(labels)


def train(config, device=torch.device("cpu"), log=print, save=None):
    """Train one model as `config` says (model_type, input_length, seed and the
    flags above); return the run's record.

    The record holds the learning curve (step, loss, check accuracy, examples/s),
    the final held-out accuracy and the wall time. `save(record)` is called after
    every evaluation with the record so far ("finished": false), and at the end.
    """
    utils.seed_everything(config.seed)
    seq_length = config.input_length + 1
    dataset = PalindromeDataset(seq_length, seed=config.seed)
    held_inputs, held_labels = dataset.held_out(config.eval_size)
    check_inputs = held_inputs[:config.check_size].to(device)
    check_labels = held_labels[:config.check_size].to(device)
    model = MODELS[config.model_type](config.input_length, config.input_dim, config.num_hidden,
                                      config.num_classes, device=device)
    optimizer = torch.optim.RMSprop(model.parameters(), lr=config.learning_rate)
    name = f"[{config.model_type} T={seq_length} seed {config.seed}]"
    record = {"palindrome_length": seq_length, "finished": False, "steps": 0,
              "held_out_accuracy": None, "seconds": 0.0, "history": [],
              "threads": torch.get_num_threads()}
    history, start = record["history"], time.perf_counter()
    window_loss, window_start = 0.0, time.perf_counter()
    for step in range(1, config.train_steps + 1):
        digits, labels = dataset.batch(config.batch_size)
        logits = model(encode(digits, config.input_dim).to(device))
        loss = nn.functional.cross_entropy(logits, labels.to(device))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=config.max_norm)
        optimizer.step()
        window_loss += utils.check_finite(loss.detach(), f"step {step}")
        if step % config.eval_every and step != config.train_steps:
            continue
        steps_in_window = step - (history[-1]["step"] if history else 0)
        check = accuracy(model, check_inputs, check_labels, config.input_dim)
        speed = steps_in_window * config.batch_size / (time.perf_counter() - window_start)
        history.append({"step": step, "loss": window_loss / steps_in_window,
                        "check_accuracy": check, "examples_per_s": speed})
        record.update(steps=step, seconds=round(time.perf_counter() - start, 2))
        if save is not None:
            save(record)
        log(f"{name} step {step:5d}  loss {history[-1]['loss']:.4f}  check acc {check:.4f}  "
            f"{speed:,.0f} examples/s")
        window_loss, window_start = 0.0, time.perf_counter()
        if check >= 1.0:
            break
    record["held_out_accuracy"] = accuracy(model, held_inputs.to(device), held_labels.to(device),
                                           config.input_dim)
    record.update(finished=True, seconds=round(time.perf_counter() - start, 2))
    log(f"{name} held-out accuracy {record['held_out_accuracy']:.4f} after {record['steps']} "
        f"steps, {record['seconds']:.1f} s")
    if save is not None:
        save(record)
    return record
