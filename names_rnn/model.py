"""A surname classifier: letters -> nn.LSTM or nn.GRU over the whole name in one
call -> a linear layer on the last layer's final hidden state -> 18 language scores,
and the training pass and evaluation that train.py and the batching benchmark share.

Batches are PackedSequences, so each name's final state is taken after its own
last letter and padding never reaches it. `NameEnsemble` averages the predicted
probabilities of several such classifiers.
"""
import math

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_sequence

import utils
from names_rnn.scoring import accepted_labels, accuracy, confusion_counts

CELLS = {"lstm": nn.LSTM, "gru": nn.GRU}


def model_name(settings):
    """'gru-1x200' or 'gru-1x200-ens5' (an ensemble of 5) from a run's settings."""
    ensemble = f"-ens{settings['ensemble']}" if settings["ensemble"] > 1 else ""
    cell = f"bi{settings['cell']}" if settings.get("bidirectional") else settings["cell"]
    return f"{cell}-{settings['layers']}x{settings['hidden']}{ensemble}"


def pack_names(encoded_names):
    """One PackedSequence from a list of 1-D letter-index tensors of any lengths."""
    return pack_sequence(encoded_names, enforce_sorted=False)


class NameClassifier(nn.Module):
    """`cell` ('lstm' or 'gru') with `layers` x `hidden` units; letters enter as
    one-hot vectors (`embedding=0`, as in the tutorial) or through a learned
    embedding of that size; `dropout` acts between stacked layers and on the
    final hidden state before the linear layer; `letter_dropout` replaces each
    letter by the unknown-character index with that probability while training (the
    name keeps its length and the rest of its letters, so the model cannot lean on
    any single letter). A `bidirectional` model also reads each name from its last
    letter back to its first, and scores both directions' final states together."""

    def __init__(self, n_letters, n_classes, cell="lstm", hidden=200, layers=1, embedding=0,
                 dropout=0.0, letter_dropout=0.0, bidirectional=False):
        super().__init__()
        self.cell, self.hidden, self.layers = cell, hidden, layers
        self.directions = 2 if bidirectional else 1
        # data.py's UNKNOWN is the last index
        self.unknown, self.letter_dropout = n_letters - 1, letter_dropout
        if embedding:
            self.encoder = nn.Embedding(n_letters, embedding)
        else:  # a fixed identity lookup: row i is the one-hot vector of letter i
            self.encoder = nn.Embedding.from_pretrained(torch.eye(n_letters), freeze=True)
        self.rnn = CELLS[cell](self.encoder.embedding_dim, hidden, num_layers=layers,
                               dropout=dropout if layers > 1 else 0.0,
                               bidirectional=bidirectional)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(self.directions * hidden, n_classes)

    def zero_state(self, batch_size):
        """Zero initial states, as the handout asks (h0, and c0 for an LSTM)."""
        h0 = torch.zeros(self.layers * self.directions, batch_size, self.hidden,
                         device=self.fc.weight.device)
        return (h0, torch.zeros_like(h0)) if self.cell == "lstm" else h0

    def forward(self, names):
        """`names`: a PackedSequence of letter indices -> logits (batch, n_classes)
        in the order the names were packed in."""
        indices = names.data
        if self.training and self.letter_dropout:
            dropped = torch.rand(indices.shape, device=indices.device) < self.letter_dropout
            indices = indices.masked_fill(dropped, self.unknown)
        letters = PackedSequence(self.encoder(indices), names.batch_sizes,
                                 names.sorted_indices, names.unsorted_indices)
        _, state = self.rnn(letters, self.zero_state(int(names.batch_sizes[0])))
        h_n = state[0] if self.cell == "lstm" else state  # (layers * directions, batch, hidden)
        last_layer = h_n[-1] if self.directions == 1 else torch.cat((h_n[-2], h_n[-1]), dim=1)
        return self.fc(self.dropout(last_layer))  # in the order the names were packed in


class NameEnsemble(nn.Module):
    """`members` NameClassifiers of the same configuration (each with its own
    random initial weights) whose predicted probabilities are averaged. Its
    output is the log of that average, so argmax and cross-entropy read it like
    logits. Train each member on its own loss (train.py does)."""

    def __init__(self, members=2, **config):
        super().__init__()
        self.members = nn.ModuleList(NameClassifier(**config) for _ in range(members))

    def forward(self, names):
        log_probs = torch.stack([member(names).log_softmax(1) for member in self.members])
        return log_probs.logsumexp(0) - math.log(len(self.members))


def build_model(config):
    """A NameClassifier from a checkpoint's config, or a NameEnsemble when it names
    more than one member."""
    config = dict(config)
    members = config.pop("members", 1)
    return NameClassifier(**config) if members == 1 else NameEnsemble(members, **config)


def train_epoch(model, batches, optimizer, clip, device, where):
    """One pass of updates over a NameBatches; returns the mean training loss per name.
    An ensemble's members each follow their own loss and clipping, exactly as if
    trained alone on these batches; the loss returned is then their mean."""
    model.train()
    members = list(model.members) if isinstance(model, NameEnsemble) else [model]
    total, count = 0.0, 0
    for packed, labels in utils.progress(batches, desc=where):
        optimizer.zero_grad()
        packed, labels = packed.to(device), labels.to(device)
        losses = [nn.functional.cross_entropy(member(packed), labels) for member in members]
        sum(losses).backward()
        if clip:
            for member in members:
                nn.utils.clip_grad_norm_(member.parameters(), clip)
        optimizer.step()
        loss = sum(loss.item() for loss in losses) / len(members)
        total += utils.check_finite(loss, where) * len(labels)
        count += len(labels)
    return total / count


@torch.no_grad()
def predicted_log_probs(model, batches, device):
    """(entries, n_classes) predicted log probabilities of an unshuffled NameBatches,
    in its entries' order."""
    model.eval()
    return torch.cat([model(batches.batch(index)[0].to(device)).log_softmax(1).cpu()
                      for index in batches.batch_indices()])


def score(log_probs, batches, n_classes):
    """(mean loss, accuracy, confusion counts [true, predicted]) of (entries, n_classes)
    log scores for a NameBatches' entries, normalised here, scored as
    names_rnn/scoring.py says; a name's loss is minus the log of the probability given
    to all its languages together."""
    log_probs = log_probs.log_softmax(1)
    accepted = accepted_labels(batches.label_sets, n_classes)
    loss = -log_probs.masked_fill(~accepted, -math.inf).logsumexp(1).mean().item()
    confusion = confusion_counts(batches.labels, log_probs.argmax(1), accepted)
    return loss, accuracy(confusion), confusion


def evaluate(model, batches, n_classes, device, extra=None):
    """`score` of the model's predictions on an unshuffled NameBatches, with `extra`
    (entries, n_classes) log scores added to them when given (train.py's naive Bayes)."""
    log_probs = predicted_log_probs(model, batches, device)
    return score(log_probs if extra is None else log_probs + extra, batches, n_classes)
