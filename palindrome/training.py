"""What train.py and experiment.py share: the models by name, the exercise's
flags, the input encoding, and one training run.

Training uses RMSProp on the cross-entropy of the last step's logits, clips the
gradient norm to --max_norm, scores a validation set (--val_size palindromes)
every --eval_every steps, stops once it is all right or has stopped improving
(the Plateau rule), and scores the best check's weights once on a test set
(--eval_size palindromes) drawn from another seed.
"""
import argparse
import copy
import sys
import time

import torch
from torch import nn

import store
import utils
from palindrome.dataset import PalindromeDataset
from palindrome.lstm import LSTM
from palindrome.vanilla_rnn import RECURRENT_INITS, VanillaRNN

MODELS = {"RNN": VanillaRNN, "LSTM": LSTM}
NUM_DIGITS = 10
MAX_LENGTH = 1000  # longest palindrome a run may ask for (the loop runs once per digit)
# The LSTM's forget-gate inits: b_f = 1; chrono (b_f and b_i = -b_f); chrono's b_f only.
LSTM_INITS = ("one", "chrono", "chrono_forget")


def add_model_args(parser, optimiser=True):
    """The flags of one training run that a sweep shares across its runs; without
    `optimiser`, not --learning_rate and --max_norm (a sweep sets them per model)."""
    parser.add_argument("--input_dim", type=int, choices=(1, NUM_DIGITS), default=1,
                        help="1: each digit as a number; 10: each digit one-hot "
                             "(default: %(default)s)")
    parser.add_argument("--num_hidden", type=utils.bounded_int(1, 4096), default=128,
                        help="hidden units (default: %(default)s)")
    parser.add_argument("--rnn_init", choices=sorted(RECURRENT_INITS), default="uniform",
                        help="the RNN's W_hh: torch's uniform, orthogonal or identity "
                             "(default: %(default)s)")
    parser.add_argument("--lstm_init", choices=LSTM_INITS, default="one",
                        help="the LSTM's forget bias: b_f = 1 (one), chrono with T_max = T, or "
                             "chrono's b_f alone (default: %(default)s)")
    parser.add_argument("--batch_size", type=utils.bounded_int(1, 65536), default=128,
                        help="palindromes per step (default: %(default)s)")
    if optimiser:
        add_optimiser_args(parser)
    parser.add_argument("--eval_size", type=utils.bounded_int(0, 1_000_000), default=10000,
                        help="test palindromes, scored once at the end; 0 for none, as in "
                             "tuning runs (default: %(default)s)")
    parser.add_argument("--val_size", type=utils.bounded_int(1, 1_000_000), default=2000,
                        help="validation palindromes, scored every --eval_every steps "
                             "(default: %(default)s)")
    parser.add_argument("--eval_every", type=utils.bounded_int(1, 1_000_000), default=100,
                        help="steps between validation checks (default: %(default)s)")
    parser.add_argument("--plateau_steps", type=utils.bounded_int(1, 1_000_000), default=4000,
                        help="stop once the best validation accuracy has not risen by "
                             "--min_gain for this many steps (default: %(default)s)")
    parser.add_argument("--min_gain", type=utils.probability, default=0.01,
                        help="smallest rise of the best validation accuracy that counts "
                             "(default: %(default)s)")
    return parser


def add_optimiser_args(parser, prefix="", defaults=(0.001, 10.0)):
    """--{prefix}learning_rate and --{prefix}max_norm."""
    parser.add_argument(f"--{prefix}learning_rate", type=utils.positive_float,
                        default=defaults[0], help="RMSProp learning rate (default: %(default)s)")
    parser.add_argument(f"--{prefix}max_norm", type=utils.positive_float, default=defaults[1],
                        help="gradient-norm clip (default: %(default)s)")


def train_parser(description=None):
    """The complete flags of palindrome/train.py: the exercise's (--model_type,
    --input_length, --input_dim, --num_classes, --num_hidden, --batch_size,
    --learning_rate, --train_steps, --max_norm, --device) and ours."""
    parser = argparse.ArgumentParser(allow_abbrev=False, description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model_type", choices=sorted(MODELS), default="RNN",
                        help="RNN or LSTM (default: %(default)s)")
    parser.add_argument("--input_length", type=utils.bounded_int(1, MAX_LENGTH - 1), default=4,
                        help="digits seen, T-1 (default: %(default)s, the sanity check's T = 5)")
    parser.add_argument("--num_classes", type=int, choices=(NUM_DIGITS,), default=NUM_DIGITS,
                        help="output classes: the 10 digits (default: %(default)s)")
    add_model_args(parser)
    parser.add_argument("--train_steps", type=utils.bounded_int(1, 1_000_000), default=10000,
                        help="safety cap on the training steps (default: %(default)s)")
    return accept_dashes(utils.add_common_args(parser, "palindrome"))


def accept_dashes(parser):
    """Each --flag_with_underscores (the handout's spelling) is also taken as
    --flag-with-dashes, the spelling of every other part's flags."""
    for action in parser._actions:
        for flag in list(action.option_strings):
            dashed = flag.replace("_", "-")
            if dashed != flag and dashed not in parser._option_string_actions:
                action.option_strings.append(dashed)
                parser._option_string_actions[dashed] = action
    parser.epilog = ("Flags are spelt with underscores as in the handout (--batch_size); "
                     "the dashed spelling of the other parts (--batch-size) works too.")
    return parser


QUICK_STEPS = 1500  # most steps of a --quick run: enough for T = 5 at the quick settings


def quick_settings(args):
    """Shrink the shared flags for a seconds-long run: a small network, small
    validation and test sets, checks every 100 steps, a learning rate of at least 0.01."""
    args.num_hidden, args.eval_size, args.val_size, args.eval_every = 32, 2000, 1000, 100
    for key, value in vars(args).items():
        if key.endswith("learning_rate"):  # a sweep's --rnn_learning_rate, ...
            setattr(args, key, max(value, 0.01))
    return args


def encode(digits, input_dim):
    """Digits (batch, T) as the network's input: themselves, or one-hot (batch, T, 10)."""
    if input_dim == NUM_DIGITS:
        return nn.functional.one_hot(digits.long(), NUM_DIGITS).float()
    return digits


def build_model(config, device="cpu"):
    """The model `config` names, initialised as its --rnn_init / --lstm_init say."""
    sizes = (config.input_length, config.input_dim, config.num_hidden, config.num_classes)
    if config.model_type == "RNN":
        return VanillaRNN(*sizes, device=device, init=config.rnn_init)
    chrono = config.input_length + 1 if config.lstm_init.startswith("chrono") else None
    return LSTM(*sizes, device=device, chrono=chrono,
                chrono_input_gate=config.lstm_init == "chrono")


@torch.no_grad()
def accuracy(model, inputs, labels, input_dim, batch_size=2000):
    """Fraction of `labels` the model gets right (scored in chunks)."""
    model.eval()
    correct = sum((model(encode(x, input_dim)).argmax(1) == y).sum().item()
                  for x, y in zip(inputs.split(batch_size), labels.split(batch_size)))
    model.train()
    return correct / len(labels)


def train_step(model, optimizer, batch, config, device):
    """One optimizer step on `batch` (digits, labels), the gradient norm clipped to
    --max_norm; returns the loss."""
    digits, labels = batch
    logits = model(encode(digits, config.input_dim).to(device))
    loss = nn.functional.cross_entropy(logits, labels.to(device))
    optimizer.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=config.max_norm)
    optimizer.step()
    return loss.detach()


def test_accuracy(model, dataset, config, device):
    """Accuracy on --eval_size test palindromes (None when it is 0)."""
    if not config.eval_size:
        return None
    inputs, labels = dataset.test(config.eval_size)
    return accuracy(model, inputs.to(device), labels.to(device), config.input_dim)


class Plateau:
    """The stopping rule: solved once every validation palindrome is right; on a
    plateau once the best validation accuracy has not risen by `min_gain` over the
    last `steps` steps. Remembers the best step, whose weights the run keeps."""

    def __init__(self, steps, min_gain):
        self.steps, self.min_gain = steps, min_gain
        self.best, self.best_step, self.gain_step = -1.0, 0, 0

    def update(self, step, accuracy):
        """Record one check; return "solved", "plateau" or None (go on)."""
        if accuracy > self.best:
            if accuracy >= self.best + self.min_gain:
                self.gain_step = step
            self.best, self.best_step = accuracy, step
        if accuracy >= 1.0:
            return "solved"
        return "plateau" if step - self.gain_step >= self.steps else None


def train(config, device=torch.device("cpu"), log=print, save=None, probe=None):
    """Train one model as `config` says (model_type, input_length, seed and the
    flags above); return the run's record.

    Every --eval_every steps the validation set is scored and the Plateau rule
    applied; at the end the weights of the best validation check are scored once
    on the test set. The record holds the learning curve (step, loss, validation
    accuracy, examples/s, and `probe(model)`'s dict if given), why and when the
    run stopped, the test accuracy and the wall time. `save(record)` is called
    after every check with the record so far ("finished": false), and at the end.
    """
    utils.seed_everything(config.seed)
    seq_length = config.input_length + 1
    dataset = PalindromeDataset(seq_length, seed=config.seed)
    val_inputs, val_labels = (t.to(device) for t in dataset.validation(config.val_size))
    model = build_model(config, device)
    optimizer = torch.optim.RMSprop(model.parameters(), lr=config.learning_rate)
    plateau = Plateau(config.plateau_steps, config.min_gain)
    name = f"[{config.model_type} T={seq_length} seed {config.seed}]"
    record = {"palindrome_length": seq_length, "finished": False, "steps": 0, "stop": None,
              "best_step": None, "best_validation_accuracy": None, "test_accuracy": None,
              "seconds": 0.0, "history": [], "threads": torch.get_num_threads()}
    if probe is not None:
        record["probe_at_start"] = probe(model)
    history, start = record["history"], time.perf_counter()
    window_loss, window_start, best_state = 0.0, time.perf_counter(), None
    for step in range(1, config.train_steps + 1):
        loss = train_step(model, optimizer, dataset.batch(config.batch_size), config, device)
        window_loss += utils.check_finite(loss, f"step {step}")
        if step % config.eval_every and step != config.train_steps:
            continue
        steps_in_window = step - (history[-1]["step"] if history else 0)
        val = accuracy(model, val_inputs, val_labels, config.input_dim)
        speed = steps_in_window * config.batch_size / (time.perf_counter() - window_start)
        history.append({"step": step, "loss": window_loss / steps_in_window,
                        "validation_accuracy": val, "examples_per_s": speed,
                        **(probe(model) if probe is not None else {})})
        stop = plateau.update(step, val)
        if plateau.best_step == step:
            best_state = copy.deepcopy(model.state_dict())
        record.update(steps=step, best_step=plateau.best_step,
                      best_validation_accuracy=plateau.best,
                      seconds=round(time.perf_counter() - start, 2))
        if save is not None:
            save(record)
        log(f"{name} step {step:5d}  loss {history[-1]['loss']:.4f}  val acc {val:.4f}  "
            f"{speed:,.0f} examples/s")
        window_loss, window_start = 0.0, time.perf_counter()
        if stop:
            break
    model.load_state_dict(best_state)
    record["test_accuracy"] = test_accuracy(model, dataset, config, device)
    record.update(stop=stop or "cap", finished=True, seconds=round(time.perf_counter() - start, 2))
    log(f"{name} stopped ({record['stop']}) after {record['steps']} steps, kept step "
        f"{record['best_step']} (validation {plateau.best:.4f}, test "
        f"{record['test_accuracy']}), {record['seconds']:.1f} s")
    if save is not None:
        save(record)
    return record


def load_finished(path, wanted):
    """The saved run at `path` if it is finished and was trained as `wanted` says
    (its settings, and the environment its floats depend on); None otherwise, so
    that it is trained again (a damaged file is reported and will be overwritten)."""
    if not path.exists():
        return None
    try:
        saved = store.load_json(path)
        if not isinstance(saved, dict):
            raise TypeError("not a JSON object")
        same = all(saved.get(key) == value for key, value in wanted.items())
    except (OSError, ValueError, TypeError) as err:
        print(f"warning: cannot read {path} ({type(err).__name__}: {err}); training it again",
              file=sys.stderr)
        return None
    return saved if same and saved.get("finished") is True else None
