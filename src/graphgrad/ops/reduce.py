"""Reductions over any axis or tuple of axes, with keepdims (NumPy's `axis=`, PyTorch's `dim=`).

Each reduction primitive y = r(x) is described by its elementwise weight w = ∂y/∂x (broadcast
against x): ∂L/∂x = ∂L/∂y · w and ẏ = r_sum(ẋ · w). sum: w = 1; prod: w = Π of the others;
max/min: w = [x is the extreme] / #ties; logsumexp: w = softmax(x).
"""
import builtins

import numpy as np

from ..errors import ShapeError
from ..primitives import primitive
from ..tensor import Tensor
from ._samples import fixed
from .elementwise import exp, sqrt, where
from .shape import _broadcast_to, _reshape, _transpose


def _cases(sample):
    def build(shape):
        return lambda rng: (sample(rng, shape),)
    return fixed((build((2, 3)), {"axis": None, "keepdims": False}),
                 (build((2, 3)), {"axis": (0,), "keepdims": False}),
                 (build((2, 3, 2)), {"axis": (0, 2), "keepdims": True}),
                 (build((3,)), {"axis": (0,), "keepdims": False}),
                 (build(()), {"axis": None, "keepdims": False}))


def _normal(rng, shape):
    return rng.normal(size=shape)


def _distinct(rng, shape):
    """Values without ties (max/min are not differentiable at ties)."""
    n = int(np.prod(shape, dtype=int))
    return rng.permutation(n).reshape(shape) * 0.37 + rng.uniform(-0.1, 0.1, shape)


def _kept_shape(shape, axis):
    return tuple(1 if axis is None or i in axis else n for i, n in enumerate(shape))


def _unreduce(y, x, axis, keepdims):
    """A reduced result (or its gradient) reshaped to broadcast against x."""
    return y if keepdims else _reshape(y, shape=_kept_shape(x.shape, axis))


def _reduction(name, forward, weight, sample, vjp_text):
    """Register a reduction primitive y = forward(x) with ∂y/∂x = weight(x, y_kept, axis)."""
    prim = primitive(name=name, examples=_cases(sample), vjp_text=vjp_text)(forward)
    prim.defvjp(lambda g, out, x, axis, keepdims:
                _unreduce(g, x, axis, keepdims) * weight(x, _unreduce(out, x, axis, keepdims),
                                                         axis))
    prim.defjvp(lambda t, out, x, axis, keepdims:
                _sum(t * weight(x, _unreduce(out, x, axis, keepdims), axis),
                     axis=axis, keepdims=keepdims))
    return prim


@primitive(name="sum", examples=_cases(_normal), saves=(), vjp_text="{g} broadcast back to {shape}")
def _sum(x, *, axis, keepdims):
    """Σ over the axes."""
    return np.sum(x, axis=axis, keepdims=keepdims)


_sum.defvjp(lambda g, out, x, axis, keepdims:
            _broadcast_to(_unreduce(g, x, axis, keepdims), shape=x.shape))
_sum.deflinear()


def _raw(x):
    return x.data if isinstance(x, Tensor) else x


def _prod_weight(x, out, axis):
    """∂(Π x)/∂x_i = Π_{j≠i} x_j: out / x_i when nothing is 0, else an explicit product."""
    if not np.any(_raw(x) == 0):
        return out / x
    axis = tuple(range(x.ndim)) if axis is None else axis
    perm = [d for d in range(x.ndim) if d not in axis] + list(axis)
    moved = _transpose(x, axes=tuple(perm))
    lead = moved.shape[:x.ndim - len(axis)]
    n = int(np.prod(moved.shape[len(lead):], dtype=int))
    rows = _reshape(moved, shape=lead + (1, n))
    others = _prod(where(np.eye(n, dtype=bool), 1.0, rows), axis=(len(lead) + 1,), keepdims=False)
    return _transpose(_reshape(others, shape=moved.shape), axes=tuple(np.argsort(perm)))


def _prod_sample(rng, shape):
    x = rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)
    if x.size > 2:
        x.flat[1] = 0.0  # exercise the product-of-the-others path
    return x


def _extreme_weight(x, out, axis):
    mask = x == out
    return mask / _sum(mask, axis=axis, keepdims=True)


#: NumPy reduces a short contiguous last axis one tiny loop per row: the max over the 10
#: classes of a (1024, 10) batch takes ~45 µs, over the rows of its contiguous transpose ~6 µs
#: (copy included). Past about 32 entries a row the plain reduction is the quicker.
_SHORT_ROW = 32


def reduce_kept(ufunc, x, axis):
    """ufunc.reduce(x, axis=axis, keepdims=True) for an ndarray: through the transpose when
    the axis is the last, short, axis of many rows (softmax over classes or attention keys)."""
    last = x.ndim - 1
    if (axis in (-1, last, (last,), (-1,)) and last > 0 and 0 < x.shape[-1] <= _SHORT_ROW
            and x.size >= 16 * x.shape[-1]):
        columns = np.ascontiguousarray(x.reshape(-1, x.shape[-1]).T)
        return ufunc.reduce(columns, axis=0).reshape(x.shape[:-1] + (1,))
    return ufunc.reduce(x, axis=axis, keepdims=True)


def sum_kept(v, axes):
    """Σ over `axes` (a tuple), kept: on raw arrays by reduce_kept (quick over short rows), on
    tensors by the recorded sum (so rules that use it differentiate again)."""
    if v.__class__ is np.ndarray:
        return reduce_kept(np.add, v, axes)
    return _sum(v, axis=axes, keepdims=True)


def _logsumexp_forward(x, *, axis, keepdims):
    """log Σ e^x, shifted by the maximum so that nothing overflows."""
    top = reduce_kept(np.maximum, x, axis)
    top = np.where(np.isfinite(top), top, 0)
    out = np.log(reduce_kept(np.add, np.exp(x - top), axis)) + top
    return out if keepdims else np.squeeze(out, axis=axis)


_prod = _reduction("prod", lambda x, *, axis, keepdims: np.prod(x, axis=axis, keepdims=keepdims),
                   _prod_weight, _prod_sample, "{g} · product of the other elements")
_amax = _reduction("max", lambda x, *, axis, keepdims: np.amax(x, axis=axis, keepdims=keepdims),
                   _extreme_weight, _distinct, "{g} routed to the maximum")
_amin = _reduction("min", lambda x, *, axis, keepdims: np.amin(x, axis=axis, keepdims=keepdims),
                   _extreme_weight, _distinct, "{g} routed to the minimum")
_logsumexp = _reduction("logsumexp", _logsumexp_forward, lambda x, out, axis: exp(x - out),
                        _normal, "{g} · softmax({0})")


# ------------------------------------------------------------------------------ public API
def reduction_axes(x, axis=None, keepdims=False, dim=None, keepdim=None):
    """NumPy's (axis, keepdims) or PyTorch's (dim, keepdim), normalised to (sorted tuple|None,
    bool)."""
    if dim is not None:
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    if axis is None:
        return None, bool(keepdims)
    ndim = np.ndim(x)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    normal = []
    for a in axes:
        if not -builtins.max(ndim, 1) <= a < builtins.max(ndim, 1):
            raise ShapeError(f"axis {a} is out of range for a tensor of shape {np.shape(x)}")
        normal.append(a % ndim if ndim else 0)
    if len(set(normal)) != len(normal):
        raise ShapeError(f"axis {axis} repeats an axis")
    return (tuple(sorted(normal)) if ndim else None), bool(keepdims)


def _count(x, axis):
    shape = np.shape(x)
    return int(np.prod([shape[a] for a in axis] if axis is not None else shape, dtype=int))


def sum(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """Σ x over the axes (all by default)."""
    return _sum(x, **_params(x, axis, keepdims, dim, keepdim))


def prod(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """Π x over the axes."""
    return _prod(x, **_params(x, axis, keepdims, dim, keepdim))


def max(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """Largest value over the axes (NumPy's amax; ties share the gradient equally)."""
    return _amax(x, **_params(x, axis, keepdims, dim, keepdim))


def min(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """Smallest value over the axes (NumPy's amin; ties share the gradient equally)."""
    return _amin(x, **_params(x, axis, keepdims, dim, keepdim))


def logsumexp(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """log Σ exp(x) over the axes, computed without overflow; its gradient is softmax(x)."""
    return _logsumexp(x, **_params(x, axis, keepdims, dim, keepdim))


def mean(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
    """Arithmetic mean over the axes: Σ x / n."""
    params = _params(x, axis, keepdims, dim, keepdim)
    return _sum(x, **params) / _count(x, params["axis"])


def var(x, axis=None, keepdims=False, ddof=0, *, dim=None, keepdim=None, correction=None,
        unbiased=None):
    """Variance Σ (x − x̄)² / (n − ddof). ddof=0 as NumPy; PyTorch's correction= or
    unbiased=True (ddof=1) are accepted."""
    if correction is not None:
        ddof = correction
    elif unbiased is not None:
        ddof = int(unbiased)
    params = _params(x, axis, keepdims, dim, keepdim)
    centred = x - _sum(x, axis=params["axis"], keepdims=True) / _count(x, params["axis"])
    return _sum(centred * centred, **params) / builtins.max(_count(x, params["axis"]) - ddof, 0)


def std(x, axis=None, keepdims=False, ddof=0, *, dim=None, keepdim=None, correction=None,
        unbiased=None):
    """Standard deviation √var (same arguments as var)."""
    return sqrt(var(x, axis, keepdims, ddof, dim=dim, keepdim=keepdim, correction=correction,
                    unbiased=unbiased))


def _params(x, axis, keepdims, dim, keepdim):
    axis, keepdims = reduction_axes(x, axis, keepdims, dim, keepdim)
    return {"axis": axis, "keepdims": keepdims}


# ------------------------------------------------------------------------------ running sums
@primitive(name="cumsum", saves=(),
           examples=fixed((lambda r: (r.normal(size=(2, 3)),), {"axis": 1}),
                          (lambda r: (r.normal(size=(4,)),), {"axis": 0})))
def cumsum(x, *, axis):
    """Running sums along an axis; its adjoint is the running sum taken from the other end."""
    return np.cumsum(x, axis=axis)


def _reverse(v, axis):
    return v[(slice(None),) * axis + (slice(None, None, -1),)]


cumsum.defvjp(lambda g, out, x, axis: _reverse(cumsum(_reverse(g, axis), axis=axis), axis))
cumsum.deflinear()
