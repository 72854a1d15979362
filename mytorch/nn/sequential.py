"""Sequential: layers applied one after another, registered as submodules "0", "1", ..."""
from mytorch.nn.module import Module


class Sequential(Module):
    def __init__(self, *layers):
        super().__init__()
        self.layers = layers
        for index, layer in enumerate(layers):
            self.add_module(str(index), layer)

    def __iter__(self):
        return iter(self.layers)

    def __getitem__(self, index):
        return self.layers[index]

    def __len__(self):
        return len(self.layers)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x
