"""The oracle's optimizers: torch's SGD (with momentum) and Adam update rules, written out
on torch tensors from torch's documentation.

torch.optim itself would do, but its first use imports torch's compiler (seconds of
imports, paid again in every test's child); tests/test_autograder_handin.py checks that
these agree with torch.optim to rounding.
"""
import torch


class SGD:
    """p -= lr * v with v = momentum * v + grad (v = grad at the first step), as torch."""

    def __init__(self, params, lr, momentum=0.0):
        self.params, self.lr, self.momentum = list(params), lr, momentum
        self.velocity = [None] * len(self.params)

    def zero_grad(self):
        for param in self.params:
            param.grad = None

    @torch.no_grad()
    def step(self):
        for index, param in enumerate(self.params):
            step = param.grad
            if self.momentum:
                previous = self.velocity[index]
                step = step.clone() if previous is None else previous * self.momentum + step
                self.velocity[index] = step
            param -= self.lr * step


class Adam(SGD):
    """torch's Adam: bias-corrected first and second moments, eps added after the root."""

    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, lr)
        self.betas, self.eps, self.steps = betas, eps, 0
        self.moments = [(torch.zeros_like(p), torch.zeros_like(p)) for p in self.params]

    @torch.no_grad()
    def step(self):
        self.steps += 1
        beta1, beta2 = self.betas
        for param, (mean, square) in zip(self.params, self.moments):
            mean.mul_(beta1).add_(param.grad, alpha=1 - beta1)
            square.mul_(beta2).addcmul_(param.grad, param.grad, value=1 - beta2)
            corrected_mean = mean / (1 - beta1 ** self.steps)
            corrected_square = square / (1 - beta2 ** self.steps)
            param -= self.lr * corrected_mean / (corrected_square.sqrt() + self.eps)
