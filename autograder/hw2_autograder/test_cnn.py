"""Graded test of the section-3 CNN: five SGD steps on one batch against the
same network in torch float64, from identical weights. Each step compares the
logits, the input gradient and the Linear layer's gradients."""
import numpy as np
import torch

from autograder.hw1_autograder.checks import assert_close
from hw2.hw2 import CNN
from autograder.hw2_autograder.torch_cnn import torch_cnn
from mytorch.nn.loss import CrossEntropyLoss
from mytorch.optim.sgd import SGD
from mytorch.tensor import Tensor

STEPS, BATCH_SIZE = 5, 4
LAYERS = ["Conv1d", "Tanh", "Conv1d", "ReLU", "Conv1d", "Sigmoid", "Flatten", "Linear"]


def test_cnn():
    np.random.seed(50)
    model = CNN()
    layers = [type(layer).__name__ for layer in model.layers]
    assert layers == LAYERS, f"CNN().layers is {layers}, expected {LAYERS}"
    reference = torch_cnn(model)
    optimizer, reference_optimizer = SGD(model.parameters()), torch.optim.SGD(reference.parameters(), lr=0.001)
    rng = np.random.default_rng(50)
    batch, labels = rng.normal(0, 1, (BATCH_SIZE, 24, 60)), rng.integers(0, 10, BATCH_SIZE)
    x, tx = Tensor(batch, requires_grad=True), torch.tensor(batch, requires_grad=True)
    for step in range(STEPS):
        optimizer.zero_grad()
        reference_optimizer.zero_grad()
        x.grad, tx.grad = None, None
        out, expected = model(x), reference(tx)
        assert_close(out, expected, f"step {step}: logits")
        CrossEntropyLoss()(out, Tensor(labels)).backward()
        torch.nn.functional.cross_entropy(expected, torch.tensor(labels)).backward()
        assert_close(x.grad, tx.grad, f"step {step}: input gradient")
        linear, reference_linear = model.layers[-1], reference[-1]
        assert_close(linear.weight.grad, reference_linear.weight.grad, f"step {step}: Linear weight gradient")
        assert_close(linear.bias.grad, reference_linear.bias.grad, f"step {step}: Linear bias gradient")
        optimizer.step()
        reference_optimizer.step()
    for index, param in enumerate(model.parameters()):
        assert param.is_leaf and param.is_parameter and param.requires_grad and param.grad_fn is None, \
            f"parameter {index} is no longer a leaf parameter after training"
    return True
