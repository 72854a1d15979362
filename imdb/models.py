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


# Rows (steps x batch) of each matrix product of the Elman layer: products over whole
# reviews (tens of thousands of rows) measured slower per row on our CPU than blocks of
# a few hundred, whose operands stay in the cache.
BLOCK_ROWS = 512


def time_blocks(steps, batch):
    """(first step, steps) of the blocks of about BLOCK_ROWS rows that cover `steps`."""
    size = max(1, BLOCK_ROWS // batch)
    return [(first, min(size, steps - first)) for first in range(0, steps, size)]


class ElmanFunction(torch.autograd.Function):
    """h(t) = tanh(W_x x(t) + W_h h(t-1) + b1) and y(t) = W2 h(t) + b2 for all t, with
    backpropagation through time written out by hand. Inputs and outputs are
    batch-major (batch, time, width); the states are kept time-major.

    Time is cut into blocks (time_blocks): per block one product gives the input
    projection of all its steps, the loop does one h @ W_h^T per step, and one product
    gives the block's outputs; backward walks the blocks in reverse with the transposed
    products and adds up the weight gradients. Letting autograd record the loop instead
    stores a graph node per slice and step, which is what makes the handout's skeleton
    slow.
    """

    @staticmethod
    def forward(ctx, x, w1, b1, w2, b2, h0):
        batch, steps, insize = x.shape
        w_x, w_h = w1.split([insize, h0.size(1)], dim=1)
        w_h_t = w_h.t().contiguous()  # read at every step: a dense copy is faster to read
        hs = x.new_empty(steps, batch, h0.size(1))
        ys = x.new_empty(batch, steps, w2.size(0))
        h = h0
        for first, size in time_blocks(steps, batch):
            block = slice(first, first + size)
            inputs = x[:, block].transpose(0, 1).reshape(size * batch, insize)
            states = hs[block]  # the input projections, turned into states step by step
            torch.addmm(b1, inputs, w_x.t(), out=states.view(size * batch, -1))
            for t in range(size):
                h = states[t].addmm_(h, w_h_t).tanh_()
            outputs = torch.addmm(b2, hs[block].flatten(0, 1), w2.t())
            ys[:, block] = outputs.view(size, batch, -1).transpose(0, 1)
        ctx.save_for_backward(x, w1, w2, h0, hs)
        return ys, hs[-1]

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_ys, grad_last):
        x, w1, w2, h0, hs = ctx.saved_tensors
        batch, steps, insize = x.shape
        w_x, w_h = w1.split([insize, h0.size(1)], dim=1)
        w_h = w_h.contiguous()
        grad_x, grad_pre = torch.empty_like(x), torch.empty_like(hs)  # pre: before the tanh
        grad_w1, grad_w2 = torch.zeros_like(w1), torch.zeros_like(w2)
        grad_w_x, grad_w_h = grad_w1.split([insize, h0.size(1)], dim=1)
        grad_b2 = torch.zeros_like(w2[:, 0])
        carry = grad_last  # the gradient flowing into the last step of the block to do
        for first, size in reversed(time_blocks(steps, batch)):
            block = slice(first, first + size)
            grad_outputs = grad_ys[:, block].transpose(0, 1).reshape(size * batch, -1)
            grad_h = (grad_outputs @ w2).view(size, batch, -1)
            grad_h[-1] += carry
            tanh_slope = 1 - hs[block] * hs[block]
            for t in range(size - 1, -1, -1):
                torch.mul(grad_h[t], tanh_slope[t], out=grad_pre[first + t])
                if t > 0:  # the step before: its own output gradient plus what flows back
                    grad_h[t - 1].addmm_(grad_pre[first + t], w_h)
            carry = grad_pre[first] @ w_h
            pre = grad_pre[block].flatten(0, 1)
            grad_x[:, block] = (pre @ w_x).view(size, batch, -1).transpose(0, 1)
            inputs = x[:, block].transpose(0, 1).reshape(size * batch, insize)
            grad_w_x.addmm_(pre.t(), inputs)
            if first == 0:  # h(t-1) of the first step is h0
                grad_w_h.addmm_(grad_pre[0].t(), h0)
                pre, block = pre[batch:], slice(1, size)
            grad_w_h.addmm_(pre.t(), hs[block.start - 1:block.stop - 1].flatten(0, 1))
            grad_w2.addmm_(grad_outputs.t(), hs[first:first + size].flatten(0, 1))
            grad_b2 += grad_outputs.sum(0)
        return grad_x, grad_w1, grad_pre.sum((0, 1)), grad_w2, grad_b2, carry


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
