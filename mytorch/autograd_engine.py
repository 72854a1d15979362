"""The autograd engine: Function (an operation with a hand-written backward),
the graph nodes it links (BackwardFunction, AccumulateGrad), the context that
carries values from forward to backward, and `backward`, which walks the graph.

A graph is built as operations run: `SomeFunction.apply(*args)` computes the
result and, when any Tensor argument requires a gradient, attaches a
BackwardFunction to it whose `next_functions` point at the nodes of the Tensor
arguments (in argument order; None for arguments that need no gradient). Leaf
tensors that require a gradient end in an AccumulateGrad node, which adds the
incoming gradient into `tensor.grad`.
"""
import numpy as np


class ContextManager:
    """What a Function's forward leaves for its backward: `save_for_backward`
    and `saved_tensors`, plus any attribute (`ctx.stride = 2`)."""

    def __init__(self):
        self.saved_tensors = ()

    def save_for_backward(self, *tensors):
        for value in tensors:
            if value is not None and not isinstance(value, tensor.Tensor):
                raise TypeError("save_for_backward takes Tensors (or None), "
                                f"got {type(value).__name__}; "
                                "store other values as attributes of ctx")
        self.saved_tensors = self.saved_tensors + tensors


class Function:
    """An operation with a forward and a backward, both static methods.

    `forward(ctx, *args)` returns a Tensor; `backward(ctx, grad_output)` returns
    one gradient (a Tensor, or None) per Tensor argument of forward, in order.
    Non-Tensor arguments (a shape, a stride) are allowed and get no gradient.
    Use a Function through `apply`, which also records it in the graph.
    """

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args):
        node = BackwardFunction(cls)
        output = cls.forward(node.ctx, *args)
        inputs = [arg for arg in args if isinstance(arg, tensor.Tensor)]
        requires_grad = any(t.requires_grad for t in inputs)
        output.requires_grad = requires_grad
        output.is_leaf = not requires_grad
        if requires_grad:
            node.ctx.needs_input_grad = tuple(t.requires_grad for t in inputs)
            node.next_functions = [_node_of(t) for t in inputs]
            output.grad_fn = node
        return output


def _node_of(t):
    """The graph node a gradient for Tensor `t` flows into (None: it needs none)."""
    if not t.requires_grad:
        return None
    if t.grad_fn is not None:
        return t.grad_fn
    if t.is_leaf:
        if t._accumulator is None:  # one node per leaf, so its gradients are summed once
            t._accumulator = AccumulateGrad(t)
        return t._accumulator
    return None


class BackwardFunction:
    """The graph node of one `apply`: calls the Function's backward with its ctx."""

    def __init__(self, cls):
        self.ctx = ContextManager()
        self._forward_cls = cls
        self.next_functions = []
        self.function_name = cls.__name__

    def apply(self, *grad_outputs):
        return self._forward_cls.backward(self.ctx, *grad_outputs)

    def __repr__(self):
        return f"<BackwardFunction {self.function_name}>"


class AccumulateGrad:
    """The graph node of a leaf tensor: adds incoming gradients into `.grad`."""

    def __init__(self, variable):
        self.variable = variable
        self.next_functions = []
        self.function_name = "AccumulateGrad"

    def apply(self, grad):
        data = grad.data if isinstance(grad, tensor.Tensor) else np.asarray(grad)
        if data.shape != self.variable.shape:
            raise ValueError(f"gradient of shape {data.shape} for a tensor of shape "
                             f"{self.variable.shape}")
        if self.variable.grad is None:
            self.variable.grad = tensor.Tensor(data)
        else:
            self.variable.grad.data = self.variable.grad.data + data


def topological_order(root):
    """Every node reachable from `root`, each once, consumers before producers.

    Iterative depth-first search, so graphs of any depth stay off the Python stack.
    """
    order, seen = [], {root}
    stack = [(root, iter(root.next_functions))]
    while stack:
        node, children = stack[-1]
        for child in children:
            if child is not None and child not in seen:
                seen.add(child)
                stack.append((child, iter(child.next_functions)))
                break
        else:
            stack.pop()
            order.append(node)
    order.reverse()
    return order


def backward(grad_fn, grad_of_outputs):
    """Backpropagate `grad_of_outputs` (Tensor or array) from node `grad_fn`.

    Each node runs once, after all its consumers, with the sum of the gradients
    they sent it: linear in the size of the graph.
    """
    pending = {grad_fn: _array(grad_of_outputs)}
    for node in topological_order(grad_fn):
        grad = pending.pop(node, None)
        if grad is None:
            continue
        if isinstance(node, AccumulateGrad):
            node.apply(grad)
            continue
        grads = node.apply(tensor.Tensor(grad, copy=False))
        if not isinstance(grads, (tuple, list)):
            grads = (grads,)
        for child, child_grad in zip(node.next_functions, grads):
            if child is None or child_grad is None:
                continue
            child_grad = _array(child_grad)
            pending[child] = child_grad if child not in pending else pending[child] + child_grad


def _array(value):
    return value.data if isinstance(value, tensor.Tensor) else np.asarray(value)


# Imported last: tensor.py imports this module and functional.py (which needs
# Function), so everything above must exist before tensor.py starts loading.
import mytorch.tensor as tensor  # noqa: E402
