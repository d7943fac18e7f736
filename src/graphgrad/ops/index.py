"""Indexing: basic slicing, integer-array and boolean indexing, and PyTorch's gather,
index_select, take, masked_select, nonzero and where(condition).

One primitive reads (getitem) and its adjoint writes (index_add: zeros with the gradient added
at the indexed places, so indices that repeat accumulate); every differentiable read here is
getitem with an index built from the arguments. scatter.py holds the writes.
"""
import numpy as np

from ..errors import DtypeError, ShapeError, warn
from ..grad_fn_names import as_torch
from ..primitives import primitive
from ..tensor import Tensor, make
from .clone import clone, fresh
from .elementwise import astype
from .elementwise import where as _select
from .promotion import cast, result_type
from .shape import _axis, _broadcast_to, _reshape

_BASIC = (int, np.integer, slice, type(None), type(Ellipsis))


def _is_basic(index):
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, _BASIC) and not isinstance(i, bool) for i in items)


def _indexing(operands, params):
    """x[1, ::2] as it would be typed (the graph view's notation)."""
    items = params["index"] if isinstance(params["index"], tuple) else (params["index"],)
    return f"{operands[0]}[{', '.join(map(_index_text, items))}]"


def _index_text(i):
    if isinstance(i, slice):
        parts = ["" if p is None else str(p) for p in (i.start, i.stop, i.step)]
        return ":".join(parts[:2] if i.step is None else parts)
    if i is Ellipsis:
        return "..."
    if isinstance(i, np.ndarray):
        return f"array{i.shape}"
    return repr(i)


def _index_cases(rng):
    x = rng.normal(size=(3, 4))
    return [((x,), {"index": (1, slice(None, None, 2))}),
            ((x,), {"index": (Ellipsis, None, 2)}),
            ((x,), {"index": (np.array([0, 2, 0]),)}),
            ((x,), {"index": (np.array([[1], [2]]), np.array([0, 3, 3]))}),
            ((x,), {"index": (x > 0,)}),
            ((rng.normal(size=(4,)),), {"index": (2,)})]


@primitive(name="getitem", is_view=True, examples=_index_cases, saves=(),
           notation=_indexing, vjp_text="{g} scattered into zeros{shape}")
def _getitem(x, *, index):
    """x[index] (a view for basic indexing, a copy for integer-array or boolean indexing)."""
    out = x[index]
    if out.__class__ is np.ndarray:     # a gather is new memory, C-ordered as PyTorch's
        return out if out.flags.c_contiguous or _is_basic(index) else np.ascontiguousarray(out)
    if isinstance(x, np.ndarray) and _is_basic(index):
        # one element: NumPy gives a scalar, a 0-d view with an Ellipsis
        out = x[(index if isinstance(index, tuple) else (index,)) + (Ellipsis,)]
    return out


def _scatter_cases(rng):
    return [((rng.normal(size=(2,)),), {"index": (np.array([0, 0]),), "shape": (3,)}),
            ((rng.normal(size=(2, 2)),), {"index": (slice(0, 2), slice(1, 3)), "shape": (3, 3)})]


@primitive(name="index_add", examples=_scatter_cases, saves=(),
           vjp_text="{g} gathered at the index")
def _index_add(values, *, index, shape):
    """zeros(shape) with values added at index (repeated indices accumulate): the adjoint of
    getitem."""
    out = np.zeros(shape, np.result_type(values))
    if _is_basic(index):
        out[index] = values
    else:
        np.add.at(out, index, values)
    return out


_getitem.defvjp(lambda g, out, x, index: _index_add(g, index=index, shape=x.shape))
_getitem.deflinear()
_index_add.defvjp(lambda g, out, v, index, shape: _getitem(g, index=index))
_index_add.deflinear()


_UINT8_INDEX = ("indexing with dtype torch.uint8 is now deprecated, please use a dtype "
                "torch.bool instead.")


def _plain_index(item, reading):
    if isinstance(item, Tensor):
        if item.array.dtype == np.uint8:     # PyTorch's legacy byte mask
            if not reading:
                raise DtypeError("masked_fill_ only supports boolean masks, but got mask with "
                                 "dtype unsigned char")
            warn(_UINT8_INDEX)
            return item.array.astype(bool)
        return item.array
    if isinstance(item, list):
        return np.asarray(item)
    return item


def plain_index(index, reading=False):
    """An index as a tuple NumPy takes: tensors and lists inside it become integer or boolean
    arrays (a uint8 tensor is a boolean mask when reading, as in PyTorch, and refused when
    writing)."""
    if isinstance(index, tuple):
        return tuple(_plain_index(i, reading) for i in index)
    return (_plain_index(index, reading),)


def getitem(x, index):
    """x[index] with NumPy's rules; tensors and lists inside the index act as integer or boolean
    arrays."""
    return _getitem(x, index=plain_index(index, reading=True))


def index_array(index, op):
    """An index (tensor, array, list or int) as an integer ndarray; other dtypes are an error."""
    idx = np.asarray(index.array if isinstance(index, Tensor) else index)
    if idx.dtype.kind not in "iu":
        raise DtypeError(f"{op}(): Expected dtype int32/int64 for index, got {idx.dtype}")
    return idx


def _out_of_bounds(idx, n, op, dim, low=0):
    if idx.size and (idx.min() < low or idx.max() >= n):
        bad = idx[(idx < low) | (idx >= n)].flat[0]
        raise IndexError(f"{op}(): index {bad} is out of bounds for dimension {dim} with size "
                         f"{n}")


def _along_axis(idx, axis, shape, torch_style):
    """The integer-array index that picks x[..., idx[...], ...] along one axis: the other axes
    run over idx's extent (torch_style, gather) or over x's (NumPy's take_along_axis)."""
    index = []
    for d, n in enumerate(shape):
        if d == axis:
            index.append(idx)
        else:
            size = idx.shape[d] if torch_style else n
            index.append(np.arange(size).reshape([-1 if i == d else 1 for i in range(len(shape))]))
    return tuple(index)


def torch_index(shape, dim, index, op, src_shape=None):
    """(dim, the integer-array index) of gather/scatter along `dim`, checked as PyTorch:
    index has x's number of dims, is no larger than x apart from `dim` (nor than src), and
    holds positions in [0, x.shape[dim])."""
    idx = index_array(index, op)
    ndim = len(shape)
    d = _axis(dim, ndim, op)
    if idx.ndim != ndim:
        raise ShapeError(f"{op}(): Index tensor must have the same number of dimensions as input "
                         f"tensor: index {list(idx.shape)}, input {list(shape)}")
    if src_shape is not None and len(src_shape) != idx.ndim:
        raise ShapeError(f"{op}(): Index tensor must have the same number of dimensions as src "
                         f"tensor: index {list(idx.shape)}, src {list(src_shape)}")
    too_big = any(k != d and i > n for k, (i, n) in enumerate(zip(idx.shape, shape)))
    if too_big or (src_shape is not None and any(i > n for i, n in zip(idx.shape, src_shape))):
        raise ShapeError(f"{op}(): Expected index {list(idx.shape)} to be no larger than self "
                         f"{list(shape)} apart from dimension {d}"
                         + (f" and to be no larger size than src {list(src_shape)}"
                            if src_shape is not None else ""))
    _out_of_bounds(idx, shape[d] if ndim else 1, op, d)
    return d, (_along_axis(idx, d, shape, torch_style=True) if ndim else ())


def take_along_axis(x, indices, axis):
    """out[..., i, ...] = x[..., indices[..., i, ...], ...] along `axis` (NumPy's semantics)."""
    idx = index_array(indices, "take_along_axis")
    shape = np.shape(x)
    if idx.ndim != len(shape):
        raise IndexError(f"indices of {idx.ndim} dims for a tensor of shape {tuple(shape)}: "
                         "they need the same number of dimensions")
    index = _along_axis(idx, _axis(axis, len(shape), "take_along_axis"), shape, False)
    return _getitem(x, index=index)


def take_along_dim(input, indices, dim=None):
    """PyTorch's take_along_axis: along dim, or (dim=None) of the flattened input at the
    flattened indices."""
    if dim is None:
        flat = index_array(indices, "take_along_dim").reshape(-1)
        return take_along_axis(_reshape(input, shape=(int(np.size(input)),)), flat, 0)
    return take_along_axis(input, indices, dim)


@as_torch("GatherBackward0")
def gather(x, dim, index):
    """PyTorch's gather: out[i][j] = x[index[i][j]][j] for dim=0 (out has index's shape)."""
    _, idx = torch_index(np.shape(x), dim, index, "gather")
    return fresh(_getitem(x, index=idx), x)


@as_torch("IndexSelectBackward0")
def index_select(x, dim, index):
    """The entries at positions `index` (a vector) along `dim`: x[..., index, ...]."""
    idx = index_array(index, "index_select")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    shape = np.shape(x)
    d = _axis(dim, len(shape), "index_select")
    if not shape:
        if idx.size != 1:
            raise IndexError(f"index_select(): Index to scalar can have only 1 value, got "
                             f"{idx.size} value(s)")
        _out_of_bounds(idx, 1, "index_select", d)
        return clone(x)
    _out_of_bounds(idx, shape[d], "index_select", d)
    return _getitem(x, index=(slice(None),) * d + (idx.reshape(-1),))


@as_torch("TakeBackward0")
def take(x, index):
    """x read as a flat vector at `index` (negative positions count from the end); the result
    has index's shape."""
    idx = index_array(index, "take")
    n = int(np.size(x))
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx[(idx < -n) | (idx >= n)].flat[0]
        raise IndexError(f"take: out of range: tried to access index {bad} on a tensor of {n} "
                         "elements.")
    return _getitem(_reshape(x, shape=(n,)), index=(idx,))


@as_torch("MaskedSelectBackward0")
def masked_select(x, mask):
    """The entries of x where the boolean mask holds (mask and x broadcast together), as a
    vector in row-major order."""
    mask = np.asarray(mask.array if isinstance(mask, Tensor) else mask)
    if mask.dtype != bool:
        raise DtypeError(f"masked_select: expected BoolTensor for mask, got {mask.dtype}")
    try:
        shape = np.broadcast_shapes(np.shape(x), mask.shape)
    except ValueError:
        raise ShapeError(f"masked_select: the mask of shape {list(mask.shape)} does not "
                         f"broadcast with the input of shape {list(np.shape(x))}") from None
    if shape != np.shape(x):
        x = _broadcast_to(x, shape=shape)
    return _getitem(x, index=(np.broadcast_to(mask, shape),))


def nonzero(x, *, as_tuple=False):
    """The positions of the nonzero entries: an (n, ndim) int64 tensor, or with as_tuple one
    int64 vector per dim (a 0-d tensor counts as 1-d there). Outside the graph."""
    data = np.asarray(x.array if isinstance(x, Tensor) else x)
    wrap = make if isinstance(x, Tensor) else (lambda a: a)
    if as_tuple:
        return tuple(wrap(p.astype(np.int64)) for p in np.nonzero(np.atleast_1d(data)))
    return wrap(np.argwhere(data).astype(np.int64))


def argwhere(x):
    """nonzero(x): the (n, ndim) positions of the nonzero entries."""
    return nonzero(x)


def where(condition, input=None, other=None):
    """input where condition holds, else other (broadcast together; the gradient goes to the
    branch taken); where(condition) alone is nonzero(condition, as_tuple=True)."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where(condition, input, other) takes both input and other, or neither "
                        "(then it is nonzero(condition, as_tuple=True))")
    dtype = result_type(input, other)         # promoted as an elementwise operation (PyTorch)
    return _select(condition, _as_dtype(input, dtype, other), _as_dtype(other, dtype, input))


def _as_dtype(value, dtype, other):
    """An operand of where as `dtype`: tensors converted differentiably, the rest cast; a Python
    number facing a float array of `dtype` stays a number (NumPy keeps that array's dtype, and
    where(mask, x, 0.0) keeps its fast path)."""
    if isinstance(value, Tensor):
        return value if value.array.dtype == dtype else astype(value, dtype=dtype)
    if isinstance(value, (int, float)) and dtype.kind == "f" and \
            getattr(other.array if isinstance(other, Tensor) else other, "dtype", None) == dtype:
        return value
    return cast(value, dtype)
