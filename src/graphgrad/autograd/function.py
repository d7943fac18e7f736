"""Custom differentiable operations, as torch.autograd.Function: a subclass states its forward,
its backward (VJP) and optionally its jvp by hand, and ``apply`` records it as one node.

    class Exp(Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):          # ∂L/∂x = g ⊙ e^x
            (y,) = ctx.saved_tensors
            return g * y

Each subclass gets its own primitive (graphgrad.primitives.Primitive, kept out of the registry:
its rules are the user's, checked by gradcheck rather than by the registry-wide test). Its
forward runs the user's forward on the operands' values without recording; its backward rule
calls the user's backward once per node visit for all operands; its forward rule calls the
user's jvp. So ``.backward()``, gg.grad, gradients, the graph view and forward mode all see an
ordinary node. Saved inputs and outputs come back to backward as the graph's own tensors when
the rules are recorded (create_graph, or inside a jvp), so a backward written with graphgrad
operations differentiates again, as in PyTorch. Several differentiable outputs are packed into
one flat vector and taken apart by recorded slices.
"""
from __future__ import annotations

import functools
import inspect
from typing import Any

import numpy as np

from ..errors import GradientError, ShapeError
from ..grad_mode import is_grad_enabled, no_grad
from ..primitives import Primitive
from ..recording import make_call
from ..tensor import Tensor, is_float, make
from .context import FunctionCtx, grads_out, pack, unpack


class Function:
    """Base class of custom operations (torch.autograd.Function): define the static methods
    forward(ctx, *args) (or forward(*args) with setup_context(ctx, inputs, output)),
    backward(ctx, *grad_outputs) → one gradient (or None) per input, and optionally
    jvp(ctx, *tangents) → one tangent per output for forward mode. Call it with ``apply``."""

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Any) -> None:
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode "
                                  "AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx: Any, *grad_inputs: Any) -> Any:
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD.")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run forward on args and, when an input requires grad, record one node whose
        backward rule is cls.backward (and forward rule cls.jvp)."""
        setup = _overrides(cls, "setup_context")
        if kwargs or setup:
            bound = inspect.signature(cls.forward).bind(*(() if setup else (None,)), *args,
                                                        **kwargs)
            bound.apply_defaults()
            args = bound.args if setup else bound.args[1:]
            if bound.kwargs:
                raise TypeError(f"{cls.__name__}.apply: keyword-only arguments of forward are "
                                "not supported; pass them positionally")
        tensors = tuple(isinstance(a, Tensor) for a in args)
        ctx = FunctionCtx(tuple(t and a.requires_grad for t, a in zip(tensors, args)), tensors)
        if not any(tensors):
            return _run_forward(cls, ctx, args)[0]
        out = _primitive_of(cls).call(*args, ctx=ctx)
        if out._node is None:
            return _outputs(ctx, out)
        _drop_unsaved(out._node, ctx)
        start = out._node.tick
        result = _outputs(ctx, out)
        for t in result if isinstance(result, tuple) else (result,):
            if isinstance(t, Tensor) and t._node is not None and t._node.tick >= start:
                t._node.alias = f"{cls.__name__}Backward"     # PyTorch's name for it
        return result


def _overrides(cls, name):
    return getattr(cls, name) is not getattr(Function, name)


def _backward_of(cls):
    if _overrides(cls, "backward"):
        return cls.backward
    return cls.vjp if _overrides(cls, "vjp") else cls.backward


def _primitive_of(cls):
    """The primitive of one Function subclass, made on its first apply and kept on the class
    (a subclass of it gets its own)."""
    prim = cls.__dict__.get("_graphgrad_primitive")
    if prim is not None:
        return prim
    name = cls.__name__

    def forward(*raw, ctx):
        return _run_forward(cls, ctx, raw)[1]

    prim = Primitive(forward, name, examples=None, is_view=False, saves=("inputs", "out"),
                     operands=None,
                     notation=lambda operands, params: f"{name}({', '.join(operands)})",
                     vjp_text=f"{name}.backward({{g}})")
    prim.call = make_call(prim, None, True)
    prim.call.primitive = prim
    prim.defvjp_per_arg(functools.partial(_vjp_rule, cls))
    prim.defjvp_all(functools.partial(_jvp_rule, cls))
    cls._graphgrad_primitive = prim
    return prim


def _run_forward(cls, ctx, raw):
    """The user's forward on fresh tensors holding the operands' values, without recording:
    (what apply returns for plain operands, the packed value of the differentiable outputs)."""
    inputs = tuple(_input_view(r, ctx, i) for i, r in enumerate(raw))
    with no_grad():
        if _overrides(cls, "setup_context"):
            result = cls.forward(*inputs)
            cls.setup_context(ctx, inputs, result)
        else:
            result = cls.forward(ctx, *inputs)
    outs = result if isinstance(result, tuple) else (result,)
    ctx._record_forward(inputs, outs, isinstance(result, tuple),
                       [k for k, o in enumerate(outs) if isinstance(o, Tensor)
                        and is_float(o.dtype) and id(o) not in ctx._non_differentiable])
    return result, pack(ctx, [outs[k].array for k in ctx._differentiable])


def _input_view(r, ctx, i):
    if not ctx._is_tensor[i]:
        return r
    t = make(r)
    t.requires_grad = ctx.needs_input_grad[i]
    return t


def _drop_unsaved(node, ctx):
    """Keep in the node only the inputs the user saved (their values stay alive as long as the
    node, as in PyTorch); the others are kept for their place in the graph only."""
    keep = ctx._saved_input_positions()
    args, raw = list(node.args), list(node.raw)
    for i, a in enumerate(args):
        if i not in keep and isinstance(a, Tensor):
            args[i] = raw[i] = a if a._node is None else a._node
    node.args, node.raw = tuple(args), tuple(raw)


def _outputs(ctx, packed):
    """What apply returns: the differentiable outputs taken from the recorded node's value, the
    others (marked non-differentiable, integer, not tensors) as forward returned them."""
    outs = list(ctx._outputs)
    ctx._outputs = ctx._to_save = ctx._to_save_forward = None    # keep only what was saved
    for k, o in enumerate(outs):
        if isinstance(o, Tensor):
            outs[k] = make(o.array)
    for j, k in enumerate(ctx._differentiable):
        outs[k] = unpack(ctx, packed, j)
    return tuple(outs) if ctx._is_tuple else outs[0]


# ------------------------------------------------------------------------------ the rules
def _vjp_rule(cls, i, g, out, *xs, ctx):
    """∂L/∂x_i: the user's backward, called once per node visit (the sweep asks operand by
    operand with the same g; a tensor-mode visit brings a fresh `out`, so it never reuses a
    first-order result)."""
    cache = ctx._grad_cache
    if cache is None or cache[0] is not g or cache[1] is not out:
        grads = _call_backward(cls, ctx, g, out, xs)
        cache = ctx._grad_cache = (g, out, grads)
    if i >= ctx._last_grad_input:
        ctx._grad_cache = None
    return cache[2][i]


def _call_backward(cls, ctx, g, out, xs):
    with ctx._resolved(xs, out, for_jvp=False):
        results = _backward_of(cls)(ctx, *grads_out(ctx, g))
    results = results if isinstance(results, tuple) else (results,)
    n = len(xs)
    if len(results) > n and all(r is None for r in results[n:]):
        results = results[:n]
    if len(results) != n:
        raise GradientError(f"function {cls.__name__}Backward returned an incorrect number of "
                            f"gradients (expected {n}, got {len(results)})")
    return [_checked_grad(cls, k, r, x, ctx._is_tensor[k]) for k, (r, x) in
            enumerate(zip(results, xs))]


def _checked_grad(cls, k, r, x, is_tensor):
    """One gradient from the user's backward, as the sweep takes it: an ndarray, or a Tensor
    where it carries a graph (create_graph) or tangents (inside a jvp)."""
    if r is None:
        return None
    if not is_tensor:
        raise GradientError(f"function {cls.__name__}Backward returned a gradient different "
                            f"than None at position {k + 1}, but the corresponding forward "
                            "input was not a Variable")
    shape, got = tuple(x.shape), tuple(np.shape(r))
    try:
        compatible = np.broadcast_shapes(shape, got) == got     # summed back to x's shape
    except ValueError:
        compatible = False
    if not compatible:
        raise GradientError(f"Function {cls.__name__}Backward returned an invalid gradient at "
                            f"index {k} - got {list(got)} but expected shape compatible with "
                            f"{list(shape)}")
    if not isinstance(r, Tensor):
        r = np.asarray(r)
        return r if r.dtype == x.dtype else r.astype(x.dtype)
    if r.dtype != x.dtype:
        r = r.astype(x.dtype)
    if r._tangents or (r.requires_grad and is_grad_enabled()):
        return r
    return r.array


def _jvp_rule(cls, tangents, out, *args, ctx):
    """ẏ: the user's jvp(ctx, *tangents), one tangent per input (zeros for a tensor without
    one, None for a non-tensor), giving one per output; packed like the outputs."""
    if not (_overrides(cls, "jvp")):
        raise NotImplementedError(
            f"You must implement the jvp function for custom autograd.Function to use it with "
            f"forward mode AD: {cls.__name__} defines no static jvp(ctx, *tangents), which "
            "gg.jvp, jacfwd, hessian and jacobian(mode='forward') need")
    ins = []
    for t, a, is_tensor in zip(tangents, args, ctx._is_tensor):
        if not is_tensor:
            ins.append(None)
        elif t is None:
            ins.append(make(np.zeros(a.shape, a.dtype)))
        else:
            ins.append(t if isinstance(t, Tensor) else make(np.asarray(t)))
    with ctx._resolved(args, out, for_jvp=True):
        result = cls.jvp(ctx, *ins)
    results = result if isinstance(result, tuple) else (result,)
    if len(results) != len(ctx._out_meta):
        raise GradientError(f"{cls.__name__}.jvp must return as many tangents as forward "
                            f"returned outputs ({len(ctx._out_meta)}), got {len(results)}")
    parts = []
    for k in ctx._differentiable:
        t = results[k]
        shape, dtype = ctx._out_meta[k]
        if t is None:
            t = make(np.zeros(shape, dtype))
        if tuple(np.shape(t)) != tuple(shape):
            raise ShapeError(f"{cls.__name__}.jvp returned a tangent of shape "
                             f"{tuple(np.shape(t))} for output {k} of shape {tuple(shape)}")
        parts.append(t)
    return pack(ctx, parts)


def once_differentiable(fn):
    """Decorator for a backward that is not differentiable itself (it may use NumPy freely): it
    runs without recording, and differentiating its result again raises an error naming it,
    instead of silently giving zero (torch.autograd.function.once_differentiable)."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            outputs = fn(ctx, *args)
        if not is_grad_enabled():
            return outputs
        if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            return outputs
        outs = outputs if isinstance(outputs, tuple) else (outputs,)
        fake = [None if o is None else _fake_requires_grad(o) for o in outs]
        result = _DelayedError.apply(*fake)
        return result if isinstance(outputs, tuple) else result[0]
    return wrapper


def _fake_requires_grad(value):
    t = make(np.asarray(value.array if isinstance(value, Tensor) else value))
    t.requires_grad = is_float(t.dtype)
    return t


class _DelayedError(Function):
    """The identity, whose derivative is an error: what once_differentiable puts after a
    backward that was computed without recording."""

    @staticmethod
    def forward(ctx, *values):
        return values

    @staticmethod
    def backward(ctx, *grads):
        raise GradientError("trying to differentiate twice a function that was marked with "
                            "@once_differentiable")

    @staticmethod
    def jvp(ctx, *tangents):
        raise GradientError("trying to differentiate twice a function that was marked with "
                            "@once_differentiable")
