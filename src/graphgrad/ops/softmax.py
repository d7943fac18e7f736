"""softmax and log_softmax along an axis, fused: stable for extreme inputs and cheaper than
their compositions.

softmax:     y = e^(x − logsumexp x);  ∂L/∂x = y ⊙ (g − Σ g ⊙ y);   ẏ = y ⊙ (ẋ − Σ ẋ ⊙ y)
log_softmax: y = x − logsumexp x;      ∂L/∂x = g − e^y Σ g;         ẏ = ẋ − Σ e^y ⊙ ẋ
"""
import numpy as np

from ..primitives import primitive
from ._samples import fixed
from .elementwise import exp
from .reduce import reduce_kept, sum_kept
from .shape import _axis


def _cases():
    def build(shape, scale=1.0):
        return lambda rng: (rng.normal(size=shape) * scale,)
    return fixed((build((2, 3)), {"axis": 1}), (build((2, 3)), {"axis": 0}),
                 (build((4,), 3.0), {"axis": 0}), (build((2, 2, 3)), {"axis": 2}))


def _along_axis_cost(out, operands, params, i):
    """Every output along the axis depends on every input there: |y| · L multiply-adds."""
    return out.size * (out.shape[params["axis"]] if out.ndim else 1)


@primitive(name="softmax", examples=_cases(), saves=("out",),
           vjp_text="y ⊙ ({g} − Σ {g} ⊙ y)", cost=_along_axis_cost)
def _softmax(x, *, axis):
    """e^x / Σ e^x along an axis."""
    e = np.exp(x - reduce_kept(np.maximum, x, axis))
    e /= reduce_kept(np.add, e, axis)
    return e


_softmax.defvjp(lambda g, out, x, axis: out * (g - sum_kept(g * out, (axis,))))
_softmax.defjvp(lambda t, out, x, axis: out * (t - sum_kept(t * out, (axis,))))


@primitive(name="log_softmax", examples=_cases(), saves=("out",),
           vjp_text="{g} − softmax ⊙ Σ {g}", cost=_along_axis_cost)
def _log_softmax(x, *, axis):
    """x − log Σ e^x along an axis, as (x − m) − log Σ e^(x − m) with m = max x: forming
    x − (m + log Σ …) instead would round m + log Σ … to the precision of m."""
    top = reduce_kept(np.maximum, x, axis)
    shifted = x - np.where(np.isfinite(top), top, 0)
    shifted -= np.log(reduce_kept(np.add, np.exp(shifted), axis))
    return shifted


_log_softmax.defvjp(lambda g, out, x, axis: g - exp(out) * sum_kept(g, (axis,)))
_log_softmax.defjvp(lambda t, out, x, axis: t - sum_kept(exp(out) * t, (axis,)))


def softmax(x, axis=-1, *, dim=None):
    """softmax along an axis (the last by default)."""
    return _softmax(x, axis=_axis(axis if dim is None else dim, np.ndim(x)))


def log_softmax(x, axis=-1, *, dim=None):
    """log softmax along an axis (the last by default), without overflow."""
    return _log_softmax(x, axis=_axis(axis if dim is None else dim, np.ndim(x)))
