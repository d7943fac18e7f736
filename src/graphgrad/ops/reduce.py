"""Reductions with PyTorch's meaning: sum, mean, prod, amax/amin, logsumexp, nansum,
nanmean, count_nonzero, all/any over `dim` (an int, a tuple or a list; None or () for all),
with `keepdim`; NumPy's `axis=` and `keepdims=` are accepted as aliases.

Each reduction primitive y = r(x) is described by its elementwise weight w = ∂y/∂x (broadcast
against x): ∂L/∂x = ∂L/∂y · w and ẏ = r_sum(ẋ · w). sum: w = 1; mean: w = 1/n; prod: w = Π of
the others; amax/amin: w = [x is the extreme] / #ties; logsumexp: w = softmax(x).
"""
import builtins
import math

import numpy as np

from ..errors import DtypeError, ShapeError
from ..primitives import primitive
from ..tensor import Tensor, get_default_dtype, make
from ._samples import fixed
from .elementwise import astype, exp, selected_times, where
from .layout import c_order
from .shape import _broadcast_to, _reshape, _transpose


def _raw(x):
    return x.array if isinstance(x, Tensor) else x


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


def _reduction(name, forward, weight, sample, vjp_text, selects=False):
    """Register a reduction primitive y = forward(x) with ∂y/∂x = weight(x, y_kept, axis).
    selects: the weight is 0 off the selected entries (max, min), where y does not depend on
    x, so the products there are selected away (an infinite g or ẋ gives 0, not ∞·0 = NaN)."""
    def reduced(x, *, axis, keepdims):
        return c_order(forward(x, axis=axis, keepdims=keepdims))
    reduced.__doc__ = forward.__doc__
    prim = primitive(name=name, examples=_cases(sample), vjp_text=vjp_text)(reduced)

    def times_weight(v, out, x, axis, keepdims):
        w = weight(x, _unreduce(out, x, axis, keepdims), axis)
        return selected_times(v, w) if selects else v * w
    prim.defvjp(lambda g, out, x, axis, keepdims:
                times_weight(_unreduce(g, x, axis, keepdims), out, x, axis, keepdims))
    prim.defjvp(lambda t, out, x, axis, keepdims:
                _sum(times_weight(t, out, x, axis, keepdims), axis=axis, keepdims=keepdims))
    return prim


@primitive(name="sum", examples=_cases(_normal), saves=(), vjp_text="{g} broadcast back to {shape}")
def _sum(x, *, axis, keepdims):
    """Σ over the axes (booleans and small integers sum to int64, as np.sum)."""
    return c_order(np.add.reduce(x, axis=axis, keepdims=keepdims))


_sum.defvjp(lambda g, out, x, axis, keepdims:
            _broadcast_to(_unreduce(g, x, axis, keepdims), shape=x.shape))
_sum.deflinear()


@primitive(name="mean", examples=_cases(_normal), saves=(),
           vjp_text="{g} / n broadcast back to {shape}")
def _mean(x, *, axis, keepdims):
    """Σ x / n over the axes (n: the number of entries reduced)."""
    return c_order(np.add.reduce(x, axis=axis, keepdims=keepdims) / _count(x, axis))


_mean.defvjp(lambda g, out, x, axis, keepdims:
             _broadcast_to(_unreduce(g / _count(x, axis), x, axis, keepdims), shape=x.shape))
_mean.deflinear()




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
    """[x is the extreme] / #ties, in x's dtype (a bool mask would divide to the default
    float)."""
    mask = astype(x == out, dtype=x.dtype)
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
    """log Σ e^x, shifted by the maximum so that nothing overflows (−∞ for an empty sum)."""
    if x.size == 0:             # no maximum to shift by; nothing to overflow either
        with np.errstate(divide="ignore"):
            return np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims))
    top = reduce_kept(np.maximum, x, axis)
    top = np.where(np.isfinite(top), top, 0)
    out = np.log(reduce_kept(np.add, np.exp(x - top), axis)) + top
    return out if keepdims else np.squeeze(out, axis=axis)


_prod = _reduction("prod", lambda x, *, axis, keepdims: np.prod(x, axis=axis, keepdims=keepdims),
                   _prod_weight, _prod_sample, "{g} · product of the other elements")
_amax = _reduction("max", lambda x, *, axis, keepdims: np.amax(x, axis=axis, keepdims=keepdims),
                   _extreme_weight, _distinct, "{g} routed to the maximum", selects=True)
_amin = _reduction("min", lambda x, *, axis, keepdims: np.amin(x, axis=axis, keepdims=keepdims),
                   _extreme_weight, _distinct, "{g} routed to the minimum", selects=True)
_logsumexp = _reduction("logsumexp", _logsumexp_forward, lambda x, out, axis: exp(x - out),
                        _normal, "{g} · softmax({0})")
_nansum = _reduction("nansum", lambda x, *, axis, keepdims: np.nansum(x, axis=axis,
                                                                      keepdims=keepdims),
                     lambda x, out, axis: ~np.isnan(_raw(x)), _normal, "{g} where {0} is a number")


# ------------------------------------------------------------------------------ dims
def normalize_dims(dim, ndim, name="reduction"):
    """dim (an int, a tuple or a list of ints; None or () for every axis) as a sorted tuple of
    axes in [0, ndim), or None for all of them; a 0-d tensor takes dim 0 or -1."""
    if dim is None:
        return None
    if isinstance(dim, (int, np.integer)) and not isinstance(dim, bool):
        dims = (dim,)
    elif isinstance(dim, (tuple, list)):
        if not dim:
            return None
        dims = dim
    else:
        raise TypeError(f"{name}: dim must be an int, a tuple or a list of ints, not "
                        f"{type(dim).__name__}")
    span = builtins.max(ndim, 1)
    normal = []
    for d in dims:
        if not -span <= d < span:
            raise ShapeError(f"{name}: dim {d} is out of range for a tensor with {ndim} "
                             f"dimensions (expected -{span} to {span - 1})")
        normal.append(d % span)
    if len(set(normal)) != len(normal):
        raise ShapeError(f"{name}: dim {tuple(dims)} names an axis twice")
    return tuple(sorted(normal)) if ndim else None


def merge_aliases(dim, keepdim, axis, keepdims, name="reduction"):
    """PyTorch's (dim, keepdim) with NumPy's (axis, keepdims) folded in."""
    if axis is not None:
        if dim is not None and dim != ():
            raise TypeError(f"{name}: give dim or its NumPy alias axis, not both")
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    return dim, bool(keepdim)


def reduction_axes(x, dim=None, keepdim=False, axis=None, keepdims=None, name="reduction"):
    """(sorted tuple of axes or None, keepdim) from PyTorch's or NumPy's spellings."""
    dim, keepdim = merge_aliases(dim, keepdim, axis, keepdims, name)
    return normalize_dims(dim, np.ndim(x), name), keepdim


def _params(x, dim, keepdim, axis, keepdims, name):
    axis, keepdims = reduction_axes(x, dim, keepdim, axis, keepdims, name)
    return {"axis": axis, "keepdims": keepdims}


def _count(x, axis):
    """The number of entries a reduction over `axis` combines."""
    shape = x.shape if x.__class__ is np.ndarray else np.shape(x)
    return math.prod(shape) if axis is None else math.prod([shape[a] for a in axis])


def dtype_of(x):
    """The dtype of a tensor, an array, a number or a nested list."""
    return x.dtype if isinstance(x, (Tensor, np.ndarray, np.generic)) else np.asarray(x).dtype


def converted(x, dtype):
    """x as `dtype` (differentiable between float dtypes), x itself when it has it already."""
    if dtype is None or dtype_of(x) == np.dtype(dtype):
        return x
    return astype(x, dtype=np.dtype(dtype))


def _floating(x, name, dtype=None):
    """x (converted to dtype when given), refusing integer and boolean tensors as PyTorch."""
    x = converted(x, dtype)
    if dtype_of(x).kind not in "fc":
        raise DtypeError(f"{name}(): the input must have a floating-point dtype, not "
                         f"{dtype_of(x)}; convert it first or pass dtype=")
    return x


def _outside(x, value):
    """A result without gradient: a tensor if x was one, else the NumPy value."""
    return make(np.asarray(value)) if isinstance(x, Tensor) else value


# ------------------------------------------------------------------------------ public API
def sum(x, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """Σ x over dim (all by default); dtype= converts x first. Integers sum to int64."""
    if dtype is not None:
        x = converted(x, dtype)
    if dim is None and axis is None and keepdims is None:
        return _sum(x, axis=None, keepdims=bool(keepdim))
    return _sum(x, **_params(x, dim, keepdim, axis, keepdims, "sum"))


def mean(x, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """Σ x / n over dim (all by default); integer tensors need dtype= (as in PyTorch)."""
    if dtype is not None:
        x = converted(x, dtype)
    if dtype_of(x).kind not in "fc":
        _floating(x, "mean")
    if dim is None and axis is None and keepdims is None:
        return _mean(x, axis=None, keepdims=bool(keepdim))
    return _mean(x, **_params(x, dim, keepdim, axis, keepdims, "mean"))


def prod(x, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """Π x over dim (all by default; a tuple of dims is also taken, unlike PyTorch)."""
    return _prod(converted(x, dtype), **_params(x, dim, keepdim, axis, keepdims, "prod"))


def amax(x, dim=(), keepdim=False, *, axis=None, keepdims=None):
    """Largest value over dim (all for ()); ties share the gradient equally, as in PyTorch."""
    return _amax(x, **_params(x, dim, keepdim, axis, keepdims, "amax"))


def amin(x, dim=(), keepdim=False, *, axis=None, keepdims=None):
    """Smallest value over dim (all for ()); ties share the gradient equally, as in PyTorch."""
    return _amin(x, **_params(x, dim, keepdim, axis, keepdims, "amin"))


def logsumexp(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """log Σ exp(x) over dim, which PyTorch requires; computed without overflow; its
    gradient is softmax(x). Integer tensors are converted to the default float."""
    if dim is None and axis is None:
        raise TypeError("logsumexp() missing required argument 'dim' (an int or a tuple of "
                        "ints), as in PyTorch")
    if dtype_of(x).kind not in "fc":
        x = converted(x, get_default_dtype())
    return _logsumexp(x, **_params(x, dim, keepdim, axis, keepdims, "logsumexp"))


def nansum(x, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """Σ x over dim with NaNs counted as 0; ∂/∂x = [x is not NaN] (as PyTorch, a NaN seed
    gradient stays NaN)."""
    x = converted(x, dtype)
    return _nansum(x, **_params(x, dim, keepdim, axis, keepdims, "nansum"))


def nanmean(x, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """The mean of the entries that are not NaN: nansum / their number."""
    x = converted(_floating(x, "nanmean"), dtype)      # PyTorch refuses integers even with dtype
    params = _params(x, dim, keepdim, axis, keepdims, "nanmean")
    count = np.sum(~np.isnan(_raw(x)), **params).astype(dtype_of(x))
    return nansum(x, params["axis"], params["keepdims"]) / count


def count_nonzero(x, dim=None, *, axis=None):
    """The number of nonzero entries over dim (all by default), as int64."""
    dim, _ = merge_aliases(dim, False, axis, None, "count_nonzero")
    axis = normalize_dims(dim, np.ndim(x), "count_nonzero")
    return _outside(x, c_order(np.asarray(np.count_nonzero(_raw(x), axis=axis), np.int64)))


def _logical(np_fn, name):
    def fn(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
        params = _params(x, dim, keepdim, axis, keepdims, name)
        return _outside(x, c_order(np.asarray(np_fn(_raw(x), **params))))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"Whether {'every' if name == 'all' else 'some'} entry over dim (all by "
                  "default) is nonzero, as a bool tensor outside the graph.")
    return fn


all = _logical(np.all, "all")
any = _logical(np.any, "any")


# ------------------------------------------------------------------------------ running sums
@primitive(name="cumsum", saves=(),
           examples=fixed((lambda r: (r.normal(size=(2, 3)),), {"axis": 1}),
                          (lambda r: (r.normal(size=(4,)),), {"axis": 0})))
def cumsum(x, *, axis):
    """Running sums along an axis; its adjoint is the running sum taken from the other end."""
    return c_order(np.cumsum(x, axis=axis))


def _reverse(v, axis):
    return v[(slice(None),) * axis + (slice(None, None, -1),)]


cumsum.defvjp(lambda g, out, x, axis: _reverse(cumsum(_reverse(g, axis), axis=axis), axis))
cumsum.deflinear()
