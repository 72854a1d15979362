"""Sentiment classifiers for IMDb (assignment 3B, Q1-Q4).

Every model is the handout's baseline with layer 2 swapped:

    Embedding(vocab, emb) -> layer 2 (per-token Linear | Elman | nn.RNN | nn.LSTM)
    -> ReLU -> global max pool over the real (unpadded) time steps -> Linear(hidden, 2)

torch's RNNs compute only the first layer of the Elman network (the activated
hidden state); with `lin2=True` a Linear(hidden, hidden) on every step adds the
second, so nn.RNN with it is the same function as our Elman layer. With
`bidirectional=True` a second RNN reads every review right to left, starting at
the review's own last token (never at padding), and each step's features are the
two directions side by side.

The max pool ignores padded positions and every reader starts at a real token (left
to right from the first, right to left from the review's own last), so padding a
review onto a longer batch never changes its logits.
"""
import torch
import torch.nn.functional as F
from torch import nn
from torch.autograd.function import once_differentiable

MODELS = ("mlp", "elman", "rnn", "lstm")


class ElmanRecurrence(torch.autograd.Function):
    """h(t) = tanh(xw(t) + h(t-1) W_h^T) for all t, with backpropagation through
    time written out by hand.

    `xw` (time, batch, hidden) already holds the input projection of every step,
    so the loop does one matrix product per step forward and one backward. Letting
    autograd record the loop instead stores a graph node per slice and step, which
    is what makes the handout's skeleton slow.
    """

    @staticmethod
    def forward(ctx, xw, w_h, h0):
        hs = torch.empty_like(xw)
        h = h0
        for t in range(xw.size(0)):
            h = torch.tanh(torch.addmm(xw[t], h, w_h.t()), out=hs[t])
        ctx.save_for_backward(w_h, h0, hs)
        return hs

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_hs):
        w_h, h0, hs = ctx.saved_tensors
        grad_hs = grad_hs.contiguous()
        tanh_slope = 1 - hs * hs
        grad_pre = torch.empty_like(hs)  # gradient w.r.t. the pre-activation of every step
        grad_h = grad_hs[-1]
        for t in range(hs.size(0) - 1, -1, -1):
            torch.mul(grad_h, tanh_slope[t], out=grad_pre[t])
            if t > 0:  # the step before receives its own output gradient plus what flows back
                grad_h = torch.addmm(grad_hs[t - 1], grad_pre[t], w_h)
        grad_h0 = grad_pre[0] @ w_h
        previous = torch.cat([h0[None], hs[:-1]])
        width = hs.size(-1)
        grad_w_h = grad_pre.reshape(-1, width).t() @ previous.reshape(-1, width)
        return grad_pre, grad_w_h, grad_h0


class Elman(nn.Module):
    """The handout's Elman layer: hidden = tanh(lin1([x(t), hidden])), out = lin2(hidden).

    Returns `(outputs, last_hidden)` like the skeleton. `lin1` is stored as one
    Linear over the concatenation, as in the skeleton; forward splits its weight
    so that the input half is applied to all steps at once and only the hidden
    half stays inside the loop (the same arithmetic, far fewer graph nodes).
    """

    def __init__(self, insize=300, outsize=300, hsize=300):
        super().__init__()
        self.insize, self.hsize = insize, hsize
        self.lin1 = nn.Linear(insize + hsize, hsize)
        self.lin2 = nn.Linear(hsize, outsize)

    def forward(self, x, hidden=None):
        b, t, e = x.size()
        if hidden is None:  # the skeleton sized this (b, e): it must be the hidden width
            hidden = torch.zeros(b, self.hsize, dtype=x.dtype, device=x.device)
        w_x, w_h = self.lin1.weight.split([self.insize, self.hsize], dim=1)
        xw = F.linear(x, w_x, self.lin1.bias).transpose(0, 1).contiguous()
        hs = ElmanRecurrence.apply(xw, w_h, hidden).transpose(0, 1)
        return self.lin2(hs), hs[:, -1]


def skeleton_forward(layer, x):
    """The handout's loop, literally, with `layer`'s weights: lin1 on [x(t), h(t-1)],
    tanh, lin2, one step at a time. The reference our Elman is tested against, and
    the slow baseline of benchmarks/elman.py. Returns `(outputs, last_hidden)`."""
    hidden = torch.zeros(x.size(0), layer.hsize, dtype=x.dtype)
    outs = []
    for i in range(x.size(1)):
        hidden = torch.tanh(layer.lin1(torch.cat([x[:, i, :], hidden], dim=1)))
        outs.append(layer.lin2(hidden)[:, None, :])
    return torch.cat(outs, dim=1), hidden


def reverse_within_lengths(x, lengths):
    """Reverse the first `lengths[i]` steps of every row of x (batch, time, ...), leaving
    the padding after them in place; applying it twice gives x back.

    What a backward RNN must read: packing the batch instead (`pack_padded_sequence`)
    made the bidirectional LSTM about 9x slower per batch on our CPU."""
    steps = torch.arange(x.size(1), device=x.device)[None, :]
    index = torch.where(steps < lengths[:, None], lengths[:, None] - 1 - steps, steps)
    return x.gather(1, index[..., None].expand_as(x))


class Classifier(nn.Module):
    """Embedding -> layer 2 (`kind`, optionally with a backward twin) -> [lin2] -> ReLU
    -> masked global max pool -> Linear."""

    def __init__(self, kind, vocab_size, emb=300, hidden=300, numcls=2, dropout=0.0, lin2=False,
                 bidirectional=False):
        super().__init__()
        if kind not in MODELS:
            raise ValueError(f"unknown model {kind!r}; choose from {MODELS}")
        if (lin2 or bidirectional) and kind not in ("rnn", "lstm"):
            raise ValueError("lin2 and bidirectional are options of the torch RNNs (rnn, lstm)")
        self.kind = kind
        # sparse gradients: a batch touches a few thousand of the ~118k rows, and a dense
        # optimizer step over all of them cost about a second per batch on one CPU core
        self.embedding = nn.Embedding(vocab_size, emb, sparse=True)
        self.layer2_backward = None
        if kind == "mlp":
            self.layer2 = nn.Linear(emb, hidden)
        elif kind == "elman":
            self.layer2 = Elman(emb, hidden, hidden)
        else:
            torch_rnn = nn.RNN if kind == "rnn" else nn.LSTM
            self.layer2 = torch_rnn(emb, hidden, batch_first=True)
            if bidirectional:
                self.layer2_backward = torch_rnn(emb, hidden, batch_first=True)
        features = 2 * hidden if bidirectional else hidden
        # without lin2 the tanh-bounded hidden states go straight into the ReLU
        self.lin2 = nn.Linear(features, features) if lin2 else nn.Identity()
        self.out = nn.Linear(features, numcls)
        # on the embedded tokens and on the pooled features; none by default (identity)
        self.dropout = nn.Dropout(dropout) if dropout else nn.Identity()

    def forward(self, tokens, lengths):
        """tokens: long (batch, time), right-padded; lengths: long (batch,)
        -> logits (batch, numcls)."""
        x = self.dropout(self.embedding(tokens))
        h = self.layer2(x)
        if self.kind != "mlp":
            h = h[0]  # recurrent layers return (outputs, last hidden state)
        if self.layer2_backward is not None:
            backward = self.layer2_backward(reverse_within_lengths(x, lengths))[0]
            h = torch.cat([h, reverse_within_lengths(backward, lengths)], dim=-1)
        h = F.relu(self.lin2(h))
        real = torch.arange(tokens.size(1), device=tokens.device)[None, :] < lengths[:, None]
        pooled = h.masked_fill(~real[..., None], float("-inf")).amax(dim=1)
        return self.out(self.dropout(pooled))
