"""The differentiable operations of MyTorch, one Function subclass each.

Every forward returns a new Tensor (`apply` sets its requires_grad and graph
links); every backward returns one gradient Tensor per Tensor argument, shaped
like that argument: gradients of broadcast operands are summed back to the
operand's shape (`unbroadcast`). Incompatible shapes raise ValueError naming both.
"""
import numpy as np

import mytorch.tensor as tensor
from mytorch.autograd_engine import Function


def unbroadcast(grad, shape):
    """Sum `grad` over the axes NumPy broadcasting added or stretched to reach `shape`."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def _check_tensors(name, *args):
    for arg in args:
        if not isinstance(arg, tensor.Tensor):
            raise TypeError(f"{name} expects Tensors, got {type(arg).__name__}")


def _broadcast(name, a, b):
    """Check that a and b broadcast together (a ValueError naming both shapes if not)."""
    _check_tensors(name, a, b)
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"{name}: shapes {a.shape} and {b.shape} cannot be broadcast together") from None


def _float(data):
    """Data as floats (division, logarithms and gradients need them)."""
    return data if data.dtype.kind in "fc" else data.astype(np.float64)


# --- Elementwise arithmetic (with broadcasting) ---

class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        _broadcast("Add", a, b)
        ctx.shapes = a.shape, b.shape
        return tensor.Tensor(a.data + b.data)

    @staticmethod
    def backward(ctx, grad_output):
        a_shape, b_shape = ctx.shapes
        grad = grad_output.data
        return tensor.Tensor(unbroadcast(grad, a_shape)), tensor.Tensor(unbroadcast(grad, b_shape))


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        _broadcast("Sub", a, b)
        ctx.shapes = a.shape, b.shape
        return tensor.Tensor(a.data - b.data)

    @staticmethod
    def backward(ctx, grad_output):
        a_shape, b_shape = ctx.shapes
        grad = grad_output.data
        return tensor.Tensor(unbroadcast(grad, a_shape)), tensor.Tensor(unbroadcast(-grad, b_shape))


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        _broadcast("Mul", a, b)
        ctx.save_for_backward(a, b)
        return tensor.Tensor(a.data * b.data)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        grad = grad_output.data
        return (tensor.Tensor(unbroadcast(grad * b.data, a.shape)),
                tensor.Tensor(unbroadcast(grad * a.data, b.shape)))


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        _broadcast("Div", a, b)
        ctx.save_for_backward(a, b)
        return tensor.Tensor(_float(a.data) / b.data)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        grad_a = grad_output.data / b.data
        return (tensor.Tensor(unbroadcast(grad_a, a.shape)),
                tensor.Tensor(unbroadcast(-grad_a * a.data / b.data, b.shape)))


class Neg(Function):
    @staticmethod
    def forward(ctx, a):
        _check_tensors("Neg", a)
        return tensor.Tensor(-a.data)

    @staticmethod
    def backward(ctx, grad_output):
        return tensor.Tensor(-grad_output.data)


class Pow(Function):
    """a ** exponent for a constant (number) exponent."""

    @staticmethod
    def forward(ctx, a, exponent):
        _check_tensors("Pow", a)
        ctx.save_for_backward(a)
        ctx.exponent = exponent
        return tensor.Tensor(_float(a.data) ** exponent)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return tensor.Tensor(grad_output.data * ctx.exponent * _float(a.data) ** (ctx.exponent - 1))


class Log(Function):
    @staticmethod
    def forward(ctx, a):
        _check_tensors("Log", a)
        ctx.save_for_backward(a)
        return tensor.Tensor(np.log(_float(a.data)))

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return tensor.Tensor(grad_output.data / a.data)


class Exp(Function):
    @staticmethod
    def forward(ctx, a):
        _check_tensors("Exp", a)
        ctx.result = np.exp(_float(a.data))
        return tensor.Tensor(ctx.result)

    @staticmethod
    def backward(ctx, grad_output):
        return tensor.Tensor(grad_output.data * ctx.result)


class ReLU(Function):
    @staticmethod
    def forward(ctx, a):
        _check_tensors("ReLU", a)
        ctx.mask = a.data > 0
        return tensor.Tensor(np.where(ctx.mask, a.data, 0.0))

    @staticmethod
    def backward(ctx, grad_output):
        return tensor.Tensor(grad_output.data * ctx.mask)


# --- Shapes, reductions and matrix products ---

class Transpose(Function):
    @staticmethod
    def forward(ctx, a):
        _check_tensors("Transpose", a)
        if a.data.ndim != 2:
            raise ValueError(f"Transpose: expected a 2-d tensor, got shape {a.shape}")
        return tensor.Tensor(a.data.T)

    @staticmethod
    def backward(ctx, grad_output):
        return tensor.Tensor(grad_output.data.T)


class Reshape(Function):
    @staticmethod
    def forward(ctx, a, shape):
        _check_tensors("Reshape", a)
        ctx.shape = a.shape
        try:
            return tensor.Tensor(a.data.reshape(shape))
        except ValueError:
            raise ValueError(f"Reshape: cannot reshape a tensor of shape {a.shape} into {tuple(shape)}") from None

    @staticmethod
    def backward(ctx, grad_output):
        return tensor.Tensor(grad_output.data.reshape(ctx.shape))


class Sum(Function):
    """Sum over `axis` (None: all elements; an int or a tuple of ints)."""

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        _check_tensors("Sum", a)
        ctx.shape, ctx.axis, ctx.keepdims = a.shape, axis, keepdims
        return tensor.Tensor(a.data.sum(axis=axis, keepdims=keepdims))

    @staticmethod
    def backward(ctx, grad_output):
        grad = grad_output.data
        if ctx.axis is not None and not ctx.keepdims:  # put back the summed axes as size 1
            grad = np.expand_dims(grad, ctx.axis)
        return tensor.Tensor(np.broadcast_to(grad, ctx.shape))


class MatMul(Function):
    @staticmethod
    def forward(ctx, a, b):
        _check_tensors("MatMul", a, b)
        if a.data.ndim != 2 or b.data.ndim != 2 or a.shape[1] != b.shape[0]:
            raise ValueError(f"MatMul: shapes {a.shape} and {b.shape} are not compatible "
                             "(expected (n, k) @ (k, m))")
        ctx.save_for_backward(a, b)
        return tensor.Tensor(a.data @ b.data)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        grad = grad_output.data
        return tensor.Tensor(grad @ b.data.T), tensor.Tensor(a.data.T @ grad)


# --- Loss ---

def cross_entropy(predicted, target):
    """Mean cross-entropy of logits `predicted` (batch, classes) against integer
    class labels `target` (batch,), built from differentiable operations.

    log softmax uses the log-sum-exp trick: the row maximum (a constant) is
    subtracted before exponentiating, so large logits do not overflow.
    """
    _check_tensors("cross_entropy", predicted, target)
    if predicted.data.ndim != 2 or target.shape != predicted.shape[:1]:
        raise ValueError(f"cross_entropy: predicted {predicted.shape} should be (batch, classes) "
                         f"and target {target.shape} should be (batch,)")
    batch_size, num_classes = predicted.shape
    labels = target.data.astype(np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"cross_entropy: labels must lie in [0, {num_classes}), got {labels.min()}..{labels.max()}")
    shifted = predicted - tensor.Tensor(predicted.data.max(axis=1, keepdims=True))
    log_sum_exp = shifted.exp().sum(axis=1, keepdims=True).log()
    log_softmax = shifted - log_sum_exp
    one_hot = tensor.Tensor(np.eye(num_classes)[labels])
    return -(log_softmax * one_hot).sum() / tensor.Tensor(batch_size)


# --- Convolution and smooth activations (HW2, see issue 6) ---
