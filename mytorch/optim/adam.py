"""Adam with torch's update rule (bias-corrected first and second moments):
m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
param -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)."""
import numpy as np

from mytorch.optim.optimizer import Optimizer, check_hyperparameter


class Adam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        check_hyperparameter("learning rate", lr)
        check_hyperparameter("epsilon", eps)
        for beta in betas:
            check_hyperparameter("beta", beta, high=1.0)
        super().__init__(params)
        self.lr, self.betas, self.eps = lr, betas, eps
        # per parameter, as torch: a parameter without a gradient skips the step
        self.state = [{"step": 0, "m": np.zeros(p.shape), "v": np.zeros(p.shape)}
                      for p in self.params]

    def step(self):
        beta1, beta2 = self.betas
        for param, state in zip(self.params, self.state):
            if param.grad is None:
                continue
            grad = param.grad.data
            state["step"] += 1
            state["m"] = beta1 * state["m"] + (1 - beta1) * grad
            state["v"] = beta2 * state["v"] + (1 - beta2) * grad * grad
            m_hat = state["m"] / (1 - beta1 ** state["step"])
            v_hat = state["v"] / (1 - beta2 ** state["step"])
            param.data -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
