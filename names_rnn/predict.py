"""Print the three most likely languages of each surname given, from a trained model.

    python names_rnn/predict.py Dovesky Jackson Satoshi        # after names_rnn/train.py
    python names_rnn/predict.py --quick Dostoevsky             # after train.py --quick
    python names_rnn/predict.py --config task1-gru-1x200 --seed 1 Nguyen
    python names_rnn/predict.py --checkpoint PATH Nguyen       # any train.py checkpoint

It reads the checkpoint that `python names_rnn/train.py` with the same --config,
--seed, --quick and --out wrote: checkpoints/names_rnn/<config>-seed<seed>.pt, or
<out>/<config>-seed<seed>.pt for a --quick run (out: runs/quick/names_rnn/). By
default that is the final model, the setting chosen on the validation split, with
the naive Bayes its checkpoint holds mixed in as in training.
Names are stripped of surrounding whitespace and their accents folded, as the
training names are; a character outside the model's alphabet is read as the
unknown character, with a one-line warning saying so.
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import argparse
import pickle
import sys
from pathlib import Path

import torch

from names_rnn.configs import CONFIGS, FINAL
from names_rnn.data import ALPHABET, encode_name, unicode_to_ascii
from names_rnn.model import build_model, pack_names
from names_rnn.naive_bayes import NaiveBayes

UNREADABLE = (OSError, RuntimeError, pickle.UnpicklingError, KeyError, TypeError, ValueError,
              EOFError, AttributeError)


def surname(text):
    """A name as training reads it: surrounding whitespace stripped, never blank."""
    name = text.strip()
    if not name:
        raise argparse.ArgumentTypeError(f"{text!r} is blank; give a surname")
    return name


def build_parser():
    parser = argparse.ArgumentParser(allow_abbrev=False, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="+", type=surname, metavar="NAME",
                        help="surnames to classify")
    parser.add_argument("--config", choices=list(CONFIGS), default=FINAL,
                        help=f"read the checkpoint of this train.py config (default: {FINAL})")
    parser.add_argument("--seed", type=utils.seed, default=0,
                        help="... and of this seed (default: 0)")
    parser.add_argument("--quick", action="store_true",
                        help="read the checkpoint of a train.py --quick run (in its output "
                             "folder, runs/quick/names_rnn/ unless --out)")
    parser.add_argument("--out", type=Path, default=None,
                        help="the --out of that --quick run (default: runs/quick/names_rnn/)")
    parser.add_argument("--checkpoint", type=Path, default=None,
                        help="read this train.py checkpoint instead (default: the one of "
                             "--config, --seed and --quick: checkpoints/names_rnn/"
                             "final-seed0.pt)")
    parser.add_argument("--device", type=utils.device_name, default="auto",
                        help="auto (cuda, then mps, then cpu), cpu, cuda, cuda:N or mps "
                             "(default: auto)")
    parser.set_defaults(part="names_rnn")
    return parser


def checkpoint_and_command(args):
    """The checkpoint to read and the train.py command that writes it."""
    if args.checkpoint is not None:
        config, _, seed = args.checkpoint.stem.rpartition("-seed")
        if config in CONFIGS and seed.isdigit():
            return args.checkpoint, train_command(config, int(seed))
        return args.checkpoint, ("python names_rnn/train.py --config NAME --seed S "
                                 "(it writes checkpoints/names_rnn/NAME-seedS.pt)")
    folder = utils.output_path(args) if args.quick else utils.checkpoint_dir(args, None)
    return (folder / f"{args.config}-seed{args.seed}.pt",
            train_command(args.config, args.seed) + utils.place_flags(args))


def train_command(config, seed):
    """The train.py command whose checkpoint is <config>-seed<seed>.pt."""
    flags = "" if config == FINAL else f" --config {config}"
    return f"python names_rnn/train.py{flags}{f' --seed {seed}' if seed else ''}"


def load_checkpoint(path, command="python names_rnn/train.py"):
    """(model, categories, mix) from a train.py checkpoint, mix being (naive Bayes,
    weight) when the run mixed one into the network's predictions, else None;
    UserError if unusable."""
    if not Path(path).is_file():
        raise utils.UserError(f"no checkpoint at {path}; make it with: {command}")
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
        model = build_model(saved["config"])
        model.load_state_dict(saved["state_dict"])
        mixed = saved.get("naive_bayes")
        mix = (NaiveBayes(**mixed["state"]), mixed["weight"]) if mixed else None
    except UNREADABLE as err:
        raise utils.UserError(f"{path} is not a usable names_rnn checkpoint "
                              f"({type(err).__name__})") from None
    return model.eval(), saved["categories"], mix


def alphabet_warning(name):
    """One line saying how `name` is read when some of its characters are not in the
    model's alphabet (accents folded, others read as the unknown character); None when
    every character is."""
    folded, unknown = [], []
    for char in name:
        plain = unicode_to_ascii(char)
        if plain == char and char in ALPHABET:
            continue
        if plain and all(c in ALPHABET for c in plain):
            folded.append(f"{char} -> {plain}")
        else:
            unknown += [c for c in plain if c not in ALPHABET] or [char]
    if not folded and not unknown:
        return None
    scored = "".join(c if c in ALPHABET else "?" for c in unicode_to_ascii(name))
    parts = ([f"accents folded ({', '.join(folded)})"] if folded else []) + (
        [f"{' '.join(dict.fromkeys(unknown))} not in the alphabet (a-z, A-Z, space and "
         f".,;'), each read as the unknown character ?"] if unknown else [])
    return f"warning: {name}: {'; '.join(parts)}; scored as {scored!r}"


@torch.no_grad()
def top_languages(model, categories, names, k=3, device="cpu", mix=None):
    """For each name, its `k` most likely (language, probability) pairs, with a
    checkpoint's naive Bayes `mix` (load_checkpoint) when it has one."""
    names = [name.strip() for name in names]
    if not all(names):
        raise utils.UserError("a blank name was given; give surnames")
    packed = pack_names([encode_name(name) for name in names]).to(device)
    log_probs = model(packed).log_softmax(1).cpu()
    if mix:
        naive_bayes, weight = mix
        folded = [unicode_to_ascii(name) for name in names]  # as the training names are
        log_probs = log_probs + weight * naive_bayes.log_probs(folded)
    probabilities = log_probs.softmax(1)
    top = probabilities.topk(min(k, len(categories)), dim=1)
    return [[(categories[i], p) for p, i in zip(row_p.tolist(), row_i.tolist())]
            for row_p, row_i in zip(top.values, top.indices)]


def main(argv=None):
    args = utils.parse_args(build_parser(), argv)
    if args.out is not None and not args.quick:
        raise utils.UserError("--out names a --quick run's folder; add --quick "
                              "(a full run's checkpoints are in checkpoints/names_rnn/)")
    model, categories, mix = load_checkpoint(*checkpoint_and_command(args))
    device = utils.pick_device(args.device)
    model.to(device)
    for name in args.names:
        warning = alphabet_warning(name)
        if warning:
            print(warning, file=sys.stderr)
    guesses = top_languages(model, categories, args.names, device=device, mix=mix)
    for name, top in zip(args.names, guesses):
        print(f"{name}: " + ", ".join(f"{language} {p:.3f}" for language, p in top))
    return 0


if __name__ == "__main__":
    utils.run_main(main)
