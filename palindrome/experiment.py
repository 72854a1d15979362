"""Accuracy against palindrome length for both models (Q1.3, Q1.6), and why the
vanilla RNN forgets: the gradient norm ||dL/dh(t)|| over t at T = 100 (Q1.1).

    python palindrome/experiment.py                          # the reported sweep
    python palindrome/experiment.py --models LSTM --lengths 5 10 --seeds 1
    python palindrome/experiment.py --quick

The settings come from palindrome/configs.py (`--config`; flags given here win).
Every (model, T, seed) run is saved as runs/<model>_T<T>_seed<seed>.json in the
output folder, rewritten after each check of the held-out slice. Run again, the
sweep keeps every finished run whose settings match and trains the others: an
unfinished run, or a file that cannot be read (with a warning), is trained
again from the start. At the end it draws accuracy_vs_length.png from the
sweep's runs, and gradient_norms.png (numbers in gradient_norms.json).
"""
import utils  # first: a Ctrl-C during the imports below is then one line

import argparse
import json
import sys

import torch
from torch import nn

from palindrome import report, training
from palindrome.configs import CONFIGS
from palindrome.dataset import PalindromeDataset

GRADIENT_LENGTH = 100
STEP_FLAGS = {"RNN": "rnn_train_steps", "LSTM": "lstm_train_steps"}
# The sweep's settings that shape each run (recorded in, and compared with, its JSON).
RUN_SETTINGS = ("input_dim", "num_hidden", "batch_size", "learning_rate", "max_norm",
                "eval_size", "eval_every", "check_size", "device", "quick")


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    utils.add_config_argument(parser, CONFIGS)
    parser.add_argument("--models", nargs="+", choices=sorted(training.MODELS),
                        help="models to train (default: %(default)s)")
    parser.add_argument("--lengths", nargs="+", type=utils.bounded_int(2, training.MAX_LENGTH),
                        help="palindrome lengths T (default: %(default)s)")
    parser.add_argument("--seeds", type=utils.bounded_int(1, 100),
                        help="seeds per point: --seed, --seed + 1, ... (default: %(default)s)")
    training.add_model_args(parser)
    for model, flag in STEP_FLAGS.items():
        parser.add_argument(f"--{flag}", type=utils.bounded_int(1, 1_000_000),
                            help=f"most training steps of each {model} run "
                                 "(default: %(default)s)")
    parser.set_defaults(**next(iter(CONFIGS.values())))  # what --help shows: the default config
    return utils.add_common_args(parser, "palindrome")


def run_path(out, model_type, length, seed):
    return out / "runs" / f"{model_type}_T{length}_seed{seed}.json"


def load_finished(path, wanted):
    """The saved run at `path` if it is finished and was trained as `wanted` says;
    None otherwise (a damaged file is reported and will be overwritten)."""
    if not path.exists():
        return None
    try:
        saved = utils.load_json(path)
        same = all(saved[key] == value for key, value in wanted.items())
    except (OSError, ValueError, TypeError, KeyError) as err:
        print(f"warning: cannot read {path} ({type(err).__name__}: {err}); training it again",
              file=sys.stderr)
        return None
    return saved if same and saved.get("finished") is True else None


def run_sweep(args, out):
    """Train every (model, T, seed) not saved yet; return the sweep's records."""
    device = utils.pick_device(args.device)
    settings = utils.run_settings(args)
    records = []
    for model_type in args.models:
        steps_flag = STEP_FLAGS[model_type]
        shared = {key: settings[key] for key in (*RUN_SETTINGS, steps_flag)}
        for length in args.lengths:
            for seed in range(args.seed, args.seed + args.seeds):
                path = run_path(out, model_type, length, seed)
                header = {"script": "palindrome/experiment.py", "model_type": model_type,
                          "seed": seed, "settings": shared}
                wanted = {**json.loads(json.dumps(header)), "palindrome_length": length}
                saved = load_finished(path, wanted)
                if saved is not None:
                    print(f"have {path.name}")
                    records.append(saved)
                    continue
                config = argparse.Namespace(
                    **{key: getattr(args, key) for key in RUN_SETTINGS}, model_type=model_type,
                    input_length=length - 1, seed=seed, num_classes=training.NUM_DIGITS,
                    train_steps=getattr(args, steps_flag))
                def save(record, header=header, path=path):
                    utils.save_json({**header, **record}, path)
                records.append({**header, **training.train(config, device, save=save)})
    return records


def gradient_norms(seed, input_dim, num_hidden, length=GRADIENT_LENGTH, batch_size=256):
    """||dL/dh(t)|| for t = 1..T-1 of an untrained RNN and LSTM (same seed, same batch).

    Computed in float64: the RNN's gradient at early steps underflows float32 to 0.
    """
    digits, labels = PalindromeDataset(length, seed=seed).batch(batch_size)
    inputs = training.encode(digits, input_dim).double()
    norms = {}
    for model_type, model_class in training.MODELS.items():
        utils.seed_everything(seed)
        model = model_class(length - 1, input_dim, num_hidden, training.NUM_DIGITS).double()
        logits, states = model(inputs, keep_states=True)
        grads = torch.autograd.grad(nn.functional.cross_entropy(logits, labels), states)
        norms[model_type] = [g.norm().item() for g in grads]
    return norms


def main(argv=None):
    parser = build_parser()
    args = training.check_sizes(parser, utils.parse_args(parser, argv))
    if args.quick:
        training.quick_settings(args)
        args.lengths, args.seeds = [5], 1
        for flag in STEP_FLAGS.values():
            setattr(args, flag, min(getattr(args, flag), training.QUICK_STEPS))
    out = utils.output_dir(args)
    with utils.run_lock(out, "experiment"):
        records = run_sweep(args, out)
        report.plot_accuracy(records, out / "accuracy_vs_length.png")
        norms = gradient_norms(args.seed, args.input_dim, args.num_hidden)
        utils.save_json({"palindrome_length": GRADIENT_LENGTH, "num_hidden": args.num_hidden,
                         "norms": norms}, out / "gradient_norms.json")
        report.plot_gradients(norms, args.num_hidden, out / "gradient_norms.png")
    print(f"wrote {len(records)} runs in {out / 'runs'}, accuracy_vs_length.png, "
          "gradient_norms.png")
    return 0


if __name__ == "__main__":
    utils.run_main(main)
