"""Train the vanilla RNN or the LSTM to name the last digit of a palindrome.

    python palindrome/train.py --model_type LSTM --input_length 10
    python palindrome/train.py --quick

Flags and defaults follow the exercise's train.py (input_length is T-1). Training
uses RMSProp on the cross-entropy of the last step's logits, clips the gradient
norm to --max_norm, checks accuracy on a slice of the held-out set every
--eval_every steps, stops early once that accuracy reaches --stop_accuracy, and
finally scores the whole held-out set (--eval_size palindromes).
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


def add_training_args(parser):
    """The exercise's flags (shared with experiment.py), plus ours."""
    parser.add_argument("--model_type", choices=sorted(MODELS), default="RNN", help="RNN or LSTM (default: RNN)")
    parser.add_argument("--input_length", type=int, default=10, help="digits seen, T-1 (default: 10)")
    parser.add_argument("--input_dim", type=int, default=1, help="1: each digit as a number (default: 1)")
    parser.add_argument("--one_hot", action="store_true", help="feed digits as 10-d one-hot vectors (sets input_dim 10)")
    parser.add_argument("--num_classes", type=int, default=10, help="output classes (default: 10)")
    parser.add_argument("--num_hidden", type=int, default=128, help="hidden units (default: 128)")
    parser.add_argument("--batch_size", type=int, default=128, help="palindromes per step (default: 128)")
    parser.add_argument("--learning_rate", type=float, default=0.001, help="RMSProp learning rate (default: 0.001)")
    parser.add_argument("--train_steps", type=int, default=10000, help="most training steps (default: 10000)")
    parser.add_argument("--max_norm", type=float, default=10.0, help="gradient-norm clip (default: 10.0)")
    parser.add_argument("--eval_size", type=int, default=10000, help="held-out palindromes scored at the end (default: 10000)")
    parser.add_argument("--eval_every", type=int, default=100, help="steps between early-stopping checks (default: 100)")
    parser.add_argument("--check_size", type=int, default=1000,
                        help="held-out palindromes scored at each check (default: 1000)")
    parser.add_argument("--stop_accuracy", type=float, default=1.0,
                        help="stop once the check accuracy reaches this (default: 1.0)")
    return parser


def encode(digits, one_hot):
    """Digits (batch, T) as the network's input: themselves, or one-hot (batch, T, 10)."""
    if one_hot:
        return nn.functional.one_hot(digits.long(), NUM_DIGITS).float()
    return digits


@torch.no_grad()
def accuracy(model, inputs, labels, one_hot, batch_size=2000):
    """Fraction of `labels` the model gets right (scored in chunks)."""
    model.eval()
    correct = sum((model(encode(x, one_hot)).argmax(1) == y).sum().item()
                  for x, y in zip(inputs.split(batch_size), labels.split(batch_size)))
    model.train()
    return correct / len(labels)


def train(config, device=torch.device("cpu"), log=print):
    """Train one model as `config` says (an argparse namespace); return the run's record.

    The record holds the settings, the learning curve (step, loss, check accuracy,
    examples/s), the final held-out accuracy and the wall time.
    """
    utils.seed_everything(config.seed)
    input_dim = NUM_DIGITS if config.one_hot else config.input_dim
    seq_length = config.input_length + 1
    dataset = PalindromeDataset(seq_length, seed=config.seed)
    held_inputs, held_labels = dataset.held_out(config.eval_size)
    check_inputs, check_labels = held_inputs[:config.check_size], held_labels[:config.check_size]
    model = MODELS[config.model_type](config.input_length, input_dim, config.num_hidden,
                                      config.num_classes, device=device)
    optimizer = torch.optim.RMSprop(model.parameters(), lr=config.learning_rate)

    history, start, steps_done = [], time.perf_counter(), 0
    window_loss, window_start = 0.0, time.perf_counter()
    for step in range(1, config.train_steps + 1):
        digits, labels = dataset.batch(config.batch_size)
        logits = model(encode(digits, config.one_hot).to(device))
        loss = nn.functional.cross_entropy(logits, labels.to(device))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=config.max_norm)
        optimizer.step()
        window_loss += utils.check_finite(loss.detach(), f"step {step}")
        steps_done = step
        if step % config.eval_every == 0 or step == config.train_steps:
            steps_in_window = step - (history[-1]["step"] if history else 0)
            check = accuracy(model, check_inputs.to(device), check_labels.to(device), config.one_hot)
            speed = steps_in_window * config.batch_size / (time.perf_counter() - window_start)
            history.append({"step": step, "loss": window_loss / steps_in_window, "check_accuracy": check,
                            "examples_per_s": speed})
            log(f"[{config.model_type} T={seq_length} seed {config.seed}] step {step:5d}  "
                f"loss {history[-1]['loss']:.4f}  check acc {check:.4f}  {speed:,.0f} examples/s")
            window_loss, window_start = 0.0, time.perf_counter()
            if check >= config.stop_accuracy:
                break
    held_out = accuracy(model, held_inputs.to(device), held_labels.to(device), config.one_hot)
    seconds = time.perf_counter() - start
    log(f"[{config.model_type} T={seq_length} seed {config.seed}] held-out accuracy {held_out:.4f} "
        f"after {steps_done} steps, {seconds:.1f} s")
    settings = {k: v for k, v in vars(config).items() if k not in {"out", "data_dir", "device", "part"}}
    return {"settings": settings, "palindrome_length": seq_length, "steps": steps_done,
            "held_out_accuracy": held_out, "seconds": round(seconds, 2), "history": history,
            "threads": torch.get_num_threads()}


def check_settings(config):
    """One clear error for a setting no run can use (before --quick shrinks anything)."""
    for flag in ("input_length", "num_hidden", "batch_size", "train_steps", "eval_size", "eval_every"):
        if getattr(config, flag) < 1:
            raise utils.UserError(f"--{flag} must be at least 1, got {getattr(config, flag)}")
    if config.learning_rate <= 0 or config.max_norm <= 0:
        raise utils.UserError("--learning_rate and --max_norm must be positive")


def quick_settings(config):
    """Shrink a run to seconds: short palindromes, small network, few steps."""
    config.input_length, config.num_hidden = 4, 32
    config.train_steps, config.eval_size, config.eval_every = min(config.train_steps, 1500), 2000, 100
    config.learning_rate = max(config.learning_rate, 0.01)
    torch.set_num_threads(1)  # tiny matrices: extra threads only add overhead
    return config


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    config = utils.add_common_args(add_training_args(parser), "palindrome").parse_args()
    check_settings(config)
    if config.quick:
        quick_settings(config)
    out = utils.output_dir(config)
    record = train(config, utils.pick_device(config.device))
    path = utils.save_json(record, out / f"train_{config.model_type}_T{config.input_length + 1}_seed{config.seed}.json")
    print(f"wrote {path}")


if __name__ == "__main__":
    utils.run_main(main)
