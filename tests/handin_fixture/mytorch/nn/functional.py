import numpy as np

from mytorch import tensor
from mytorch.autograd_engine import Function


def check_tensors(a, b):
    if not (type(a).__name__ == "Tensor" and type(b).__name__ == "Tensor"):
        raise Exception("Both args must be Tensors: {}, {}".format(type(a).__name__,
                                                                    type(b).__name__))


def needs_grad(*args):
    return any(arg.requires_grad for arg in args)


def make(data, *parents):
    requires_grad = needs_grad(*parents)
    return tensor.Tensor(data, requires_grad=requires_grad, is_leaf=not requires_grad)


def unbroadcast(grad, shape):
    # sum the gradient over the axes that broadcasting added or stretched
    while len(grad.shape) > len(shape):
        grad = grad.sum(axis=0)
    for axis, size in enumerate(shape):
        if size == 1 and grad.shape[axis] != 1:
            grad = grad.sum(axis=axis, keepdims=True)
    return grad


class Transpose(Function):
    @staticmethod
    def forward(ctx, a):
        if not len(a.shape) == 2:
            raise Exception("Arg for Transpose must be 2D tensor: {}".format(a.shape))
        return make(a.data.T, a)

    @staticmethod
    def backward(ctx, grad_output):
        return (tensor.Tensor(grad_output.data.T),)


class Reshape(Function):
    @staticmethod
    def forward(ctx, a, shape):
        if not type(a).__name__ == "Tensor":
            raise Exception("Arg for Reshape must be tensor: {}".format(type(a).__name__))
        ctx.shape = a.shape
        return make(a.data.reshape(shape), a)

    @staticmethod
    def backward(ctx, grad_output):
        return (tensor.Tensor(grad_output.data.reshape(ctx.shape)),)


class Log(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return make(np.log(a.data), a)

    @staticmethod
    def backward(ctx, grad_output):
        a = ctx.saved_tensors[0]
        return (tensor.Tensor(grad_output.data / a.data),)


class Exp(Function):
    @staticmethod
    def forward(ctx, a):
        out = make(np.exp(a.data), a)
        ctx.out = out.data
        return out

    @staticmethod
    def backward(ctx, grad_output):
        return (tensor.Tensor(grad_output.data * ctx.out),)


class Sqrt(Function):
    @staticmethod
    def forward(ctx, a):
        out = make(np.sqrt(a.data), a)
        ctx.out = out.data
        return out

    @staticmethod
    def backward(ctx, grad_output):
        return (tensor.Tensor(grad_output.data / (2 * ctx.out)),)


class Sum(Function):
    @staticmethod
    def forward(ctx, a, axis, keepdims):
        ctx.shape, ctx.axis, ctx.keepdims = a.shape, axis, keepdims
        return make(np.sum(a.data, axis=axis, keepdims=keepdims), a)

    @staticmethod
    def backward(ctx, grad_output):
        grad = grad_output.data
        if ctx.axis is not None and not ctx.keepdims:
            grad = np.expand_dims(grad, ctx.axis)
        return (tensor.Tensor(np.ones(ctx.shape) * grad),)


class Add(Function):
    @staticmethod
    def forward(ctx, a, b):
        check_tensors(a, b)
        ctx.save_for_backward(a, b)
        return make(a.data + b.data, a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        grad_a = unbroadcast(grad_output.data, a.shape)
        grad_b = unbroadcast(grad_output.data, b.shape)
        return tensor.Tensor(grad_a), tensor.Tensor(grad_b)


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b):
        check_tensors(a, b)
        ctx.save_for_backward(a, b)
        return make(a.data - b.data, a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        grad_a = unbroadcast(grad_output.data, a.shape)
        grad_b = unbroadcast(-grad_output.data, b.shape)
        return tensor.Tensor(grad_a), tensor.Tensor(grad_b)


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        check_tensors(a, b)
        ctx.save_for_backward(a, b)
        return make(a.data * b.data, a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        grad_a = unbroadcast(grad_output.data * b.data, a.shape)
        grad_b = unbroadcast(grad_output.data * a.data, b.shape)
        return tensor.Tensor(grad_a), tensor.Tensor(grad_b)


class Div(Function):
    @staticmethod
    def forward(ctx, a, b):
        check_tensors(a, b)
        ctx.save_for_backward(a, b)
        return make(a.data / b.data, a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        grad_a = unbroadcast(grad_output.data / b.data, a.shape)
        grad_b = unbroadcast(-grad_output.data * a.data / (b.data ** 2), b.shape)
        return tensor.Tensor(grad_a), tensor.Tensor(grad_b)


class MatMul(Function):
    @staticmethod
    def forward(ctx, a, b):
        check_tensors(a, b)
        ctx.save_for_backward(a, b)
        return make(np.matmul(a.data, b.data), a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        grad_a = np.matmul(grad_output.data, b.data.T)
        grad_b = np.matmul(a.data.T, grad_output.data)
        return tensor.Tensor(grad_a), tensor.Tensor(grad_b)


class ReLU(Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return make(np.maximum(a.data, 0), a)

    @staticmethod
    def backward(ctx, grad_output):
        a = ctx.saved_tensors[0]
        return (tensor.Tensor(grad_output.data * (a.data > 0)),)


def cross_entropy(predicted, target):
    """Mean over the batch of the negative log softmax of each sample's true class."""
    batch_size, num_classes = predicted.shape
    biggest = tensor.Tensor(np.max(predicted.data, axis=1, keepdims=True))
    shifted = predicted - biggest
    log_norm = shifted.exp().sum(axis=1, keepdims=True).log()
    log_probs = shifted - log_norm
    labels = to_one_hot(target, num_classes)
    picked = (log_probs * labels).sum()
    return (tensor.Tensor(0.0) - picked) / tensor.Tensor(float(batch_size))


def to_one_hot(arr, num_classes):
    arr = arr.data.astype(int)
    a = np.zeros((arr.shape[0], num_classes))
    a[np.arange(len(a)), arr] = 1
    return tensor.Tensor(a)


def get_conv1d_output_size(input_size, kernel_size, stride):
    return (input_size - kernel_size) // stride + 1


class Conv1d(Function):
    @staticmethod
    def forward(ctx, x, weight, bias, stride):
        batch_size, in_channel, input_size = x.shape
        out_channel, _, kernel_size = weight.shape
        ctx.save_for_backward(x, weight)
        ctx.stride = stride
        output_size = get_conv1d_output_size(input_size, kernel_size, stride)
        out = np.zeros((batch_size, out_channel, output_size))
        for b in range(batch_size):
            for c in range(out_channel):
                for i in range(output_size):
                    start = i * stride
                    window = x.data[b, :, start:start + kernel_size]
                    out[b, c, i] = np.sum(window * weight.data[c]) + bias.data[c]
        return make(out, x, weight, bias)

    @staticmethod
    def backward(ctx, grad_output):
        x, weight = ctx.saved_tensors
        stride = ctx.stride
        batch_size, out_channel, output_size = grad_output.shape
        kernel_size = weight.shape[2]
        grad_x = np.zeros(x.shape)
        grad_weight = np.zeros(weight.shape)
        grad_bias = np.sum(grad_output.data, axis=(0, 2))
        for b in range(batch_size):
            for c in range(out_channel):
                for i in range(output_size):
                    start = i * stride
                    g = grad_output.data[b, c, i]
                    grad_x[b, :, start:start + kernel_size] += g * weight.data[c]
                    grad_weight[c] += g * x.data[b, :, start:start + kernel_size]
        return tensor.Tensor(grad_x), tensor.Tensor(grad_weight), tensor.Tensor(grad_bias)


class Tanh(Function):
    @staticmethod
    def forward(ctx, a):
        b = make(np.tanh(a.data), a)
        ctx.out = b.data
        return b

    @staticmethod
    def backward(ctx, grad_output):
        out = ctx.out
        grad = grad_output.data * (1 - out ** 2)
        return (tensor.Tensor(grad),)


class Sigmoid(Function):
    @staticmethod
    def forward(ctx, a):
        b_data = 1.0 / (1.0 + np.exp(-a.data))
        ctx.out = b_data
        return make(b_data, a)

    @staticmethod
    def backward(ctx, grad_output):
        b = ctx.out
        grad = grad_output.data * b * (1 - b)
        return (tensor.Tensor(grad),)
