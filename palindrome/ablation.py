"""Which parts of the LSTM's recipe matter at T = 50 (Q1.6): the sweep's LSTM
recipe, then the same with each ingredient of palindrome/configs.py's ABLATION
undone in turn, on --seeds seeds each.

    python palindrome/ablation.py
    python palindrome/ablation.py --quick

Each (variant, seed) run is saved as ablation/<variant>_seed<seed>.json in the
output folder; its "settings" are this command's and "changes" the variant's
own. Run again, finished runs whose settings and environment (torch, threads, CPU)
match are kept.
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import argparse
import json

import store
from palindrome import training
from palindrome.configs import ABLATION, LSTM_RECIPE, SHARED


def build_parser():
    parser = argparse.ArgumentParser(allow_abbrev=False, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--length", type=utils.bounded_int(3, training.MAX_LENGTH), default=50,
                        help="palindrome length T (default: %(default)s)")
    parser.add_argument("--seeds", type=utils.bounded_int(1, 100), default=3,
                        help="seeds per variant: --seed, --seed + 1, ... (default: %(default)s)")
    parser.add_argument("--train_steps", type=utils.bounded_int(1, 1_000_000),
                        default=SHARED["lstm_train_steps"],
                        help="safety cap on each run's training steps (default: %(default)s)")
    training.add_model_args(parser)
    parser.set_defaults(**LSTM_RECIPE)
    return training.accept_dashes(utils.add_common_args(parser, "palindrome"))


def main(argv=None):
    args = utils.parse_args(build_parser(), argv)
    if args.quick:
        training.quick_settings(args)
        args.length, args.seeds = 5, 1
        args.train_steps = min(args.train_steps, training.QUICK_STEPS)
    out = utils.output_dir(args)
    device = utils.pick_device(args.device)
    settings, environment = utils.run_settings(args), utils.environment()
    with store.run_lock(out, "ablation"):
        for slug, (variant, changes) in ABLATION.items():
            for seed in range(args.seed, args.seed + args.seeds):
                path = out / "ablation" / f"{slug}_seed{seed}.json"
                header = {"script": "palindrome/ablation.py", "variant": variant,
                          "changes": changes, "seed": seed, "settings": settings}
                wanted = {**json.loads(json.dumps(header)), "environment": environment}
                if training.load_finished(path, wanted):
                    print(f"have {path.name}")
                    continue
                config = argparse.Namespace(**{**vars(args), **changes, "seed": seed,
                                               "model_type": "LSTM",
                                               "input_length": args.length - 1,
                                               "num_classes": training.NUM_DIGITS})

                def save(record, header=header, path=path):
                    store.save_json({**header, **record, "environment": environment}, path)
                training.train(config, device, save=save)
    print(f"wrote {out / 'ablation'}")
    return 0


if __name__ == "__main__":
    utils.run_main(main)
