"""Fused primitives for neural networks, stable for extreme inputs and cheaper than their
compositions (the notes' own formulas fuse them).

softmax:     y = e^(x − logsumexp x);  ∂L/∂x = y ⊙ (g − Σ g ⊙ y);   ẏ = y ⊙ (ẋ − Σ ẋ ⊙ y)
log_softmax: y = x − logsumexp x;      ∂L/∂x = g − e^y Σ g;         ẏ = ẋ − Σ e^y ⊙ ẋ
"""
import numpy as np

from ..primitive import primitive
from ._samples import fixed
from .elementwise import exp
from .reduce import _logsumexp_forward, _sum


def _cases():
    def build(shape, scale=1.0):
        return lambda rng: (rng.normal(size=shape) * scale,)
    return fixed((build((2, 3)), {"axis": 1}), (build((2, 3)), {"axis": 0}),
                 (build((4,), 3.0), {"axis": 0}), (build((2, 2, 3)), {"axis": 2}))


@primitive(name="softmax", examples=_cases())
def _softmax(x, *, axis):
    """e^x / Σ e^x along an axis."""
    e = np.exp(x - np.amax(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


_softmax.defvjp(lambda g, out, x, axis: out * (g - _sum(g * out, axis=(axis,), keepdims=True)))
_softmax.defjvp(lambda t, out, x, axis: out * (t - _sum(t * out, axis=(axis,), keepdims=True)))


@primitive(name="log_softmax", examples=_cases())
def _log_softmax(x, *, axis):
    """x − log Σ e^x along an axis."""
    return x - _logsumexp_forward(x, axis=axis, keepdims=True)


_log_softmax.defvjp(lambda g, out, x, axis: g - exp(out) * _sum(g, axis=(axis,), keepdims=True))
_log_softmax.defjvp(lambda t, out, x, axis: t - _sum(exp(out) * t, axis=(axis,), keepdims=True))


def _axis_of(x, axis, dim):
    axis = axis if dim is None else dim
    ndim = np.ndim(x)
    return axis % ndim if ndim else 0


def softmax(x, axis=-1, *, dim=None):
    """softmax along an axis (the last by default)."""
    return _softmax(x, axis=_axis_of(x, axis, dim))


def log_softmax(x, axis=-1, *, dim=None):
    """log softmax along an axis (the last by default), without overflow."""
    return _log_softmax(x, axis=_axis_of(x, axis, dim))
