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


class ElmanFunction(torch.autograd.Function):
    """h(t) = tanh(W_x x(t) + W_h h(t-1) + b1) and y(t) = W2 h(t) + b2 for all t, with
    backpropagation through time written out by hand. Everything stays batch-major
    (batch, time, width), so every product over all steps reads and writes whole
    tensors without a copy; one step's states are a strided (batch, width) view.

    Forward: one product gives the input projections of all steps, the loop turns
    them into the states in place with one h @ W_h^T per step, and one product gives
    the outputs. Backward mirrors it: one product, a loop of one product per step,
    then one product per weight. Letting autograd record the loop instead stores a
    graph node per slice and step, which is what makes the handout's skeleton slow.
    """

    @staticmethod
    def forward(ctx, x, w1, b1, w2, b2, h0):
        batch, steps, insize = x.shape
        x = x.contiguous()
        w_x, w_h = w1.split([insize, h0.size(1)], dim=1)
        w_h_t = w_h.t().contiguous()  # read at every step: a dense copy is faster to read
        flat_x = x.view(batch * steps, insize)
        hs = torch.addmm(b1, flat_x, w_x.t()).view(batch, steps, -1)
        h = h0
        for state in hs.unbind(1):
            h = state.addmm_(h, w_h_t).tanh_()
        ys = torch.addmm(b2, hs.view(batch * steps, -1), w2.t()).view(batch, steps, -1)
        ctx.save_for_backward(x, w1, w2, h0, hs)
        ctx.set_materialize_grads(False)  # an unused output's gradient stays None
        return ys, hs[:, -1]

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_ys, grad_last):
        x, w1, w2, h0, hs = ctx.saved_tensors
        batch, steps, insize = x.shape
        hsize = h0.size(1)
        w_x, w_h = w1.split([insize, hsize], dim=1)
        w_h = w_h.contiguous()
        if grad_ys is None:
            grad_ys = torch.zeros(batch, steps, w2.size(0), dtype=x.dtype, device=x.device)
        flat_grad_ys = grad_ys.reshape(batch * steps, -1)
        # the gradient at each state, turned step by step (last first) into the gradient
        # before its tanh, grad * (1 - h^2), in place
        grad = (flat_grad_ys @ w2).view(batch, steps, hsize)
        if grad_last is not None:
            grad[:, -1] += grad_last
        tanh_backward = torch.ops.aten.tanh_backward.grad_input
        grads, states = grad.unbind(1), hs.unbind(1)
        for t in range(steps - 1, -1, -1):
            tanh_backward(grads[t], states[t], grad_input=grads[t])
            if t > 0:
                grads[t - 1].addmm_(grads[t], w_h)
        first = grad[:, 0]
        flat_grad, flat_hs = grad.view(batch * steps, hsize), hs.view(batch * steps, hsize)
        grad_x = (flat_grad @ w_x).view(batch, steps, insize)
        # W_h pairs step t's gradient with state t-1, the row before it in the flat
        # layout; at t = 0 that row is the previous sequence's last state: its term is
        # taken out again, and h0's put in
        grad_w_h = torch.addmm(first.t() @ h0, flat_grad[1:].t(), flat_hs[:-1])
        grad_w_h.addmm_(first[1:].t(), hs[:-1, -1], alpha=-1)
        grad_w1 = torch.cat([flat_grad.t() @ x.view(batch * steps, insize), grad_w_h], dim=1)
        return (grad_x, grad_w1, flat_grad.sum(0), flat_grad_ys.t() @ flat_hs,
                flat_grad_ys.sum(0), first @ w_h)


class Elman(nn.Module):
    """The handout's Elman layer: hidden = tanh(lin1([x(t), hidden])), out = lin2(hidden).

    Returns `(outputs, last_hidden)` like the skeleton. `lin1` is stored as one
    Linear over the concatenation, as in the skeleton; ElmanFunction splits its
    weight so that the input half is applied to many steps at once and only the
    hidden half stays inside the loop (the same arithmetic, far fewer graph nodes).
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
        return ElmanFunction.apply(x, self.lin1.weight, self.lin1.bias, self.lin2.weight,
                                   self.lin2.bias, hidden)


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


class NgramMLP(nn.Module):
    """The baseline's MLP with a review's n-grams as its input instead of its tokens:
    Linear(n-grams, hidden) on the weighted n-gram set -> ReLU -> dropout ->
    Linear(hidden, numcls).

    The first Linear is an EmbeddingBag that sums the rows of the n-grams present,
    each times its weight: the product with the sparse input vector, without
    building it. Its gradient is sparse (a batch touches a few of the many rows)."""

    def __init__(self, ngrams, hidden=16, numcls=2, dropout=0.5):
        super().__init__()
        self.hidden = nn.EmbeddingBag(ngrams, hidden, mode="sum", sparse=True)
        nn.init.normal_(self.hidden.weight, std=0.01)  # small: a review sums hundreds of rows
        self.bias = nn.Parameter(torch.zeros(hidden))
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(hidden, numcls)

    def forward(self, columns, starts, weights):
        """columns, weights: the n-grams of all reviews of the batch, one after the
        other; starts: where each review's n-grams begin -> logits (batch, numcls)."""
        summed = self.hidden(columns, starts, per_sample_weights=weights)
        return self.out(self.dropout(F.relu(summed + self.bias)))
