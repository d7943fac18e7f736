"""softmax and log_softmax along an axis, fused: stable for extreme inputs and cheaper than
their compositions.

softmax:     y = e^(x − logsumexp x);  ∂L/∂x = y ⊙ (g − Σ g ⊙ y);   ẏ = y ⊙ (ẋ − Σ ẋ ⊙ y)
log_softmax: y = x − logsumexp x;      ∂L/∂x = g − e^y Σ g;         ẏ = ẋ − Σ e^y ⊙ ẋ

A 0-d tensor is one class: softmax 1 and log_softmax 0, with derivative 0 (as in PyTorch, whose
dim may then be 0 or −1); the primitives run it with axis=(), a reduction over no axis.
"""
import numpy as np

from ..primitives import primitive
from ._samples import fixed
from .elementwise import exp
from .layout import c_order
from .reduce import converted, reduce_kept, sum_kept
from .shape import _axis


def _kept(axis):
    """The axes reduced: (axis,), or () for a 0-d tensor."""
    return axis if axis.__class__ is tuple else (axis,)


def _cases():
    def build(shape, scale=1.0):
        return lambda rng: (rng.normal(size=shape) * scale,)
    return fixed((build((2, 3)), {"axis": 1}), (build((2, 3)), {"axis": 0}),
                 (build((4,), 3.0), {"axis": 0}), (build((2, 2, 3)), {"axis": 2}),
                 (build(()), {"axis": ()}))


def _along_axis_cost(out, operands, params, i):
    """Every output along the axis depends on every input there: |y| · L multiply-adds."""
    return out.size * (out.shape[params["axis"]] if out.ndim else 1)


def _softmax_axis(axis, ndim):
    """The axis as the primitives take it: () for a 0-d tensor, where PyTorch allows 0 and −1."""
    if ndim == 0:
        _axis(0 if axis == -1 else axis, 0)       # anything else raises, naming the axis
        return ()
    return _axis(axis, ndim)


@primitive(name="softmax", examples=_cases(), saves=("out",),
           vjp_text="y ⊙ ({g} − Σ {g} ⊙ y)", cost=_along_axis_cost)
def _softmax(x, *, axis):
    """e^x / Σ e^x along an axis."""
    e = c_order(np.exp(x - reduce_kept(np.maximum, x, axis)))
    e /= reduce_kept(np.add, e, axis)
    return e


_softmax.defvjp(lambda g, out, x, axis: out * (g - sum_kept(g * out, _kept(axis))))
_softmax.defjvp(lambda t, out, x, axis: out * (t - sum_kept(t * out, _kept(axis))))


@primitive(name="log_softmax", examples=_cases(), saves=("out",),
           vjp_text="{g} − softmax ⊙ Σ {g}", cost=_along_axis_cost)
def _log_softmax(x, *, axis):
    """x − log Σ e^x along an axis, as (x − m) − log Σ e^(x − m) with m = max x: forming
    x − (m + log Σ …) instead would round m + log Σ … to the precision of m."""
    top = reduce_kept(np.maximum, x, axis)
    shifted = c_order(x - np.where(np.isfinite(top), top, 0))
    shifted -= np.log(reduce_kept(np.add, np.exp(shifted), axis))
    return shifted


_log_softmax.defvjp(lambda g, out, x, axis: g - exp(out) * sum_kept(g, _kept(axis)))
_log_softmax.defjvp(lambda t, out, x, axis: t - sum_kept(exp(out) * t, _kept(axis)))


def softmax(x, axis=-1, *, dim=None, dtype=None):
    """softmax along an axis (the last by default); dtype: x is converted to it first (as
    PyTorch's dtype=)."""
    if dtype is not None:
        x = converted(x, dtype)
    return _softmax(x, axis=_softmax_axis(axis if dim is None else dim, np.ndim(x)))


def log_softmax(x, axis=-1, *, dim=None, dtype=None):
    """log softmax along an axis (the last by default), without overflow; dtype: x is
    converted to it first."""
    if dtype is not None:
        x = converted(x, dtype)
    return _log_softmax(x, axis=_softmax_axis(axis if dim is None else dim, np.ndim(x)))
