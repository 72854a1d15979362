"""SGD with optional momentum, with torch's update rule:
v = momentum * v + grad;  param -= lr * v   (v = grad when momentum is 0)."""
import numpy as np

from mytorch.optim.optimizer import Optimizer, check_hyperparameter


class SGD(Optimizer):
    def __init__(self, params, lr=0.001, momentum=0.0):
        check_hyperparameter("learning rate", lr)
        check_hyperparameter("momentum", momentum)
        super().__init__(params)
        self.lr, self.momentum = lr, momentum
        self.momentums = [np.zeros(param.shape) for param in self.params]

    def step(self):
        for param, velocity in zip(self.params, self.momentums):
            if param.grad is None:  # not used in this step: left alone, as torch does
                continue
            if self.momentum:
                velocity *= self.momentum
                velocity += param.grad.data
                param.data -= self.lr * velocity
            else:
                param.data -= self.lr * param.grad.data
