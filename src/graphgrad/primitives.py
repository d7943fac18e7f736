"""Primitives: the local functions g_v that every differentiable computation is built from.

A primitive states, side by side, its forward computation on NumPy arrays, its backward rule
(VJP, one per argument: ∂L/∂x_i from ∂L/∂y) and its forward rule (JVP: ẏ from the ẋ_i).
Rules are written with graphgrad operations, which accept plain ndarrays as well as Tensors:
a first-order backward runs them on raw arrays (nothing recorded, fast), ``create_graph=True``
runs the very same rules on Tensors, which records them for higher-order derivatives.

Calling a primitive on Tensors records a node when some input requires grad (define-by-run);
calling it on ndarrays just computes. Forward-mode tangents are pushed through the same call
(dual numbers with one level per active ``jvp``, so nested transforms never confuse their
perturbations).
"""
import inspect
import traceback
import weakref

import numpy as np

from . import _state
from .errors import ShapeError
from .node import Node, saved_for_the_other, unsaved
from .tensor import Tensor

#: Every primitive by name; the test-suite walks it to check each rule.
registry = {}

#: Forward stack of each node recorded while anomaly detection was on; an entry goes when its
#: node does.
forward_stacks = weakref.WeakKeyDictionary()

_ndarray = np.ndarray
_asarray = np.asarray
_new = object.__new__
_tick = _state.clock.__next__
_fwd_levels = _state.fwd_levels   # mutated in place by jvp, never rebound: read without _state.


class Primitive:
    """One primitive operation: forward, per-argument VJPs and a JVP."""

    __slots__ = ("name", "forward", "forward_residual", "vjps", "jvp", "elementwise", "examples",
                 "is_view", "call", "saves_inputs", "saves_other", "saves_output",
                 "saves_residual", "__weakref__")

    def __init__(self, forward, name, examples, is_view, saves):
        unknown = set(saves) - {"inputs", "other", "out", "residual"}
        if unknown:
            raise ValueError(f"primitive {name}: saves= takes 'inputs', 'other', 'out' and/or "
                             f"'residual', not {unknown}")
        if {"out", "residual"} <= set(saves):
            raise ValueError(f"primitive {name}: the rules receive the output or a residual in "
                             "its place, not both")
        self.saves_inputs = "inputs" in saves
        self.saves_other = "other" in saves
        self.saves_output = "out" in saves
        self.saves_residual = "residual" in saves
        self.name = name
        self.forward_residual = forward if self.saves_residual else None
        self.forward = _value_only(forward) if self.saves_residual else forward
        self.vjps = ()
        self.jvp = None
        self.elementwise = False
        self.examples = examples
        self.is_view = is_view

    def defvjp(self, *rules):
        """rules[i](g, out, *args, **params) → ∂L/∂args[i] (None: no gradient flows there)."""
        self.vjps = rules

    def defvjp_per_arg(self, rule):
        """Variadic primitives: rule(i, g, out, *args, **params) → ∂L/∂args[i]."""
        self.vjps = PerArg(rule)

    def defjvp(self, *rules):
        """rules[i](ẋ_i, out, *args, **params) → its term of ẏ; the terms are summed."""
        def jvp(tangents, out, *args, **params):
            total = None
            for rule, t in zip(rules, tangents):
                if t is not None and rule is not None:
                    term = rule(t, out, *args, **params)
                    if term is not None:
                        total = term if total is None else total + term
            return total
        self.jvp = jvp

    def defjvp_all(self, rule):
        """rule(tangents, out, *args, **params) → ẏ, with None for zero tangents."""
        self.jvp = rule

    def defelementwise(self, *rules):
        """Elementwise primitives: rules[i](v, out, *args, **params) = v ⊙ ∂y/∂x_i (None: no
        derivative, as for piecewise-constant functions). The same rule is the backward rule
        (v = ∂L/∂y) and the forward one (v = ẋ_i; ẏ sums the terms), since the Jacobian is
        diagonal."""
        self.vjps = rules
        self.defjvp(*rules)
        self.elementwise = True

    def __repr__(self):
        return f"<primitive {self.name}>"


def _value_only(forward_residual):
    """The plain forward of a primitive whose declaration returns (value, residual)."""
    def forward(*args, **params):
        return forward_residual(*args, **params)[0]
    return forward


class PerArg:
    """VJP rules of a variadic primitive: ``rule(i, g, out, *args, **params)`` for argument i."""

    __slots__ = ("rule",)

    def __init__(self, rule):
        self.rule = rule

    def __getitem__(self, i):
        rule = self.rule
        return lambda g, out, *args, **params: rule(i, g, out, *args, **params)


def primitive(name=None, examples=None, is_view=False, saves=("inputs", "out"), ufunc=None):
    """Decorator: make a NumPy function a primitive.

    Positional parameters of the function are operands (tensors, arrays or numbers);
    keyword-only parameters are static (axis, shape, ...). ``examples(rng)`` returns sample
    ``(args, params)`` for the registry-wide gradient test. ``saves`` names what the backward
    rules read: 'inputs' (operand values), 'other' (for two operands: each rule reads only the
    other operand, as for x·y, so an operand is kept only if the other requires grad) and/or
    'out' (the result); a rule only reads the shape, dtype and ndim of anything not saved.
    Saving less frees memory sooner. With 'residual' the function returns (value, residual):
    something computed on the way that the rules would otherwise recompute (cross-entropy's
    softmax). First-order backward rules then receive the residual in place of the output,
    and None where it is not at hand (rules recorded for higher order, the graph view), so
    they must be able to recompute it; they must not write into it. With
    ``ufunc=`` the decorated function only declares the signature and docstring and the NumPy
    ufunc computes the forward directly (one Python call less per operation).
    """
    def wrap(declaration):
        forward = declaration if ufunc is None else ufunc
        prim = Primitive(forward, name or declaration.__name__, examples, is_view, saves)
        if prim.name in registry:
            raise ValueError(f"primitive {prim.name!r} is defined twice")
        registry[prim.name] = prim
        call = _make_call(prim, *_signature(declaration))
        call.__name__ = call.__qualname__ = prim.name
        call.__doc__ = declaration.__doc__
        call.__wrapped__ = declaration
        call.primitive = prim
        prim.call = call
        call.defvjp, call.defjvp, call.defjvp_all = prim.defvjp, prim.defjvp, prim.defjvp_all
        call.defelementwise, call.defvjp_per_arg = prim.defelementwise, prim.defvjp_per_arg
        return call
    return wrap


def _signature(forward):
    """(number of operands or None if variadic, whether there are static params)."""
    kinds = [p.kind for p in inspect.signature(forward).parameters.values()]
    has_params = inspect.Parameter.KEYWORD_ONLY in kinds
    if inspect.Parameter.VAR_POSITIONAL in kinds:
        return None, has_params
    operands = sum(k in (inspect.Parameter.POSITIONAL_ONLY,
                         inspect.Parameter.POSITIONAL_OR_KEYWORD) for k in kinds)
    return operands, has_params


def _make_call(prim, arity, has_params):
    """Build the entry point of one primitive. The hot cases (one operand, with or without
    static params; two operands without) are spelled out by hand: per-operation Python
    overhead decides how fast small models train."""
    forward = prim.forward
    finish = _finish_view if prim.is_view else _finish
    if prim.saves_residual:
        arity = None            # the general path sets residuals aside

    if arity == 1 and not has_params:
        def call(x):
            if not isinstance(x, Tensor):
                return forward(x)
            if _fwd_levels and x._tangents is not None:
                level = _top_level((x,))
                if level:
                    return _push_tangents(call, prim, level, (x,), _NO_PARAMS)
            raw = (x.data,)
            try:
                out = forward(raw[0])
            except ValueError as e:
                raise _shape_error(prim, raw, e) from None
            return finish(prim, out, (x,), raw, _NO_PARAMS, x.requires_grad)
    elif arity == 1:
        def call(x, **params):
            if not isinstance(x, Tensor):
                return forward(x, **params)
            if _fwd_levels and x._tangents is not None:
                level = _top_level((x,))
                if level:
                    return _push_tangents(call, prim, level, (x,), params)
            raw = (x.data,)
            try:
                out = forward(raw[0], **params)
            except ValueError as e:
                raise _shape_error(prim, raw, e) from None
            return finish(prim, out, (x,), raw, params, x.requires_grad)
    elif arity == 2 and not has_params:
        def call(x, y):
            xt = isinstance(x, Tensor)
            yt = isinstance(y, Tensor)
            if not (xt or yt):
                return forward(x, y)
            if _fwd_levels:
                level = _top_level((x, y))
                if level:
                    return _push_tangents(call, prim, level, (x, y), _NO_PARAMS)
            xd = x.data if xt else x
            yd = y.data if yt else y
            try:
                out = forward(xd, yd)
            except ValueError as e:
                raise _shape_error(prim, (xd, yd), e) from None
            requires = (xt and x.requires_grad) or (yt and y.requires_grad)
            return finish(prim, out, (x, y), (xd, yd), _NO_PARAMS, requires)
    else:
        with_residual = prim.forward_residual

        def call(*args, **params):
            raw, tensors, requires = [], False, False
            for a in args:
                if isinstance(a, Tensor):
                    raw.append(a.data)
                    tensors = True
                    requires = requires or a.requires_grad
                else:
                    raw.append(a)
            if not tensors:
                return forward(*args, **params)
            if _fwd_levels:
                level = _top_level(args)
                if level:
                    return _push_tangents(call, prim, level, args, params)
            raw = tuple(raw)
            keeps_residual = with_residual is not None and requires and _state.grad_enabled
            try:
                if keeps_residual:
                    out, residual = with_residual(*raw, **params)
                else:
                    out = forward(*raw, **params)
            except ValueError as e:
                raise _shape_error(prim, raw, e) from None
            t = finish(prim, out, args, raw, params, requires)
            if keeps_residual:
                t._node.out = residual
            return t
    return call


_NO_PARAMS = {}


def _shape_error(prim, raw, error):
    """NumPy's complaint about operand shapes, restated with the operation's name."""
    text = str(error)
    if not any(word in text for word in ("broadcast", "shape", "dimension", "size")):
        return error
    shapes = " and ".join(str(np.shape(a)) for a in raw)
    return ShapeError(f"{prim.name}: operands of shapes {shapes} do not fit: {text}")


def _finish(prim, out, args, raw, params, requires):
    """Wrap a forward result as a Tensor; record its node if an input requires grad, saving
    only what the primitive's backward rules need."""
    if out.__class__ is not _ndarray:
        out = _asarray(out)
    t = _new(Tensor)          # tensor.make(out), inlined: this runs once per operation
    t.data = out
    t.grad = t._name = t._tangents = t._vcell = None
    if not (requires and _state.grad_enabled):
        t.requires_grad = False
        t._node = None
    else:
        t.requires_grad = True
        node = t._node = _new(Node)
        node.prim = prim
        if prim.saves_inputs:
            node.args = args
            node.raw = raw
        elif prim.saves_other:
            node.args, node.raw = saved_for_the_other(args, raw)
        else:
            node.args = node.raw = unsaved(args)
        node.out = out if prim.saves_output else None
        node.shape = out.shape
        node.dtype = out.dtype
        node.params = params
        node.grad = None
        node.tick = _tick()
        if _state.anomaly:
            _remember_stack(node)
    return t


def _remember_stack(node):
    forward_stacks[node] = traceback.format_stack()[:-3]  # drop the frames of graphgrad itself


def _finish_view(prim, out, args, raw, params, requires):
    """As _finish, for results that share memory with args[0]: they share its version counter,
    so an in-place change through either is seen by backward."""
    t = _finish(prim, out, args, raw, params, requires)
    base = args[0]
    if isinstance(base, Tensor) and np.may_share_memory(t.data, base.data):
        t._vcell = base.version_cell()
    return t


# ------------------------------------------------------------------------- forward mode
def _top_level(args):
    """The newest active forward-mode level below the ceiling that some argument carries."""
    best = 0
    ceiling = _state.fwd_ceiling
    active = _state.fwd_levels
    for a in args:
        if isinstance(a, Tensor) and a._tangents:
            for level in a._tangents:
                if best < level < ceiling and level in active:
                    best = level
    return best


def tangent_of(x, level):
    """x's tangent at a forward-mode level (None: zero)."""
    if isinstance(x, Tensor) and x._tangents:
        return x._tangents.get(level)
    return None


def output_tangent(prim, tangents, out, args, params):
    """ẏ by the primitive's JVP rule (tangents: one per operand, None for zero), broadcast to
    the output's shape; None: zero."""
    tangent = prim.jvp(tangents, out, *args, **params)
    if tangent is not None and np.shape(tangent) != np.shape(out):
        # ops/shape registers broadcast_to: found by name, the engine imports nothing above it
        tangent = registry["broadcast_to"].call(tangent, shape=np.shape(out))
    return tangent


def _push_tangents(call, prim, level, args, params):
    """Evaluate a primitive on dual numbers of one level: the primal (with every lower level)
    first, then ẏ = Σ_i ∂g/∂x_i · ẋ_i by the primitive's JVP rule, itself on lower-level duals."""
    saved = _state.fwd_ceiling
    _state.fwd_ceiling = level
    try:
        out = call(*args, **params)
        tangent = output_tangent(prim, tuple(tangent_of(a, level) for a in args), out, args,
                                 params)
    finally:
        _state.fwd_ceiling = saved
    if tangent is not None:
        out._tangents = {**out._tangents, level: tangent} if out._tangents else {level: tangent}
        if out._node is not None:
            out._node.tangents = out._tangents   # for rules that read the saved output
    return out
