import numpy as np

from mytorch import tensor


def backward(grad_fn, grad_of_outputs):
    """Walks back through the graph from grad_fn, depth first."""
    if grad_fn is None:
        return
    grads = grad_fn.apply(grad_of_outputs)
    if isinstance(grad_fn, AccumulateGrad):
        return
    for parent, grad in zip(grad_fn.next_functions, grads):
        if parent is not None:
            backward(parent, grad)


class Function:
    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("All subclasses must implement forward")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("All subclasses must implement backward")

    @classmethod
    def apply(cls, *args):
        backward_function = BackwardFunction(cls)
        output_tensor = cls.forward(backward_function.ctx, *args)

        # one parent per Tensor argument, None for the ones that need no gradient
        for arg in args:
            if not isinstance(arg, tensor.Tensor):
                continue
            if arg.is_leaf and arg.requires_grad and arg.grad_fn is None:
                arg.grad_fn = AccumulateGrad(arg)
            backward_function.next_functions.append(arg.grad_fn)

        if output_tensor.requires_grad:
            output_tensor.grad_fn = backward_function
        return output_tensor


class AccumulateGrad:
    def __init__(self, tensor):
        self.variable = tensor
        self.next_functions = []
        self.function_name = "AccumulateGrad"

    def apply(self, arg):
        if self.variable.grad is None:
            self.variable.grad = tensor.Tensor(np.array(arg.data, dtype=float))
        else:
            self.variable.grad.data = self.variable.grad.data + arg.data
        shape = self.variable.shape
        grad_shape = self.variable.grad.shape
        assert shape == grad_shape, (shape, grad_shape)


class ContextManager:
    def __init__(self):
        self.saved_tensors = []

    def save_for_backward(self, *args):
        for arg in args:
            if type(arg).__name__ != "Tensor":
                raise Exception("Got type {} of object {}. \nOnly Tensors should be saved in "
                                "save_for_backward. For saving constants, just save directly as "
                                "a new attribute.".format(type(arg), arg))
            self.saved_tensors.append(arg)


class BackwardFunction:
    def __init__(self, cls):
        self.ctx = ContextManager()
        self._forward_cls = cls
        self.next_functions = []
        self.function_name = cls.__name__

    def apply(self, *args):
        return self._forward_cls.backward(self.ctx, *args)
