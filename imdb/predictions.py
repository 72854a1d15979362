"""Saved class probabilities of IMDb classifiers, so that imdb/ensemble.py can average
models that different scripts trained: a run's P(positive) for each evaluation review,
in the order imdb.data_rnn.load_imdb gives them, as <run>.probs.npy beside its JSON
(20 KB for the 5,000 validation reviews, 100 KB for the 25,000 test reviews).
"""
from pathlib import Path

import numpy as np
import torch

import store
from imdb.data_rnn import make_batches, pad_batch, truncate
from imdb.models import Classifier


def probs_path(folder, run):
    """Where run `run` of `folder` keeps its probabilities."""
    return Path(folder) / f"{run}.probs.npy"


def save_positive(path, positive):
    """Write P(positive) per review (any 1-D array-like) as float32, atomically."""
    with store.atomic_write(path) as handle:
        np.save(handle, np.asarray(positive, dtype=np.float32))


def load_positive(path):
    return np.load(path)


def predicted(positive):
    """The class each probability picks: 1 above one half, as argmax over (1 - p, p)."""
    return (np.asarray(positive) > 0.5).astype(np.int64)


@torch.no_grad()
def classifier_positive(checkpoint, reviews, pad, device="cpu"):
    """P(positive) of each review (token lists) under the model that an
    imdb/classify.py checkpoint holds, read as it was trained: its --max-len cut
    and batches of similar lengths."""
    saved = torch.load(checkpoint, map_location=device, weights_only=True)
    settings = saved["settings"]
    model = Classifier(settings["model"], saved["vocabulary"], settings["emb"],
                       settings["hidden"], 2, settings["dropout"], lin2=settings["lin2"],
                       bidirectional=settings["bidirectional"]).to(device)
    model.load_state_dict(saved["model"])
    model.eval()
    reviews = truncate(reviews, settings["max_len"])
    positive = np.zeros(len(reviews), dtype=np.float32)
    for batch in make_batches([len(review) for review in reviews], 4 * settings["max_tokens"]):
        tokens, lengths = pad_batch([reviews[i] for i in batch], pad)
        logits = model(tokens.to(device), lengths.to(device))
        positive[batch] = logits.softmax(dim=1)[:, 1].cpu().numpy()
    return positive
