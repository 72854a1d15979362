class Optimizer():
    def __init__(self, params):
        self.params = list(params)
        self.state = []

    def step(self):
        raise NotImplementedError

    def zero_grad(self):
        for param in self.params:
            param.grad = None
