import numpy as np

from mytorch.optim.optimizer import Optimizer


class SGD(Optimizer):
    def __init__(self, params, lr=0.001, momentum=0.0):
        super().__init__(params)
        self.lr = lr
        self.momentum = momentum
        self.momentums = [np.zeros(t.shape) for t in self.params]

    def step(self):
        for i, param in enumerate(self.params):
            if param.grad is None:
                continue
            if self.momentum:
                self.momentums[i] = self.momentum * self.momentums[i] + param.grad.data
                param.data = param.data - self.lr * self.momentums[i]
            else:
                param.data = param.data - self.lr * param.grad.data
