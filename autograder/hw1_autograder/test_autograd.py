"""HW1P1's first tests, the cases the runner draws: Add, Sub, Mul and Div, each called
directly (`Function.forward(ctx, a, b)`, then `Function.backward(ctx, grad)`) and through
its operator, and Autograd on small graphs (drivers `functions` and `autograd`). Only the
course interface is used: operators between two Tensors, constants wrapped as Tensors of
the same shape, `.backward()` without an argument (a non-scalar output seeds a gradient of
ones, as torch's `.sum().backward()`). Shapes and values come from the run's generator.
"""


def random_shape(rng):
    return tuple(int(n) for n in rng.integers(1, 6, int(rng.integers(1, 4))))


def values(rng, shape, positive=False):
    """Normal values, or magnitudes in [0.5, 2] of either sign (safe to divide by)."""
    if positive:
        return rng.uniform(0.5, 2.0, shape) * rng.choice([-1, 1], shape)
    return rng.standard_normal(shape)


def function_case(name):
    """Three random shapes: inputs and an upstream gradient for the direct calls, fresh
    inputs for the operator."""
    def case(rng):
        cases = []
        for _ in range(3):
            shape, divisor = random_shape(rng), name == "Div"
            cases.append({"a": values(rng, shape), "b": values(rng, shape, divisor),
                          "upstream": rng.standard_normal(shape), "a2": values(rng, shape),
                          "b2": values(rng, shape, divisor)})
        return {"function": name, "cases": cases}
    return case


add, sub, mul, div = (function_case(name) for name in ("Add", "Sub", "Mul", "Div"))


def autograd(rng):
    """The four graphs of drivers.GRAPHS with their tensors: [values, requires_grad]."""
    graphs = []
    for name in ("a tensor used several times",
                 "constants wrapped as Tensors, an input without requires_grad",
                 "a branch without requires_grad", "reshape and T() in a graph"):
        shape = tuple(int(n) for n in rng.integers(2, 6, 2))
        if name.startswith("reshape"):
            rows, cols = shape[0] + 1, shape[-1] + 1
            tensors = {"a": [values(rng, (rows, cols)), True],
                       "b": [values(rng, (cols, rows)), True]}
        elif name.startswith("a branch"):
            tensors = {"a": [values(rng, shape), True], "b": [values(rng, shape), False],
                       "c": [values(rng, shape), False]}
        else:
            tensors = {"a": [values(rng, shape), True],
                       "the constant": [values(rng, shape, positive=True), False]}
            if name.startswith("a tensor"):
                tensors["b"] = [values(rng, shape), True]
            else:
                tensors["the input without requires_grad"] = [values(rng, shape), False]
        graphs.append({"name": name, "tensors": tensors})
    return {"graphs": graphs}
