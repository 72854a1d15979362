"""The LSTM of the exercise, from parameters, matrix products and element-wise ops.

    g = tanh(W_gx x + W_gh h + b_g)     i = σ(W_ix x + W_ih h + b_i)
    f = σ(W_fx x + W_fh h + b_f)        o = σ(W_ox x + W_oh h + b_o)
    c = g ⊙ i + c ⊙ f                   h = tanh(c) ⊙ o
    p = W_ph h(T) + b_p

The parameters keep the equations' names; for speed the forward pass stacks the
four gates' matrices into one (g, i, f, o order), projects the inputs of every time
step with a single product before the loop, and does one product with h per step.
"""
import math

import torch
from torch import nn

from palindrome.vanilla_rnn import as_sequence, uniform_parameter

GATES = ("g", "i", "f", "o")


def chrono_forget_bias(num_hidden, max_length, device="cpu"):
    """log(u) with u ~ U(1, max_length - 1): the chrono forget-gate biases."""
    if max_length < 3:
        raise ValueError(f"chrono initialisation needs T_max >= 3, got {max_length}")
    return torch.empty(num_hidden, device=device).uniform_(1, max_length - 1).log()


class LSTM(nn.Module):
    """LSTM over the sequence, linear read-out of the final hidden state.

    Init: weights and biases from U(-1/sqrt(n), 1/sqrt(n)) as torch's nn.LSTM, except
    the forget-gate bias. By default b_f = 1, so that f starts near σ(1) = 0.73. With
    `chrono` = T_max, the chrono initialisation of Tallec & Ollivier (ICLR 2018):
    b_f = log(u), u ~ U(1, T_max - 1), and b_i = -b_f, so that each unit starts
    with a memory time scale of about u steps, spread up to T_max; at u = 40 the
    cell keeps f^40 ≈ 0.37 of its content after 40 steps, where σ(1)^40 ≈ 4e-6.
    Without `chrono_input_gate`, b_i keeps torch's init (the ablation's variant).
    """

    def __init__(self, seq_length, input_dim, num_hidden, num_classes, device="cpu",
                 chrono=None, chrono_input_gate=True):
        super().__init__()
        self.seq_length, self.input_dim, self.num_hidden = seq_length, input_dim, num_hidden
        bound = 1 / math.sqrt(num_hidden)
        for gate in GATES:
            setattr(self, f"W_{gate}x",
                    uniform_parameter(num_hidden, input_dim, bound=bound, device=device))
            setattr(self, f"W_{gate}h",
                    uniform_parameter(num_hidden, num_hidden, bound=bound, device=device))
            setattr(self, f"b_{gate}", uniform_parameter(num_hidden, bound=bound, device=device))
        with torch.no_grad():
            if chrono is None:
                self.b_f.fill_(1.0)
            else:
                self.b_f.copy_(chrono_forget_bias(num_hidden, chrono, self.b_f.device))
                if chrono_input_gate:
                    self.b_i.copy_(-self.b_f)
        self.W_ph = uniform_parameter(num_classes, num_hidden, bound=bound, device=device)
        self.b_p = uniform_parameter(num_classes, bound=bound, device=device)

    def stacked(self, kind):
        """The four gates' matrices (kind 'x' or 'h') or biases ('b') stacked as g, i, f, o."""
        if kind == "b":
            return torch.cat([getattr(self, f"b_{gate}") for gate in GATES])
        return torch.cat([getattr(self, f"W_{gate}{kind}") for gate in GATES])

    def forward(self, x, keep_states=False):
        """Logits (batch, num_classes); with keep_states also the list of h(1..T)."""
        x = as_sequence(x, self.input_dim)
        n = self.num_hidden
        inputs = x @ self.stacked("x").T + self.stacked("b")  # (batch, T, 4n), every step at once
        W_h_T = self.stacked("h").T
        h = x.new_zeros(x.shape[0], n)
        c = torch.zeros_like(h)
        states = []
        for step_input in inputs.unbind(1):  # unbind, not inputs[:, t]: one gradient copy, not T
            pre_g, pre_ifo = torch.addmm(step_input, h, W_h_T).split([n, 3 * n], dim=1)
            g = torch.tanh(pre_g)
            i, f, o = torch.sigmoid(pre_ifo).chunk(3, dim=1)
            c = torch.addcmul(c * f, g, i)
            h = torch.tanh(c) * o
            states.append(h)
        logits = torch.addmm(self.b_p, h, self.W_ph.T)
        return (logits, states) if keep_states else logits

    def forget_gates(self, x, states):
        """f(t) for t = 1..T, (batch, T, n), recomputed from the inputs and the
        states that forward(x, keep_states=True) returned (h(0) = 0)."""
        x = as_sequence(x, self.input_dim)
        previous = torch.stack([torch.zeros_like(states[0]), *states[:-1]], dim=1)
        return torch.sigmoid(x @ self.W_fx.T + previous @ self.W_fh.T + self.b_f)
