"""The steps of every test, written once against `lib`, which either side supplies.

A driver `driver(lib, case)` builds objects through `lib` from the case the runner drew
(its inputs and weights), runs the steps the course's test runs, and calls `lib.record`
on every value the test compares, in the order the test checks them. In the student's
process `lib` is course.Handin: the hand-in's classes, each record becoming plain data for
the runner. In the runner it is autograder.reference.Torch: torch float64, each record
becoming an expected value. One text of the steps, so the two sides agree by construction.

Steps the course's test makes are its checks (a wrong value fails the test). What only the
handout asks for runs inside `lib.rule(what, steps)`: its values are warnings, and an
exception the hand-in raises there is one too (the test goes on).
"""
import operator

OPERATORS = {"Add": operator.add, "Sub": operator.sub, "Mul": operator.mul,
             "Div": operator.truediv}
SYMBOLS = {"Add": "+", "Sub": "-", "Mul": "*", "Div": "/"}
PARAMETERS = {"Linear": ("weight", "bias"), "Conv1d": ("weight", "bias"),
              "BatchNorm1d": ("gamma", "beta")}
IN_PLACE = "the handout's rule that a layer leaves its input as it was"
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
            "ninth", "tenth")


def ordinal(number):
    """1 -> 'first': the words a failure line counts layers and stacks in."""
    return ORDINALS[number - 1] if 0 < number <= len(ORDINALS) else f"number {number}"


def raised_key(what):
    """The key under which a rule's step records the hand-in's exception (a warning)."""
    return f"while checking {what}, your code raised"


def call(lib, function, x, what):
    """function(x), then the handout's rule that `what` did not change its input x."""
    before = lib.snapshot(x)
    out = lib.call(function, x)
    lib.rule(IN_PLACE, lambda: lib.record_unchanged(f"{what} changed its input x in place",
                                                    x, before))
    return out


def gradient_name(what):
    """'weight of the second Linear layer' -> 'weight gradient of the second Linear
    layer'."""
    name, of, layer = what.partition(" of ")
    return f"{name} gradient of {layer}" if of and name in ("weight", "bias", "gamma", "beta") \
        else f"gradient of {what}"


def functions(lib, case):
    """Add, Sub, Mul or Div called directly (forward(ctx, a, b), then backward(ctx, grad)),
    then through its operator, with `.backward()` on the result."""
    name, symbol = case["function"], SYMBOLS[case["function"]]
    for index, values in enumerate(case["cases"], 1):
        which = f"(case {index} of {len(case['cases'])}, a and b of shape " \
                f"{tuple(values['a'].shape)})"
        a, b = lib.tensor(values["a"], True), lib.tensor(values["b"], True)
        ctx, out = lib.function_forward(name, a, b)
        lib.record(f"output of {name}.forward(ctx, a, b) {which}", out)
        grads = lib.function_backward(name, ctx, lib.tensor(values["upstream"]))
        for tensor, grad in zip("ab", grads):
            lib.record(f"gradient of {tensor} from {name}.backward(ctx, grad_output) {which}",
                       grad)
        a, b = lib.tensor(values["a2"], True), lib.tensor(values["b2"], True)
        out = OPERATORS[name](a, b)
        lib.record(f"a {symbol} b {which}", out)
        lib.record_flags(f"the Tensor a {symbol} b {which}", out, ("requires_grad", "is_leaf"))
        lib.backward(out)
        lib.record(f"a.grad after (a {symbol} b).backward() {which}", lib.grad(a))
        lib.record(f"b.grad after (a {symbol} b).backward() {which}", lib.grad(b))


def graph_reuse(lib, t):
    c = t["a"] * t["b"]
    out = (c * t["a"] + c - t["b"] / (t["a"] * t["a"] + t["the constant"])) * c
    return out, {**t, "c = a * b": c}


def graph_constants(lib, t):
    a, k, frozen = t["a"], t["the constant"], t["the input without requires_grad"]
    return k * a - a / k + frozen * a - (k - a) * frozen, t


def graph_no_grad_branch(lib, t):
    a, b, c = t["a"], t["b"], t["c"]
    frozen = b * c + b
    lib.record_flags("b * c + b, where neither b nor c requires grad", frozen,
                     ("requires_grad",))
    return a * frozen - c / (frozen * frozen + b * b + a * a), {**t, "b * c + b": frozen}


def graph_reshape(lib, t):
    a, b = t["a"], t["b"]
    rows, cols = a.shape
    out = (a * lib.transpose(b) - a).reshape(cols, -1) * b + b.reshape(-1).reshape(cols, rows)
    return out, t


GRAPHS = {"a tensor used several times": graph_reuse,
          "constants wrapped as Tensors, an input without requires_grad": graph_constants,
          "a branch without requires_grad": graph_no_grad_branch,
          "reshape and T() in a graph": graph_reshape}


def autograd(lib, case):
    """Small graphs: the output, then after `.backward()` the .grad of every tensor (None
    where torch has None: intermediate tensors, tensors without requires_grad)."""
    for number, graph in enumerate(case["graphs"], 1):
        tensors = {name: lib.tensor(data, bool(grad)) for name, (data, grad)
                   in graph["tensors"].items()}
        out, watched = GRAPHS[graph["name"]](lib, tensors)
        what = f"graph {number} of {len(case['graphs'])} ({graph['name']})"
        lib.record(f"output of {what}", out)
        lib.backward(out)
        for name, tensor in watched.items():
            lib.record(f".grad of {name} in {what}", lib.grad(tensor))


def build(lib, spec, weights, within=""):
    """The Sequential of `spec` ([kind, *arguments] per layer) with the runner's weights
    ({attribute: array} per layer). Returns it and (layer, kind, name) per layer, the name
    as a failure line says it: 'the second Linear layer', 'the ReLU layer' where it is the
    only one of its kind, followed by `within` (' of the first two-layer stack ...')."""
    layers = [lib.layer(kind, *arguments) for kind, *arguments in spec]
    named, counts = [], {}
    kinds = [kind for kind, *_ in spec]
    for layer, kind, values in zip(layers, kinds, weights):
        counts[kind] = counts.get(kind, 0) + 1
        number = "" if kinds.count(kind) == 1 else f"{ordinal(counts[kind])} "
        named.append((layer, kind, f"the {number}{kind} layer{within}"))
        for attribute, value in values.items():
            lib.set_parameter(layer, attribute, value, f"{attribute} of {named[-1][2]}")
    return lib.sequential(layers), named


def parameters(lib, named):
    """(parameter, 'weight of the first Linear layer') for every parameter, layer by
    layer."""
    for layer, kind, name in named:
        for attribute in PARAMETERS.get(kind, ()):
            yield lib.parameter(layer, attribute), f"{attribute} of {name}"


def forward(lib, model, named, x, at):
    """The model on `x`: in one call, or, with Dropout, layer by layer so that each mask
    can be read off the hand-in's output (against its input as it was before the call)."""
    if not any(kind == "Dropout" for _, kind, _ in named):
        return call(lib, model, x, f"the model{at}")
    for layer, kind, name in named:
        before = lib.snapshot(x)
        out = lib.dropout(layer, x, f"output of {name}{at}", before) if kind == "Dropout" \
            else lib.call(layer, x)
        lib.rule(IN_PLACE, lambda x=x, before=before, name=name: lib.record_unchanged(
            f"{name}{at} changed its input x in place", x, before))
        x = out
    return x


def step(lib, model, named, optimizer, settings):
    """One batch: forward (and loss), backward, update, as `settings` says; every value
    compared on the way. settings["when"] ends each key (" at step 2", " in eval mode"),
    settings["after"] those of updated parameters (" after step 2")."""
    at = settings.get("when", "")
    if optimizer is not None:
        optimizer.zero_grad()
    lib.train(model, settings.get("train", True))
    x = lib.tensor(settings["x"], settings.get("input_gradient", False))
    out = forward(lib, model, named, x, at)
    lib.record(f"the model's output{at}", out)
    if "labels" in settings:
        out = lib.cross_entropy(out, settings["labels"])
        lib.record(f"cross-entropy loss{at}", out)
    if settings.get("backward"):
        lib.backward(out)
        if settings.get("input_gradient"):
            lib.record(f"gradient of the model's input x{at}", lib.grad(x))
        for parameter, what in parameters(lib, named):
            lib.record(f"{gradient_name(what)}{at}", lib.grad(parameter))
        if optimizer is not None:
            optimizer.step()
            for parameter, what in parameters(lib, named):
                lib.record(f"{what}{settings.get('after', at)}", parameter)
    for layer, kind, name in named:
        if kind == "BatchNorm1d":
            lib.rule("BatchNorm1d's running statistics",
                     lambda layer=layer, name=name: running_statistics(lib, layer, name, at))


def running_statistics(lib, layer, name, at):
    """The handout's running statistics (the course's test sees them only through eval
    mode's output): a Tensor or an array, either will do."""
    lib.record_statistic(f"running_mean of {name}{at}", lib.attribute(layer, "running_mean"))
    lib.record_statistic(f"running_var of {name}{at} (unbiased batch variance)",
                         lib.attribute(layer, "running_var"))


def mlp(lib, case):
    """A Sequential of Linear, ReLU, BatchNorm1d, Dropout layers through the batches of
    the case, with the case's optimizer if any. A batch whose settings name a "rule" is
    a handout rule's step."""
    model, named = build(lib, case["spec"], case["weights"])
    optimizer = None
    if case.get("optimizer"):
        optimizer = lib.optimizer(case["optimizer"], lib.parameters(model))
    for settings in case["steps"]:
        if settings.get("rule"):
            lib.rule(settings["rule"],
                     lambda settings=settings: step(lib, model, named, optimizer, settings))
        else:
            step(lib, model, named, optimizer, settings)


def dropout_draws(lib, case):
    """Dropout(p) twice on a large Tensor of ones: the runner measures the share dropped
    and that a new mask was drawn."""
    layer = lib.layer("Dropout", case["p"])
    first = lib.draw(call(lib, layer, lib.tensor(case["x"]), f"Dropout(p={case['p']})"))
    second = lib.draw(lib.call(layer, lib.tensor(case["x"])))
    lib.record_draws(f"Dropout(p={case['p']})", first, second, case["p"])


def dropout(lib, case):
    """Dropout's draws, then a model with Dropout through the case's batches."""
    dropout_draws(lib, case["draws"])
    mlp(lib, case["model"])


def conv_stacks(lib, case):
    """Conv1d stacks on a batch: the output (a node of the graph), and with `backward`
    the gradients of the input and of every weight and bias after `.backward()`."""
    for stack in case["stacks"]:
        what = stack["name"]
        model, named = build(lib, stack["spec"], stack["weights"], f" of {what}")
        x = lib.tensor(stack["x"], True)
        out = call(lib, model, x, what)
        lib.record(f"output of {what}", out)
        lib.rule("the handout's Conv1d output settings", lambda out=out, what=what:
                 lib.record_flags(f"the output Tensor of {what}", out,
                                  ("requires_grad", "is_leaf")))
        if case["backward"]:
            lib.backward(out)
            lib.record(f"gradient of the input of {what}", lib.grad(x))
            for parameter, name in parameters(lib, named):
                lib.record(gradient_name(name), lib.grad(parameter))


def flatten(lib, case):
    """Flatten, and its gradient against a random upstream gradient multiplied in as a
    constant Tensor (with ones a wrong order would not show)."""
    for index, values in enumerate(case["cases"], 1):
        what = f"Flatten() (case {index} of {len(case['cases'])}, input of shape " \
               f"{tuple(values['x'].shape)})"
        x = lib.tensor(values["x"], True)
        out = call(lib, lib.layer("Flatten"), x, what)
        lib.record(f"output of {what}", out)
        lib.backward(out * lib.tensor(values["upstream"]))
        lib.record(f"gradient of the input of {what}", lib.grad(x))


def scanning(lib, case):
    """A scanning-MLP CNN: init_weights with the MLP's weights, the weights it installs
    (leaf parameters among .layers.parameters(), of the handout's shapes), the output."""
    model = lib.scanning_model(case["model"])
    lib.init_weights(model, case["weights"])
    convs = lib.conv_layers(model)
    lib.record_value("the number of Conv1d layers in the model's .layers", len(convs))
    listed = lib.parameters(lib.attribute(model, "layers"))
    for index, conv in enumerate(convs, 1):
        what = f"weight of the {ordinal(index)} Conv1d layer after init_weights"
        weight = lib.parameter(conv, "weight")
        lib.record_flags(f"the {what}", weight, ("is_leaf", "requires_grad", "is_parameter"))
        lib.record_value(f"the shape of the {what}", lib.shape(weight))
        lib.rule("the handout's weights as the model's parameters",
                 lambda what=what, weight=weight: lib.record_value(
                     f"whether model.layers.parameters() holds the {what}",
                     lib.contains(listed, weight)))
    lib.record("the model's output (compared with the MLP applied window by window)",
               lib.call(model, lib.tensor(case["x"])))


def cnn(lib, case):
    """The CNN of the handout's figure: its layers, SGD steps with the runner's weights,
    its parameters still leaf parameters after; then the handout's
    get_final_conv_output_size (the course's test never calls it)."""
    model = lib.cnn()
    layers = lib.layers_of(model)
    lib.record_value("the number of layers in CNN().layers", len(layers))
    for index, layer in enumerate(layers, 1):
        lib.record_value(f"layer {index} of the CNN", lib.describe_layer(layer))
    named = []
    for index, (layer, values) in enumerate(zip(layers, case["weights"]), 1):
        kind = lib.describe_layer(layer).partition("(")[0]
        named.append((layer, kind, f"layer {index} of the CNN ({kind})"))
        for attribute, value in values.items():
            lib.set_parameter(layer, attribute, value, f"{attribute} of {named[-1][2]}")
    optimizer = lib.optimizer(case["optimizer"], lib.parameters(model))
    for number in range(1, case["steps"] + 1):
        step(lib, model, named, optimizer,
             {"when": f" at step {number}", "after": f" after step {number}", "x": case["x"],
              "labels": case["labels"], "backward": True, "input_gradient": True})
    listed = list(lib.parameters(lib.attribute(model, "layers")))
    lib.record_value("the number of tensors in CNN().layers.parameters()", len(listed))
    for index, parameter in enumerate(listed, 1):
        lib.record_flags(f"parameter {index} of CNN().layers.parameters() after the SGD steps",
                         parameter, ("is_leaf", "requires_grad", "is_parameter"))
    width = case["width"]
    lib.rule("get_final_conv_output_size", lambda: lib.record_value(
        f"get_final_conv_output_size(the CNN's layers, {width})",
        lib.final_conv_output_size(model, width)))


def imports(lib, case):
    """The modules a course's test file imports at its top, each imported in turn: None,
    or the line of the exception that made the course's runner fail."""
    for module in case["modules"]:
        lib.record_import(module)


DRIVERS = {driver.__name__: driver for driver in (functions, autograd, mlp, dropout,
                                                   conv_stacks, flatten, scanning, cnn,
                                                   imports)}
