import numpy as np

import mytorch.autograd_engine as autograd_engine
import mytorch.nn.functional as F


class Tensor:
    def __init__(self, data, requires_grad=False, is_leaf=True, is_parameter=False):
        self.data = np.array(data)
        self.requires_grad = requires_grad
        self.is_leaf = is_leaf
        self.is_parameter = is_parameter
        self.grad_fn = None
        self.grad = None

    def __str__(self):
        return "{}{}".format(str(self.data), ", grad_fn=" + type(self.grad_fn).__name__
                             if self.grad_fn else "")

    def __repr__(self):
        return self.__str__()

    @property
    def shape(self):
        return self.data.shape

    @staticmethod
    def zeros(*shape):
        return Tensor(np.zeros(shape))

    @staticmethod
    def ones(*shape):
        return Tensor(np.ones(shape))

    @staticmethod
    def randn(*shape):
        return Tensor(np.random.normal(0, 1, shape))

    def backward(self):
        # the gradient of the output with respect to itself is all ones
        autograd_engine.backward(self.grad_fn, Tensor(np.ones(self.shape)))

    def T(self):
        return F.Transpose.apply(self)

    def reshape(self, *shape):
        return F.Reshape.apply(self, shape)

    def log(self):
        return F.Log.apply(self)

    def exp(self):
        return F.Exp.apply(self)

    def sum(self, axis=None, keepdims=False):
        return F.Sum.apply(self, axis, keepdims)

    def __add__(self, other):
        return F.Add.apply(self, other)

    def __sub__(self, other):
        return F.Sub.apply(self, other)

    def __mul__(self, other):
        return F.Mul.apply(self, other)

    def __truediv__(self, other):
        return F.Div.apply(self, other)

    def __matmul__(self, other):
        return F.MatMul.apply(self, other)
