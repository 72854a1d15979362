"""Print the three most likely languages of each surname given, from a trained model.

    python names_rnn/predict.py Dovesky Jackson Satoshi
    python names_rnn/predict.py --checkpoint checkpoints/names_rnn/task1-gru-1x200-seed0.pt Nguyen

Without --checkpoint it uses the final model's (checkpoints/names_rnn/final-seed0.pt,
written by `python names_rnn/train.py`): the setting chosen on the validation split.
Names are stripped of surrounding whitespace, as the training names are.
"""
import utils

utils.start_script(__name__)  # first: a Ctrl-C during the imports below is one line

import argparse
import pickle
from pathlib import Path

import torch

from names_rnn.configs import FINAL
from names_rnn.data import encode_name
from names_rnn.model import build_model, pack_names

DEFAULT_CHECKPOINT = utils.REPO_ROOT / "checkpoints" / "names_rnn" / f"{FINAL}-seed0.pt"
UNREADABLE = (OSError, RuntimeError, pickle.UnpicklingError, KeyError, TypeError, ValueError,
              EOFError, AttributeError)


def surname(text):
    """A name as training reads it: surrounding whitespace stripped, never blank."""
    name = text.strip()
    if not name:
        raise argparse.ArgumentTypeError(f"{text!r} is blank; give a surname")
    return name


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="+", type=surname, metavar="NAME",
                        help="surnames to classify")
    parser.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT,
                        help="a train.py checkpoint (default: the final model's, "
                             "checkpoints/names_rnn/final-seed0.pt)")
    return parser


def load_checkpoint(path):
    """(model, categories) from a train.py checkpoint; UserError if unusable."""
    if not Path(path).is_file():
        raise utils.UserError(f"checkpoint {path} does not exist; train the model first: "
                              "python names_rnn/train.py")
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
        model = build_model(saved["config"])
        model.load_state_dict(saved["state_dict"])
    except UNREADABLE as err:
        raise utils.UserError(f"{path} is not a usable names_rnn checkpoint "
                              f"({type(err).__name__})") from None
    return model.eval(), saved["categories"]


@torch.no_grad()
def top_languages(model, categories, names, k=3):
    """For each name, its `k` most likely (language, probability) pairs."""
    names = [name.strip() for name in names]
    if not all(names):
        raise utils.UserError("a blank name was given; give surnames")
    probabilities = model(pack_names([encode_name(name) for name in names])).softmax(1)
    top = probabilities.topk(min(k, len(categories)), dim=1)
    return [[(categories[i], p) for p, i in zip(row_p.tolist(), row_i.tolist())]
            for row_p, row_i in zip(top.values, top.indices)]


def main(argv=None):
    args = utils.parse_args(build_parser(), argv)
    model, categories = load_checkpoint(args.checkpoint)
    for name, guesses in zip(args.names, top_languages(model, categories, args.names)):
        print(f"{name}: " + ", ".join(f"{language} {p:.3f}" for language, p in guesses))
    return 0


if __name__ == "__main__":
    utils.run_main(main)
