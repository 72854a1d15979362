"""A surname classifier: letters -> nn.LSTM or nn.GRU over the whole name in one
call -> a linear layer on the last layer's final hidden state -> 18 language scores.
With `bidirectional`, the last layer's final states of both reading directions
(after the last letter and after the first) are joined before the linear layer.

Batches are PackedSequences, so each name's final state is taken after its own
last letter and padding never reaches it.
"""
import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_sequence

CELLS = {"lstm": nn.LSTM, "gru": nn.GRU}


def model_name(settings):
    """'gru-1x200' or 'bigru-1x200' from a run's settings (train.py's flags)."""
    direction = "bi" if settings.get("bidirectional") else ""
    return f"{direction}{settings['cell']}-{settings['layers']}x{settings['hidden']}"


def pack_names(encoded_names):
    """One PackedSequence from a list of 1-D letter-index tensors of any lengths."""
    return pack_sequence(encoded_names, enforce_sorted=False)


class NameClassifier(nn.Module):
    """`cell` ('lstm' or 'gru') with `layers` x `hidden` units; letters enter as
    one-hot vectors (`embedding=0`, as in the tutorial) or through a learned
    embedding of that size; `dropout` acts between stacked layers and on the
    final hidden state before the linear layer; `bidirectional` adds a second
    recurrence that reads every name from its last letter to its first."""

    def __init__(self, n_letters, n_classes, cell="lstm", hidden=200, layers=1, embedding=0, dropout=0.0,
                 bidirectional=False):
        super().__init__()
        self.cell, self.hidden, self.layers = cell, hidden, layers
        self.directions = 2 if bidirectional else 1
        if embedding:
            self.encoder = nn.Embedding(n_letters, embedding)
        else:  # a fixed identity lookup: row i is the one-hot vector of letter i
            self.encoder = nn.Embedding.from_pretrained(torch.eye(n_letters), freeze=True)
        self.rnn = CELLS[cell](self.encoder.embedding_dim, hidden, num_layers=layers,
                               dropout=dropout if layers > 1 else 0.0, bidirectional=bidirectional)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(self.directions * hidden, n_classes)

    def zero_state(self, batch_size):
        """Zero initial states, as the handout asks (h0, and c0 for an LSTM)."""
        h0 = torch.zeros(self.layers * self.directions, batch_size, self.hidden, device=self.fc.weight.device)
        return (h0, torch.zeros_like(h0)) if self.cell == "lstm" else h0

    def forward(self, names):
        """`names`: a PackedSequence of letter indices -> logits (batch, n_classes)
        in the order the names were packed in."""
        letters = PackedSequence(self.encoder(names.data), names.batch_sizes,
                                 names.sorted_indices, names.unsorted_indices)
        _, state = self.rnn(letters, self.zero_state(int(names.batch_sizes[0])))
        h_n = state[0] if self.cell == "lstm" else state  # (layers x directions, batch, hidden)
        last_layer = torch.cat(list(h_n[-self.directions:]), dim=1)  # unsorted: in the input order
        return self.fc(self.dropout(last_layer))
