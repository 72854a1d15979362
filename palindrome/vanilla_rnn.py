"""The vanilla (Elman) RNN of the exercise, from parameters and matrix products only.

    h(t) = tanh(W_hx x(t) + W_hh h(t-1) + b_h),   h(0) = 0
    p    = W_ph h(T) + b_p                         (logits of the last step)

Weights are stored as in the equations (W_hx is num_hidden x input_dim) and applied
to row-vector batches as x @ W.T.
"""
import math

import torch
from torch import nn


def uniform_parameter(*shape, bound, device):
    """A parameter drawn from U(-bound, bound), torch's default for RNN weights."""
    return nn.Parameter(torch.empty(*shape, device=device).uniform_(-bound, bound))


def as_sequence(x, input_dim):
    """Accept (batch, T) digits when input_dim is 1, else (batch, T, input_dim)."""
    if x.dim() == 2 and input_dim == 1:
        x = x.unsqueeze(-1)
    if x.dim() != 3 or x.shape[-1] != input_dim:
        raise ValueError(f"expected input of shape (batch, T, {input_dim}), got {tuple(x.shape)}")
    return x


RECURRENT_INITS = {"uniform": lambda weight: weight, "orthogonal": nn.init.orthogonal_,
                   "identity": lambda weight: weight.copy_(torch.eye(len(weight)))}


class VanillaRNN(nn.Module):
    """tanh RNN over the sequence, linear read-out of the final hidden state.

    Init: every weight and bias from U(-1/sqrt(n), 1/sqrt(n)) as torch's nn.RNN, so
    the recurrent matrix starts with spectral radius below one (no blow-up at T=100).
    `init` may replace W_hh: "orthogonal" (every singular value 1, so h keeps its
    norm through W_hh) or "identity" (h(t-1) passes on unchanged but for tanh, as in
    the IRNN of Le et al. 2015, which uses ReLU instead).
    """

    def __init__(self, seq_length, input_dim, num_hidden, num_classes, device="cpu",
                 init="uniform"):
        super().__init__()
        self.seq_length, self.input_dim, self.num_hidden = seq_length, input_dim, num_hidden
        bound = 1 / math.sqrt(num_hidden)
        self.W_hx = uniform_parameter(num_hidden, input_dim, bound=bound, device=device)
        self.W_hh = uniform_parameter(num_hidden, num_hidden, bound=bound, device=device)
        with torch.no_grad():
            RECURRENT_INITS[init](self.W_hh)
        self.b_h = uniform_parameter(num_hidden, bound=bound, device=device)
        self.W_ph = uniform_parameter(num_classes, num_hidden, bound=bound, device=device)
        self.b_p = uniform_parameter(num_classes, bound=bound, device=device)

    def forward(self, x, keep_states=False):
        """Logits (batch, num_classes); with keep_states also the list of h(1..T)."""
        x = as_sequence(x, self.input_dim)
        inputs = x @ self.W_hx.T + self.b_h  # all time steps' input terms in one product
        h = x.new_zeros(x.shape[0], self.num_hidden)
        W_hh_T = self.W_hh.T
        states = []
        for step_input in inputs.unbind(1):  # unbind, not inputs[:, t]: one gradient copy, not T
            h = torch.tanh(torch.addmm(step_input, h, W_hh_T))
            states.append(h)
        logits = torch.addmm(self.b_p, h, self.W_ph.T)
        return (logits, states) if keep_states else logits
