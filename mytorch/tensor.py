"""Tensor: a NumPy array with the bookkeeping autograd needs.

`.data` holds the values (float data is stored as float64), `.grad` the gradient
accumulated by `backward()` (leaf tensors that require a gradient only), and
`.grad_fn` the graph node that produced the tensor. Operators (+ - * / @, unary
minus, ** with a number) run the Functions of `mytorch.nn.functional`, so they
are recorded for backpropagation; plain numbers are wrapped as constant tensors.
"""
import numpy as np

import mytorch.autograd_engine as autograd_engine
import mytorch.nn.functional as F


class Tensor:
    def __init__(self, data, requires_grad=False, is_leaf=True, is_parameter=False, *, copy=True):
        # copy=False is for Functions wrapping an array they just computed
        self.data = np.array(data) if copy else np.asarray(data)
        if self.data.dtype.kind == "f" and self.data.dtype != np.float64:
            self.data = self.data.astype(np.float64)
        self.grad = None
        self.grad_fn = None
        self.is_leaf = is_leaf
        self.is_parameter = is_parameter
        self._accumulator = None  # this leaf's AccumulateGrad node, made on first use
        self.requires_grad = requires_grad

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if value and self.data.dtype.kind in "biu":  # gradients need floats
            self.data = self.data.astype(np.float64)
        self._requires_grad = bool(value)

    @property
    def shape(self):
        return self.data.shape

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        grad = f", grad_fn={self.grad_fn.function_name}" if self.grad_fn is not None else ""
        flag = ", requires_grad=True" if self.requires_grad and self.grad_fn is None else ""
        return f"tensor({self.data}{flag}{grad})"

    __str__ = __repr__

    def copy(self):
        """A new leaf tensor with a copy of the data (and no graph)."""
        return Tensor(self.data)

    def fill_(self, value):
        self.data.fill(value)
        return self

    # ----- constructors (as the handout's static methods) -----
    @staticmethod
    def zeros(*shape):
        return Tensor(np.zeros(shape))

    @staticmethod
    def ones(*shape):
        return Tensor(np.ones(shape))

    @staticmethod
    def arange(*interval):
        return Tensor(np.arange(*interval))

    @staticmethod
    def randn(*shape):
        return Tensor(np.random.normal(0, 1, shape))

    @staticmethod
    def empty(*shape):
        return Tensor(np.empty(shape))

    # ----- autograd -----
    def backward(self, gradient=None):
        """Backpropagate from this tensor; without `gradient`, seed with ones of its shape."""
        if not self.requires_grad:
            raise RuntimeError("backward() called on a tensor that does not require grad "
                               "(no input of the computation has requires_grad=True)")
        seed = np.ones(self.shape) if gradient is None else _as_tensor(gradient).data
        if seed.shape != self.shape:
            raise ValueError(f"backward(): gradient of shape {seed.shape} for a tensor of "
                             f"shape {self.shape}")
        node = self.grad_fn if self.grad_fn is not None else autograd_engine._node_of(self)
        if node is not None:
            autograd_engine.backward(node, seed)

    # ----- operations -----
    def T(self):
        return F.Transpose.apply(self)

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return F.Reshape.apply(self, shape)

    def log(self):
        return F.Log.apply(self)

    def exp(self):
        return F.Exp.apply(self)

    def sum(self, axis=None, keepdims=False):
        return F.Sum.apply(self, axis, keepdims)

    def relu(self):
        return F.ReLU.apply(self)

    def __add__(self, other):
        return F.Add.apply(self, _as_tensor(other))

    def __radd__(self, other):
        return F.Add.apply(_as_tensor(other), self)

    def __sub__(self, other):
        return F.Sub.apply(self, _as_tensor(other))

    def __rsub__(self, other):
        return F.Sub.apply(_as_tensor(other), self)

    def __mul__(self, other):
        return F.Mul.apply(self, _as_tensor(other))

    def __rmul__(self, other):
        return F.Mul.apply(_as_tensor(other), self)

    def __truediv__(self, other):
        return F.Div.apply(self, _as_tensor(other))

    def __rtruediv__(self, other):
        return F.Div.apply(_as_tensor(other), self)

    def __matmul__(self, other):
        return F.MatMul.apply(self, _as_tensor(other))

    def __rmatmul__(self, other):
        return F.MatMul.apply(_as_tensor(other), self)

    def __neg__(self):
        return F.Neg.apply(self)

    def __pow__(self, exponent):
        return F.Pow.apply(self, exponent)


def _as_tensor(value):
    """`value` itself if it is a Tensor, else a constant Tensor holding it."""
    return value if isinstance(value, Tensor) else Tensor(value)
