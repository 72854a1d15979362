"""Print the three most likely languages of each surname given, from a trained model.

    python names_rnn/predict.py Dovesky Jackson Satoshi
    python names_rnn/predict.py --checkpoint checkpoints/names/gru-1x200-bs30-seed0.pt Nguyen

Without --checkpoint it uses the checkpoint in checkpoints/names/ with the
highest test accuracy (train.py writes them).
"""
import argparse
import pickle
from pathlib import Path

import torch

import utils
from names_rnn.data import encode_name
from names_rnn.model import build_model, pack_names

CHECKPOINTS = utils.REPO_ROOT / "checkpoints" / "names"


UNREADABLE = (OSError, RuntimeError, pickle.UnpicklingError, KeyError, TypeError, ValueError, EOFError,
              AttributeError)


def load_checkpoint(path):
    """(model, categories) from a train.py checkpoint; UserError if unusable."""
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
        model = build_model(saved["config"])
        model.load_state_dict(saved["state_dict"])
    except UNREADABLE as err:
        raise utils.UserError(f"{path} is not a usable names_rnn checkpoint ({type(err).__name__})") from None
    return model.eval(), saved["categories"]


def recorded_accuracy(path):
    """The test accuracy train.py stored in a checkpoint (0 for a --validation run's, which
    records none); -1 for a file that cannot be read (so a stray corrupt file never wins,
    and load_checkpoint names it if nothing else is there)."""
    try:
        return torch.load(path, map_location="cpu", weights_only=True).get("test_acc", 0.0)
    except UNREADABLE:
        return -1.0


def best_checkpoint(folder=CHECKPOINTS):
    """The checkpoint in `folder` with the highest recorded test accuracy."""
    paths = sorted(Path(folder).glob("*.pt"))
    if not paths:
        raise utils.UserError("no trained model in checkpoints/names/ yet; train one first "
                              "(python names_rnn/train.py) or pass --checkpoint")
    return max(paths, key=recorded_accuracy)


@torch.no_grad()
def top_languages(model, categories, names, k=3):
    """For each name, its `k` most likely (language, probability) pairs."""
    encoded = [encode_name(name) for name in names]
    empty = [name for name, e in zip(names, encoded) if len(e) == 0]
    if empty:
        raise utils.UserError(f"empty name(s) given: {empty!r}")
    probabilities = model(pack_names(encoded)).softmax(1)
    top = probabilities.topk(min(k, len(categories)), dim=1)
    return [[(categories[i], p) for p, i in zip(row_p.tolist(), row_i.tolist())]
            for row_p, row_i in zip(top.values, top.indices)]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="+", metavar="NAME", help="surnames to classify")
    parser.add_argument("--checkpoint", type=Path, help="a train.py checkpoint (default: the best in checkpoints/names/)")
    args = parser.parse_args()
    path = args.checkpoint or best_checkpoint()
    if not path.is_file():
        raise utils.UserError(f"checkpoint {path} does not exist; train one first: python names_rnn/train.py")
    model, categories = load_checkpoint(path)
    for name, guesses in zip(args.names, top_languages(model, categories, args.names)):
        print(f"{name}: " + ", ".join(f"{language} {p:.3f}" for language, p in guesses))
    return 0


if __name__ == "__main__":
    utils.run_main(main)
