"""Writes at positions, with PyTorch's meanings: scatter (also with reduce='add' or
'multiply'), scatter_add, scatter_reduce, index_add, index_fill, masked_fill. Their in-place
forms (scatter_, ...) are in _tensor_inplace.py, recorded as these.

scatter overwrites: ∂out/∂x is 1 where nothing was written, and src's gradient is the output's
gathered at the index. Sums and means are linear (index_add, getitem's adjoint, does the adding).
prod, amax and amin are one primitive described by its weights, as the reductions in reduce.py:
∂L/∂x = g ⊙ w_x, ∂L/∂src = g[index] ⊙ w_src, ẏ = ẋ ⊙ w_x + index_add(ṡrc ⊙ w_src), where
prod's weights are the products of the others (zeros handled as PyTorch does) and amax/amin's
split the gradient evenly among the entries equal to the result.
"""
import numpy as np

from ..errors import DtypeError, ShapeError
from ..grad_fn_names import as_torch
from ..primitives import primitive
from ..tensor import Tensor, make
from ._samples import fixed
from .elementwise import astype, selected_times, where
from .index import _getitem, _index_add, _out_of_bounds, index_array, torch_index
from .shape import _axis


def _raw(x):
    return x.array if isinstance(x, Tensor) else np.asarray(x)


def _written(shape, index):
    """True where a write at `index` lands."""
    mask = np.zeros(shape, dtype=bool)
    mask[index] = True
    return mask


def _cases(reduce=None, include_self=True, repeat=True, zeros=False):
    """x (2, 3) and src (2, 2) written along dim 1 with distinct values (no ties); the index
    repeats a place (not for scatter, whose duplicates are undefined); zeros in x and src."""
    idx = np.array([[0, 2], [1, 1 if repeat else 2]])
    params = {"index": (np.arange(2).reshape(2, 1), idx)}
    if reduce is not None:
        params.update(reduce=reduce, include_self=include_self)

    def build(rng):
        values = rng.permutation(10)[:10] * 0.3 + 0.5
        x, src = values[:6].reshape(2, 3), values[6:].reshape(2, 2) * [[1, -1], [1, 1]]
        if zeros:
            x[1, 1] = src[1, 0] = 0.0
        return x, src
    return [(build, params)]


@primitive(name="scatter", saves=(), examples=fixed(*_cases(repeat=False)),
           vjp_text=("{g} where nothing was written", "{g} gathered at the index"))
def _scatter(x, src, *, index):
    """x with src written at index (out[index] = src)."""
    out = np.array(x, copy=True)
    out[index] = src
    return out


_scatter.defvjp(lambda g, out, x, src, index: where(_written(x.shape, index), 0.0, g),
                lambda g, out, x, src, index: _getitem(g, index=index))
_scatter.deflinear()


_UFUNCS = {"prod": np.multiply, "amax": np.maximum, "amin": np.minimum}


def _identity(reduce, dtype):
    if reduce == "prod":
        return 1
    big = np.inf if dtype.kind == "f" else np.iinfo(dtype).max
    return -big if reduce == "amax" else big


@primitive(name="scatter_reduce", examples=fixed(
    *_cases("prod"), *_cases("prod", zeros=True), *_cases("prod", False, zeros=True),
    *_cases("amax"), *_cases("amin", False)))
def _scatter_reduce(x, src, *, index, reduce, include_self):
    """x with src reduced into it at index by Π, max or min (x's own entry left out where
    include_self is False)."""
    out = np.array(x, copy=True)
    if not include_self:
        out[index] = _identity(reduce, out.dtype)
    _UFUNCS[reduce].at(out, index, src)
    return out


def _ties(x, src, out, index, include_self):
    """(x == out, src == out[index], how many entries reach each output value)."""
    x_is = _raw(x) == _raw(out)
    if not include_self:
        x_is &= ~_written(x_is.shape, index)
    src_is = _raw(src) == _raw(out)[index]
    count = x_is.astype(np.int64)
    np.add.at(count, index, src_is)
    return x_is, src_is, np.maximum(count, 1)


def _x_weight(x, src, out, index, reduce, include_self):
    """∂out/∂x: Π of the others (prod) or the share of a tie (amax, amin)."""
    if reduce == "prod":
        masked = where(_raw(x) == 0, 1.0, x)
        weight = _scatter_reduce(masked, src, index=index, reduce=reduce,
                                 include_self=include_self) / masked
        return weight if include_self else where(_written(np.shape(x), index), 0.0, weight)
    x_is, _, count = _ties(x, src, out, index, include_self)
    return (x_is / count).astype(_raw(x).dtype)


def _src_weight(x, src, out, index, reduce, include_self):
    """∂out[index]/∂src, one weight per entry of src."""
    if reduce == "prod":
        zero = _raw(src) == 0
        zeros_there = np.zeros(np.shape(x), dtype=np.int64)
        np.add.at(zeros_there, index, zero)
        alone = zero & (zeros_there[index] == 1)      # the only 0 reaching its output
        without = _scatter_reduce(x, where(alone, 1.0, src), index=index, reduce=reduce,
                                  include_self=include_self)
        return where(alone, _getitem(without, index=index),
                     _getitem(out, index=index) / where(zero, 1.0, src))
    _, src_is, count = _ties(x, src, out, index, include_self)
    return (src_is / count[index]).astype(_raw(x).dtype)


def _weighted(v, w, reduce):
    """v ⊙ w; amax/amin's w is 0 off the selected entries (PyTorch multiplies and gives NaN
    there for an infinite v)."""
    return v * w if reduce == "prod" else selected_times(v, w)


def _reduce_jvp(tangents, out, x, src, **params):
    tx, ts = tangents
    reduce = params["reduce"]
    total = None if tx is None else _weighted(tx, _x_weight(x, src, out, **params), reduce)
    if ts is not None:
        term = _index_add(_weighted(ts, _src_weight(x, src, out, **params), reduce),
                          index=params["index"], shape=np.shape(x))
        total = term if total is None else total + term
    return total


_scatter_reduce.defvjp(
    lambda g, out, x, src, **p: _weighted(g, _x_weight(x, src, out, **p), p["reduce"]),
    lambda g, out, x, src, **p: _weighted(_getitem(g, index=p["index"]),
                                          _src_weight(x, src, out, **p), p["reduce"]))
_scatter_reduce.defjvp_all(_reduce_jvp)


# ------------------------------------------------------------------------------ public API
def _same_dtype(x, src, op, what="src"):
    """src as an array of x's dtype: tensors and arrays must have it already (PyTorch)."""
    dtype = _raw(x).dtype
    if not isinstance(src, (Tensor, np.ndarray)):
        return np.asarray(src, dtype=dtype)
    if src.dtype != dtype:
        raise DtypeError(f"{op}(): Expected self.dtype to be equal to {what}.dtype, got {dtype} "
                         f"and {src.dtype}")
    return src


def _prepared(x, dim, index, src, op):
    """(the index, src cut to the index's extent), checked as PyTorch."""
    src = _same_dtype(x, src, op)
    _, idx = torch_index(np.shape(x), dim, index, op, np.shape(src))
    extent = np.broadcast_shapes(*(np.shape(i) for i in idx)) if idx else ()
    if np.shape(src) != extent:
        src = _getitem(src, index=tuple(slice(0, n) for n in extent))
    return idx, src


def _scatter_name(x, dim, index, src=None, *, value=None, reduce=None):
    """ScatterBackward0 with a tensor src, ScatterBackward1 with a number (PyTorch's)."""
    if reduce is not None:
        return None
    return "ScatterBackward0" if hasattr(src, "shape") else "ScatterBackward1"


@as_torch(_scatter_name)
def scatter(x, dim, index, src=None, *, value=None, reduce=None):
    """x with src (or the number `value`) written at index along dim:
    out[index[i][j]][j] = src[i][j] for dim=0. The gradient reaches x where nothing was written
    and src at every place it was read from. reduce='add' or 'multiply' (PyTorch's deprecated
    form) reduces into x instead: scatter_reduce with 'sum' or 'prod' (PyTorch has no
    derivative there; this one has scatter_reduce's)."""
    if (src is None) == (value is None):
        raise TypeError("scatter() takes src or value (one of them)")
    if reduce is not None:
        return _scatter_with(x, dim, index, value if src is None else src, reduce)
    if src is None or not isinstance(src, (Tensor, np.ndarray, list, tuple)):
        _, idx = torch_index(np.shape(x), dim, index, "scatter")
        return _scatter(x, value if src is None else src, index=idx)
    idx, src = _prepared(x, dim, index, src, "scatter")
    return _scatter(x, src, index=idx)


def _scatter_with(x, dim, index, src, reduce):
    """scatter(..., reduce='add' | 'multiply')."""
    if reduce not in ("add", "multiply"):
        raise ValueError(f"scatter: reduce argument must be either add or multiply, got "
                         f"{reduce!r}")
    if not isinstance(src, (Tensor, np.ndarray, list, tuple)):      # a number: value=
        src = np.full(index_array(index, "scatter").shape, src, dtype=_raw(x).dtype)
    return scatter_reduce(x, dim, index, src, "sum" if reduce == "add" else "prod")


@as_torch("ScatterAddBackward0")
def scatter_add(x, dim, index, src):
    """x with src added at index along dim (repeats accumulate)."""
    return scatter_reduce(x, dim, index, src, "sum")


_REDUCES = ("sum", "prod", "mean", "amax", "amin")


def scatter_reduce(x, dim, index, src, reduce, *, include_self=True):
    """x with src reduced into it at index along dim by reduce ('sum', 'prod', 'mean', 'amax',
    'amin'); include_self=False leaves x's own entry out where something is written. Ties of
    amax/amin share the gradient evenly."""
    reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)     # PyTorch's aliases
    if reduce not in _REDUCES:
        raise ValueError(f"scatter_reduce: reduce argument must be either sum, prod, mean, amax "
                         f"or amin, got {reduce}")
    idx, src = _prepared(x, dim, index, src, "scatter_reduce")
    if reduce in _UFUNCS:
        return _scatter_reduce(x, src, index=idx, reduce=reduce, include_self=include_self)
    shape = np.shape(x)
    base = x if include_self else _scatter(x, 0, index=idx)
    total = base + _index_add(src, index=idx, shape=shape)
    if reduce == "sum":
        return total
    count = np.zeros(shape, np.int64)
    np.add.at(count, idx, 1)
    count = np.maximum(count + include_self, 1)
    dtype = _raw(x).dtype
    if dtype.kind in "iub":
        out = np.floor_divide(_raw(total), count).astype(dtype)
        return make(out) if isinstance(total, Tensor) else out
    return total / count.astype(dtype)


@as_torch("IndexAddBackward0")
def index_add(x, dim, index, source, *, alpha=1):
    """x with alpha · source added at positions `index` (a vector) along dim:
    out[..., index[i], ...] += alpha · source[..., i, ...] (repeats accumulate)."""
    idx = index_array(index, "index_add")
    if idx.ndim > 1:
        raise IndexError("index_add_(): Index is supposed to be a vector")
    shape = np.shape(x)
    d = _axis(dim, len(shape), "index_add")
    expected = shape[:d] + (idx.size,) + shape[d + 1:] if shape else ()
    if np.shape(source) != expected:
        raise ShapeError(f"index_add(): source tensor shape must match self tensor shape, "
                         f"excluding the specified dimension. Got self.shape = {list(shape)} "
                         f"source.shape = {list(np.shape(source))}")
    source = _same_dtype(x, source, "index_add", "source")
    _out_of_bounds(idx, shape[d] if shape else 1, "index_add", d)
    at = (slice(None),) * d + (idx.reshape(-1),) if shape else ()
    return x + _index_add(source if alpha == 1 else source * alpha, index=at, shape=shape)


@as_torch("MaskedFillBackward0")
def masked_fill(x, mask, value):
    """value where the boolean mask holds, x elsewhere (mask broadcast against x); value is a
    number or a 0-d tensor, which then gets the sum of the gradient at the filled places."""
    mask = _raw(mask)
    if mask.dtype != bool:
        raise DtypeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                         f"{mask.dtype}")
    dtype = _raw(x).dtype
    if isinstance(value, Tensor):
        if value.ndim:
            raise ShapeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got "
                             f"tensor with {value.ndim} dimension(s).")
        value = value if value.dtype == dtype else astype(value, dtype=dtype)
    else:
        value = np.asarray(value, dtype=dtype)
    try:
        np.broadcast_shapes(np.shape(x), mask.shape)
    except ValueError:
        raise ShapeError(f"masked_fill: the mask of shape {list(mask.shape)} does not broadcast "
                         f"with the input of shape {list(np.shape(x))}") from None
    return where(mask, value, x)


def index_fill(x, dim, index, value):
    """value at positions `index` (a vector) along dim, x elsewhere."""
    idx = index_array(index, "index_fill")
    if idx.ndim > 1:
        raise IndexError("index_fill_(): Index has to be a vector")
    shape = np.shape(x)
    d = _axis(dim, len(shape), "index_fill")
    n = shape[d] if shape else 1
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError(f"index_fill(): index {idx.max()} is out of bounds for dimension {d} "
                         f"with size {n}")
    mask = np.zeros(shape, dtype=bool)
    mask[(slice(None),) * d + (idx.reshape(-1),) if shape else ()] = True
    return masked_fill(x, mask, value)
