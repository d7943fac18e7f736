"""Running reductions along one dim with PyTorch's meaning: cumsum, cumprod, logcumsumexp and
cummax/cummin (values, indices).

    cumprod:       y_k = Π_{j≤k} x_j,   ∂L/∂x_i = Σ_{k≥i} g_k Π_{j≤k, j≠i} x_j
                   (= Σ_{k≥i} g_k y_k / x_i where no x is 0; the product of the others where one is)
    logcumsumexp:  y_k = log Σ_{j≤k} e^{x_j},   ∂L/∂x_i = Σ_{k≥i} g_k e^{x_i − y_k}
                   (computed in log space, the positive and negative parts of g apart, as PyTorch)
    cummax:        y_k = max_{j≤k} x_j, the index of its last occurrence (NaN propagates)
"""
import numpy as np

from ..primitives import primitive
from . import return_types
from ._samples import fixed
from .elementwise import exp, log, where
from .layout import c_order
from .reduce import _floating, _raw, _reverse, _sum, converted, dtype_of
from .reduce import cumsum as _cumsum
from .shape import _reshape, _transpose
from .sorting import one_dim, operand, selected


def _scan_axis(x, dim, axis, name):
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{name}: give dim or its NumPy alias axis, not both")
        dim = axis
    if dim is None:
        raise TypeError(f"{name}() missing required argument 'dim' (an int), as in PyTorch")
    return one_dim(x, dim, name)


def _along(x, axis, scan):
    """scan(x, axis) for x of any rank (a 0-d tensor is scanned as a 1-element vector)."""
    if np.ndim(x) == 0:
        return _reshape(scan(_reshape(x, shape=(1,)), 0), shape=())
    return scan(x, axis)


def _cases(sample):
    return fixed((lambda r: (sample(r, (2, 4)),), {"axis": 1}),
                 (lambda r: (sample(r, (3, 2)),), {"axis": 0}),
                 (lambda r: (sample(r, (5,)),), {"axis": 0}))


# ------------------------------------------------------------------------------ cumprod
def _with_zeros(rng, shape):
    x = rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)
    if x.ndim == 1:
        x[2] = 0.0                  # exercise the product-of-the-others path
    return x


@primitive(name="cumprod", examples=_cases(_with_zeros))
def _cumprod(x, *, axis):
    """Running products along an axis."""
    return c_order(np.cumprod(x, axis=axis))


def _to_last(v, axis):
    perm = tuple(d for d in range(v.ndim) if d != axis) + (axis,)
    return _transpose(v, axes=perm), tuple(np.argsort(perm))


def _others(x, axis):
    """(P, upper): P[..., i, k] = Π_{j≤k, j≠i} x_j (x moved to the last axis) and the mask
    k ≥ i where P is a derivative of y_k."""
    last, back = _to_last(x, axis)
    n = last.shape[-1]
    rows = _reshape(last, shape=last.shape[:-1] + (1, n))
    return _cumprod(where(np.eye(n, dtype=bool), 1.0, rows), axis=last.ndim), back, \
        np.triu(np.ones((n, n), bool))


def _cumprod_vjp(g, out, x, axis):
    if not np.any(_raw(x) == 0):
        return _reverse(_cumsum(_reverse(g * out, axis), axis=axis), axis) / x
    products, back, upper = _others(x, axis)
    g_last, _ = _to_last(g, axis)
    rows = _reshape(g_last, shape=g_last.shape[:-1] + (1, g_last.shape[-1]))
    return _transpose(_sum(products * (rows * upper), axis=(g_last.ndim,), keepdims=False),
                      axes=back)


def _cumprod_jvp(t, out, x, axis):
    if not np.any(_raw(x) == 0):
        return out * _cumsum(t / x, axis=axis)
    products, back, upper = _others(x, axis)
    t_last, _ = _to_last(t, axis)
    columns = _reshape(t_last, shape=t_last.shape + (1,))
    return _transpose(_sum(products * (columns * upper), axis=(t_last.ndim - 1,),
                           keepdims=False), axes=back)


_cumprod.defvjp(_cumprod_vjp)
_cumprod.defjvp(_cumprod_jvp)


# ------------------------------------------------------------------------------ logcumsumexp
@primitive(name="logcumsumexp", examples=_cases(lambda r, s: r.normal(size=s) * 3))
def _logcumsumexp(x, *, axis):
    """log Σ_{j≤k} e^{x_j} along an axis, without overflow."""
    return c_order(np.logaddexp.accumulate(x, axis=axis))


def _log_parts(v):
    """(log v⁺, log v⁻), the lowest float where that part is 0 (so that no log of 0 is
    differentiated)."""
    lowest = float(np.finfo(dtype_of(v)).min)
    positive, negative = _raw(v) > 0, _raw(v) < 0
    return (where(positive, log(where(positive, v, 1.0)), lowest),
            where(negative, log(where(negative, -v, 1.0)), lowest))


def _reverse_scan(v, axis):
    return _reverse(_logcumsumexp(_reverse(v, axis), axis=axis), axis)


def _logcumsumexp_vjp(g, out, x, axis):
    """Σ_{k≥i} g_k e^{x_i − y_k} = e^{x_i + log Σ_{k≥i} e^{log g_k − y_k}}, g⁺ and g⁻ apart."""
    up, down = _log_parts(g)
    return exp(_reverse_scan(up - out, axis) + x) - exp(_reverse_scan(down - out, axis) + x)


def _logcumsumexp_jvp(t, out, x, axis):
    """Σ_{i≤k} ẋ_i e^{x_i − y_k}, ẋ⁺ and ẋ⁻ apart in log space."""
    up, down = _log_parts(t)
    return (exp(_logcumsumexp(up + x, axis=axis) - out)
            - exp(_logcumsumexp(down + x, axis=axis) - out))


_logcumsumexp.defvjp(_logcumsumexp_vjp)
_logcumsumexp.defjvp(_logcumsumexp_jvp)


# ------------------------------------------------------------------------------ public API
def cumsum(x, dim=None, *, dtype=None, axis=None):
    """Running sums along dim (required, as in PyTorch); integers sum to int64."""
    axis = _scan_axis(x, dim, axis, "cumsum")
    return _along(converted(x, dtype), axis, lambda v, a: _cumsum(v, axis=a))


def cumprod(x, dim=None, *, dtype=None, axis=None):
    """Running products along dim; the gradient is exact where entries are 0."""
    axis = _scan_axis(x, dim, axis, "cumprod")
    return _along(converted(x, dtype), axis, lambda v, a: _cumprod(v, axis=a))


def logcumsumexp(x, dim=None, *, axis=None):
    """log Σ_{j≤k} e^{x_j} along dim, for floating-point tensors."""
    axis = _scan_axis(x, dim, axis, "logcumsumexp")
    return _along(_floating(x, "logcumsumexp"), axis, lambda v, a: _logcumsumexp(v, axis=a))


def _running(name, accumulate):
    cls = getattr(return_types, name)

    def fn(x, dim=None, *, axis=None):
        x = operand(x)
        axis = _scan_axis(x, dim, axis, name)
        raw = _raw(x)
        if raw.ndim == 0:
            return selected(cls, x, None, 0)
        values = accumulate(raw, axis=axis)
        hits = raw == values
        if raw.dtype.kind in "fc":
            hits |= np.isnan(raw)
        ranks = np.arange(raw.shape[axis]).reshape((-1,) + (1,) * (raw.ndim - axis - 1))
        return selected(cls, x, c_order(np.maximum.accumulate(np.where(hits, ranks, 0),
                                                              axis=axis)), axis)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"(values, indices): the running {name[3:]}imum along dim and the index of "
                  "its last occurrence (NaN propagates); the gradient goes to those indices.")
    return fn


cummax = _running("cummax", np.maximum.accumulate)
cummin = _running("cummin", np.minimum.accumulate)
