from mytorch.nn.module import Module


class Sequential(Module):
    """Passes input data through stored layers, in order."""

    def __init__(self, *layers):
        super().__init__()
        self.layers = layers
        for idx, l in enumerate(self.layers):
            self.add_module(str(idx), l)

    def __iter__(self):
        yield from self.layers

    def __getitem__(self, idx):
        return self.layers[idx]

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x
