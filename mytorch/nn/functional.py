"""The differentiable operations of MyTorch, one Function subclass each.

Every forward returns a new Tensor (`apply` sets its requires_grad and graph
links); every backward returns one gradient Tensor per Tensor argument, shaped
like that argument: gradients of broadcast operands are summed back to the
operand's shape (`unbroadcast`). Incompatible shapes raise ValueError naming both.
"""
import numpy as np

import mytorch.tensor as tensor
from mytorch.autograd_engine import Function


def _wrap(array):
    """A Tensor around a freshly computed array, without copying it. Results may
    share memory with an input (Transpose, Reshape, a gradient passed through);
    that is safe because operations never write into a tensor's data in place."""
    return tensor.Tensor(array, copy=False)


def unbroadcast(grad, shape):
    """Sum `grad` over the axes NumPy broadcasting added or stretched to reach `shape`."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


def check_tensors(name, *args):
    """Raise TypeError unless every argument is a Tensor (not a NumPy array or a list)."""
    for arg in args:
        if not isinstance(arg, tensor.Tensor):
            raise TypeError(f"{name} expects Tensors, got {type(arg).__name__}")


def _broadcast(name, a, b):
    """Check that a and b broadcast together (a ValueError naming both shapes if not)."""
    check_tensors(name, a, b)
    if a.shape == b.shape:
        return
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"{name}: shapes {a.shape} and {b.shape} cannot be broadcast "
                         "together") from None


def _float(data):
    """Data as floats (division, logarithms and gradients need them)."""
    return data if data.dtype.kind in "fc" else data.astype(np.float64)


# --- Elementwise arithmetic (with broadcasting) ---

class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        _broadcast("Add", a, b)
        ctx.shapes = a.shape, b.shape
        return _wrap(a.data + b.data)

    @staticmethod
    def backward(ctx, grad_output):
        a_shape, b_shape = ctx.shapes
        grad = grad_output.data
        return _wrap(unbroadcast(grad, a_shape)), _wrap(unbroadcast(grad, b_shape))


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        _broadcast("Sub", a, b)
        ctx.shapes = a.shape, b.shape
        return _wrap(a.data - b.data)

    @staticmethod
    def backward(ctx, grad_output):
        a_shape, b_shape = ctx.shapes
        grad = grad_output.data
        return _wrap(unbroadcast(grad, a_shape)), _wrap(unbroadcast(-grad, b_shape))


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        _broadcast("Mul", a, b)
        ctx.save_for_backward(a, b)
        return _wrap(a.data * b.data)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        grad = grad_output.data
        return (_wrap(unbroadcast(grad * b.data, a.shape)),
                _wrap(unbroadcast(grad * a.data, b.shape)))


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        _broadcast("Div", a, b)
        ctx.save_for_backward(a, b)
        return _wrap(_float(a.data) / b.data)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        grad_a = grad_output.data / b.data
        return (_wrap(unbroadcast(grad_a, a.shape)),
                _wrap(unbroadcast(-grad_a * a.data / b.data, b.shape)))


class Neg(Function):
    @staticmethod
    def forward(ctx, a):
        check_tensors("Neg", a)
        return _wrap(-a.data)

    @staticmethod
    def backward(ctx, grad_output):
        return _wrap(-grad_output.data)


class Pow(Function):
    """a ** exponent for a constant (number) exponent."""

    @staticmethod
    def forward(ctx, a, exponent):
        check_tensors("Pow", a)
        ctx.save_for_backward(a)
        ctx.exponent = exponent
        return _wrap(_float(a.data) ** exponent)

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return _wrap(grad_output.data * ctx.exponent * _float(a.data) ** (ctx.exponent - 1))


class Log(Function):
    @staticmethod
    def forward(ctx, a):
        check_tensors("Log", a)
        ctx.save_for_backward(a)
        return _wrap(np.log(_float(a.data)))

    @staticmethod
    def backward(ctx, grad_output):
        (a,) = ctx.saved_tensors
        return _wrap(grad_output.data / a.data)


class Exp(Function):
    @staticmethod
    def forward(ctx, a):
        check_tensors("Exp", a)
        ctx.result = np.exp(_float(a.data))
        return _wrap(ctx.result)

    @staticmethod
    def backward(ctx, grad_output):
        return _wrap(grad_output.data * ctx.result)


class ReLU(Function):
    @staticmethod
    def forward(ctx, a):
        check_tensors("ReLU", a)
        ctx.mask = a.data > 0
        return _wrap(np.maximum(_float(a.data), 0.0))  # maximum keeps NaN, as torch does

    @staticmethod
    def backward(ctx, grad_output):
        return _wrap(grad_output.data * ctx.mask)


# --- Shapes, reductions and matrix products ---

class Transpose(Function):
    @staticmethod
    def forward(ctx, a):
        check_tensors("Transpose", a)
        if a.data.ndim != 2:
            raise ValueError(f"Transpose: expected a 2-d tensor, got shape {a.shape}")
        return _wrap(a.data.T)

    @staticmethod
    def backward(ctx, grad_output):
        return _wrap(grad_output.data.T)


class Reshape(Function):
    @staticmethod
    def forward(ctx, a, shape):
        check_tensors("Reshape", a)
        ctx.shape = a.shape
        try:
            return _wrap(a.data.reshape(shape))
        except ValueError:
            raise ValueError(f"Reshape: cannot reshape a tensor of shape {a.shape} into "
                             f"{tuple(shape)}") from None

    @staticmethod
    def backward(ctx, grad_output):
        return _wrap(grad_output.data.reshape(ctx.shape))


class Sum(Function):
    """Sum over `axis` (None: all elements; an int or a tuple of ints)."""

    @staticmethod
    def forward(ctx, a, axis=None, keepdims=False):
        check_tensors("Sum", a)
        ctx.shape, ctx.axis, ctx.keepdims = a.shape, axis, keepdims
        return _wrap(a.data.sum(axis=axis, keepdims=keepdims))

    @staticmethod
    def backward(ctx, grad_output):
        grad = grad_output.data
        if ctx.axis is not None and not ctx.keepdims:  # put back the summed axes as size 1
            grad = np.expand_dims(grad, ctx.axis)
        return _wrap(np.broadcast_to(grad, ctx.shape))


class MatMul(Function):
    @staticmethod
    def forward(ctx, a, b):
        check_tensors("MatMul", a, b)
        if a.data.ndim != 2 or b.data.ndim != 2 or a.shape[1] != b.shape[0]:
            raise ValueError(f"MatMul: shapes {a.shape} and {b.shape} are not compatible "
                             "(expected (n, k) @ (k, m))")
        ctx.save_for_backward(a, b)
        return _wrap(a.data @ b.data)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        grad = grad_output.data
        # apply() records which inputs need a gradient; a direct call computes both
        need_a, need_b = getattr(ctx, "needs_input_grad", (True, True))
        return (_wrap(grad @ b.data.T) if need_a else None,
                _wrap(a.data.T @ grad) if need_b else None)


# --- Loss ---

def cross_entropy(predicted, target):
    """Mean cross-entropy of logits `predicted` (batch, classes) against integer
    class labels `target` (batch,), built from differentiable operations:
    log-sum-exp of the row minus the logit of the true class.

    The log-sum-exp subtracts the row maximum (a constant) before exponentiating,
    so large logits do not overflow; the true class's logit is picked with a
    product by its one-hot row, never by multiplying 0 with a log-probability of
    -inf, so logits such as (1e308, -1e308) give a loss of 0, as in torch.
    """
    check_tensors("cross_entropy", predicted, target)
    if predicted.data.ndim != 2 or target.shape != predicted.shape[:1]:
        raise ValueError(f"cross_entropy: predicted {predicted.shape} should be (batch, classes) "
                         f"and target {target.shape} should be (batch,)")
    batch_size, num_classes = predicted.shape
    labels = target.data.astype(np.int64)
    if not np.array_equal(labels, target.data):
        raise ValueError("cross_entropy: target must hold integer class labels")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"cross_entropy: labels must lie in [0, {num_classes}), "
                         f"got {labels.min()}..{labels.max()}")
    row_max = _wrap(predicted.data.max(axis=1, keepdims=True))
    picked = (predicted * _wrap(np.eye(num_classes)[labels])).sum(axis=1, keepdims=True)
    # Logits ~1e308 apart overflow to -inf (whose exp is 0) or to a loss of inf, as in torch.
    with np.errstate(over="ignore"):
        log_sum_exp = (predicted - row_max).exp().sum(axis=1, keepdims=True).log() + row_max
        return (log_sum_exp - picked).sum() / _wrap(batch_size)


# --- Convolution and smooth activations (HW2) ---

def get_conv1d_output_size(input_size, kernel_size, stride):
    """Width of a Conv1d's output (no padding, no dilation); also importable from
    mytorch.nn.conv, where the handout looks for it."""
    return (input_size - kernel_size) // stride + 1


def _unfold(x, kernel_size, stride, output_size):
    """The receptive fields of x (batch, in_channel, width) as one matrix per
    example, (batch, in_channel * kernel_size, output_size) ("im2col"): row
    c * kernel_size + k holds input channel c at tap k of every output position,
    so the convolution becomes a single matrix product with the flattened weight."""
    windows = np.lib.stride_tricks.sliding_window_view(x, kernel_size, axis=2)[:, :, ::stride]
    batch_size, in_channel = x.shape[:2]
    return windows.transpose(0, 1, 3, 2).reshape(batch_size, in_channel * kernel_size, output_size)


class Conv1d(Function):
    """1-d cross-correlation, as torch.nn.functional.conv1d without padding or
    dilation: x (batch, in_channel, input_size), weight (out_channel, in_channel,
    kernel_size), bias (out_channel,) -> (batch, out_channel, output_size).

    Forward and backward are matrix products over the unfolded input, so the only
    Python loop is the one over kernel taps that folds the input gradient back.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, stride):
        check_tensors("Conv1d", x, weight, bias)
        if x.data.ndim != 3 or weight.data.ndim != 3 or x.shape[1] != weight.shape[1] \
                or bias.shape != weight.shape[:1]:
            raise ValueError(f"Conv1d: input {x.shape}, weight {weight.shape} and bias "
                             f"{bias.shape} should be (batch, in_channel, width), "
                             "(out_channel, in_channel, kernel_size), (out_channel,)")
        out_channel, in_channel, kernel_size = weight.shape
        if not (isinstance(stride, (int, np.integer)) and stride >= 1) \
                or not 1 <= kernel_size <= x.shape[2]:
            raise ValueError(f"Conv1d: need an integer stride >= 1 (got {stride!r}) and a kernel "
                             f"of width >= 1 (got {kernel_size}) no wider than the input {x.shape}")
        output_size = get_conv1d_output_size(x.shape[2], kernel_size, stride)
        columns = _unfold(_float(x.data), kernel_size, stride, output_size)
        flat_weight = _float(weight.data).reshape(out_channel, in_channel * kernel_size)
        out = np.matmul(flat_weight, columns)
        out += _float(bias.data)[:, None]
        ctx.columns, ctx.flat_weight, ctx.stride = columns, flat_weight, stride
        ctx.input_shape, ctx.weight_shape = x.shape, weight.shape
        return _wrap(out)

    @staticmethod
    def backward(ctx, grad_output):
        grad = grad_output.data
        batch_size, in_channel, input_size = ctx.input_shape
        kernel_size, output_size = ctx.weight_shape[2], grad.shape[2]
        grad_bias = grad.sum(axis=(0, 2))
        # dL/dW[o, (c, k)] = sum over examples and positions of grad[o, t] * column[(c, k), t]
        grad_weight = np.matmul(grad, ctx.columns.transpose(0, 2, 1)).sum(axis=0)
        grad_weight = grad_weight.reshape(ctx.weight_shape)
        # Each column entry (c, k, t) was read from x[c, t * stride + k]: send its
        # gradient back there, one tap at a time (overlapping windows add up).
        grad_columns = np.matmul(ctx.flat_weight.T, grad).reshape(
            batch_size, in_channel, kernel_size, output_size)
        grad_x = np.zeros(ctx.input_shape)
        span = ctx.stride * (output_size - 1) + 1
        for k in range(kernel_size):
            grad_x[:, :, k:k + span:ctx.stride] += grad_columns[:, :, k]
        return _wrap(grad_x), _wrap(grad_weight), _wrap(grad_bias)


class Tanh(Function):
    @staticmethod
    def forward(ctx, a):
        check_tensors("Tanh", a)
        ctx.result = np.tanh(_float(a.data))
        return _wrap(ctx.result)

    @staticmethod
    def backward(ctx, grad_output):
        return _wrap(grad_output.data * (1 - ctx.result ** 2))


class Sigmoid(Function):
    @staticmethod
    def forward(ctx, a):
        check_tensors("Sigmoid", a)
        # 1 / (1 + e^-x) written through tanh, which cannot overflow for large |x|
        ctx.result = 0.5 * (1 + np.tanh(0.5 * _float(a.data)))
        return _wrap(ctx.result)

    @staticmethod
    def backward(ctx, grad_output):
        return _wrap(grad_output.data * ctx.result * (1 - ctx.result))
