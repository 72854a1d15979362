"""Test accuracy against palindrome length for both models (Q1.3, Q1.6).

    python palindrome/experiment.py                          # the reported sweep
    python palindrome/experiment.py --models LSTM --lengths 5 10 --seeds 1
    python palindrome/experiment.py --quick

The settings come from palindrome/configs.py (`--config`; flags given here win).
Every (model, T, seed) run is saved as runs/<model>_T<T>_seed<seed>.json in the
output folder, rewritten after each validation check. Run again, the sweep keeps
every finished run whose settings and environment (torch, threads, CPU) match and
trains the others: an unfinished run, one made elsewhere, or a file that cannot be
read (with a warning), is trained again from the start. After every run it
redraws accuracy_vs_length.png from the sweep's runs so far (none for a sweep of
one length, or on validation only, without test accuracies). Sweeps of different
--models may share a folder.
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import argparse
import json

import store
from palindrome import report, training
from palindrome.configs import CONFIGS

# Each model's own settings: the flag --rnn_X or --lstm_X sets the run's X.
MODEL_SETTINGS = ("learning_rate", "max_norm", "train_steps")
# The sweep's settings that shape every run (recorded in, and compared with, its JSON).
RUN_SETTINGS = ("input_dim", "num_hidden", "batch_size", "eval_size", "val_size", "eval_every",
                "plateau_steps", "min_gain", "device", "quick")


def model_flags(model_type):
    """{X: the flag destination that sets X for `model_type`}, its init included."""
    prefix = f"{model_type.lower()}_"
    return {f"{prefix}init": f"{prefix}init", **{key: prefix + key for key in MODEL_SETTINGS}}


def build_parser():
    parser = argparse.ArgumentParser(allow_abbrev=False, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    utils.add_config_argument(parser, CONFIGS)
    parser.add_argument("--models", nargs="+", choices=sorted(training.MODELS),
                        help="models to train (default: %(default)s)")
    parser.add_argument("--lengths", nargs="+", type=utils.bounded_int(2, training.MAX_LENGTH),
                        help="palindrome lengths T (default: %(default)s)")
    parser.add_argument("--seeds", type=utils.bounded_int(1, 100),
                        help="seeds per point: --seed, --seed + 1, ... (default: %(default)s)")
    training.add_model_args(parser, optimiser=False)
    for model in training.MODELS:
        prefix = f"{model.lower()}_"
        training.add_optimiser_args(parser, prefix, defaults=(None, None))
        parser.add_argument(f"--{prefix}train_steps", type=utils.bounded_int(1, 1_000_000),
                            help=f"safety cap on the training steps of each {model} run "
                                 "(default: %(default)s)")
    parser.set_defaults(**next(iter(CONFIGS.values())))  # what --help shows: the default config
    return training.accept_dashes(utils.add_common_args(parser, "palindrome"))


def run_path(out, model_type, length, seed):
    return out / "runs" / f"{model_type}_T{length}_seed{seed}.json"


def run_sweep(args, out):
    """Train every (model, T, seed) not saved yet; return the sweep's records."""
    device = utils.pick_device(args.device)
    settings, environment = utils.run_settings(args), utils.environment()
    records = []
    for model_type in args.models:
        own = model_flags(model_type)
        shared = {key: settings[key] for key in (*RUN_SETTINGS, *own.values())}
        for length in args.lengths:
            for seed in range(args.seed, args.seed + args.seeds):
                path = run_path(out, model_type, length, seed)
                header = {"script": "palindrome/experiment.py", "model_type": model_type,
                          "seed": seed, "settings": shared}
                wanted = {**json.loads(json.dumps(header)), "palindrome_length": length,
                          "environment": environment}
                saved = training.load_finished(path, wanted)
                if saved is not None:
                    print(f"have {path.name}")
                    records.append(saved)
                    continue
                config = argparse.Namespace(
                    **{key: getattr(args, key) for key in RUN_SETTINGS},
                    **{key: getattr(args, flag) for key, flag in own.items()},
                    model_type=model_type,
                    input_length=length - 1, seed=seed, num_classes=training.NUM_DIGITS)
                def save(record, header=header, path=path):
                    store.save_json({**header, **record, "environment": environment}, path)
                records.append({**header, **training.train(config, device, save=save)})
                report.plot_accuracy(records, out / "accuracy_vs_length.png")
    return records


def main(argv=None):
    parser = build_parser()
    args = utils.parse_args(parser, argv)
    if args.quick:
        training.quick_settings(args)
        args.lengths, args.seeds = [5], 1
        for model_type in training.MODELS:
            flags = model_flags(model_type)
            setattr(args, flags["train_steps"],
                    min(getattr(args, flags["train_steps"]), training.QUICK_STEPS))
    out = utils.output_dir(args)
    with store.run_lock(out, "experiment_" + "_".join(args.models)):
        records = run_sweep(args, out)
        report.plot_accuracy(records, out / "accuracy_vs_length.png")  # also when all were kept
    print(f"wrote {len(records)} runs in {out / 'runs'} and accuracy_vs_length.png")
    return 0


if __name__ == "__main__":
    utils.run_main(main)
