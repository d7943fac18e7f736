"""How a call of a primitive is evaluated and recorded (define-by-run).

A call on plain ndarrays just computes. A call on Tensors computes on their arrays and, when
some input requires grad, records a Node that keeps only what the primitive's backward rules
read (``_finish``). Inside ``jvp`` the call runs on dual numbers: the primal with every lower
forward-mode level first, then ẏ by the primitive's JVP rule (``_push_tangents``), so nested
transforms never confuse their perturbations.

``make_call`` builds one entry point per primitive. The general path (``_general_call``) handles
any operands and residuals; one- and two-operand primitives get the same steps spelled out
without loops (``_unary_call``, ``_unary_call_with_params``, ``_binary_call``), because
per-operation Python overhead decides how fast small models train. A test checks that every fast
path agrees with the general one on every registered primitive.
"""
import traceback
import weakref

import numpy as np

from . import _state
from .errors import ShapeError
from .node import Node, saved_for_the_other, unsaved
from .tensor import Tensor
from .view_tracking import track

#: Forward stack of each node recorded while anomaly detection was on; an entry goes when its
#: node does.
forward_stacks = weakref.WeakKeyDictionary()

_ndarray = np.ndarray
_asarray = np.asarray
_new = object.__new__
_tick = _state.clock.__next__
_fwd_levels = _state.fwd_levels   # mutated in place by jvp, never rebound: read without _state.
_NO_PARAMS = {}


def make_call(prim, arity, has_params):
    """The entry point of one primitive: the fast path its operands allow, else the general."""
    if prim.saves_residual or arity not in (1, 2) or (arity == 2 and has_params):
        return _general_call(prim)
    if arity == 2:
        return _binary_call(prim)
    return _unary_call_with_params(prim) if has_params else _unary_call(prim)


def _general_call(prim):
    """Any number of operands, static parameters, residuals."""
    forward, with_residual = prim.forward, prim.forward_residual
    finish = _finish_view if prim.is_view else _finish

    def call(*args, **params):
        raw, tensors, requires = [], False, False
        for a in args:
            if isinstance(a, Tensor):
                raw.append(a.array)
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


def _unary_call(prim):
    """One operand, no static parameters (exp, tanh, neg, ...)."""
    forward = prim.forward
    finish = _finish_view if prim.is_view else _finish

    def call(x):
        if not isinstance(x, Tensor):
            return forward(x)
        if _fwd_levels and x._tangents is not None:
            level = _top_level((x,))
            if level:
                return _push_tangents(call, prim, level, (x,), _NO_PARAMS)
        raw = (x.array,)
        try:
            out = forward(raw[0])
        except ValueError as e:
            raise _shape_error(prim, raw, e) from None
        return finish(prim, out, (x,), raw, _NO_PARAMS, x.requires_grad)
    return call


def _unary_call_with_params(prim):
    """One operand and static parameters (sum over an axis, reshape, ...)."""
    forward = prim.forward
    finish = _finish_view if prim.is_view else _finish

    def call(x, **params):
        if not isinstance(x, Tensor):
            return forward(x, **params)
        if _fwd_levels and x._tangents is not None:
            level = _top_level((x,))
            if level:
                return _push_tangents(call, prim, level, (x,), params)
        raw = (x.array,)
        try:
            out = forward(raw[0], **params)
        except ValueError as e:
            raise _shape_error(prim, raw, e) from None
        return finish(prim, out, (x,), raw, params, x.requires_grad)
    return call


def _binary_call(prim):
    """Two operands, no static parameters (add, mul, matmul, ...). A forward that promotes
    dtypes (ops/promotion.py) names in ``direct`` the ufunc that gives its result for a float
    array with another of its dtype or with a Python float — the common case, called here
    without the promoting wrapper in between."""
    forward = prim.forward
    direct = getattr(forward, "direct", None)
    finish = _finish_view if prim.is_view else _finish

    def call(x, y):
        xt = isinstance(x, Tensor)
        yt = isinstance(y, Tensor)
        if not (xt or yt):
            return forward(x, y)
        if _fwd_levels:
            level = _top_level((x, y))
            if level:
                return _push_tangents(call, prim, level, (x, y), _NO_PARAMS)
        xd = x.array if xt else x
        yd = y.array if yt else y
        try:
            if direct is not None and xd.__class__ is _ndarray and xd.dtype.kind == "f" and (
                    yd.__class__ is float or yd.__class__ is _ndarray and yd.dtype is xd.dtype):
                out = direct(xd, yd)
            else:
                out = forward(xd, yd)
        except ValueError as e:
            raise _shape_error(prim, (xd, yd), e) from None
        requires = (xt and x.requires_grad) or (yt and y.requires_grad)
        return finish(prim, out, (x, y), (xd, yd), _NO_PARAMS, requires)
    return call


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
    t.array = out
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
    if isinstance(base, Tensor) and np.may_share_memory(t.array, base.array):
        t._vcell = cell = base.version_cell()
        track(t, base, prim, params, cell)
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


def _push_tangents(call, prim, level, args, params):
    """Evaluate a primitive on dual numbers of one level: the primal (with every lower level)
    first, then ẏ = Σ_i ∂g/∂x_i · ẋ_i by the primitive's JVP rule, itself on lower-level duals."""
    saved = _state.fwd_ceiling
    _state.fwd_ceiling = level
    try:
        out = call(*args, **params)
        tangent = prim.output_tangent(tuple(tangent_of(a, level) for a in args), out, args,
                                      params)
    finally:
        _state.fwd_ceiling = saved
    if tangent is not None:
        out._tangents = {**out._tangents, level: tangent} if out._tangents else {level: tangent}
        if out._node is not None:
            out._node.tangents = out._tangents   # for rules that read the saved output
    return out
