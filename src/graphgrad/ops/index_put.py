"""Writes at NumPy-style indices, out of place and differentiable: index_put (PyTorch's, with
accumulate=) and `assigned`, x with x[index] = value, which is what a recorded x[index] = value
computes (_tensor_inplace.py rebases x onto it, as PyTorch's CopySlices).

Overwriting is the scatter primitive (scatter.py): ∂L/∂x = g with zeros where something was
written, ∂L/∂value = g[index] (summed back to value's shape where it was broadcast). Accumulating
adds index_add (getitem's adjoint): ∂L/∂x = g, ∂L/∂value = g[index].
"""
import numpy as np

from ..errors import DtypeError, ShapeError
from ..tensor import Tensor
from .elementwise import astype
from .index import _index_add, plain_index
from .scatter import _scatter
from .shape import _reshape


def _target_shape(shape, index):
    """The shape of x[index] (from NumPy, on a zero-strided stand-in: no copy of x)."""
    return np.broadcast_to(np.empty((), np.int8), shape)[index].shape


def _fitted(value, target, op):
    """value with the leading size-1 dims that target lacks dropped (PyTorch and NumPy both
    accept x[0] = v for v of shape (1, n)), checked to broadcast to target."""
    shape = np.shape(value)
    extra = len(shape) - len(target)
    if extra > 0 and all(n == 1 for n in shape[:extra]):
        value = _reshape(value, shape=shape[extra:]) if isinstance(value, Tensor) \
            else np.reshape(value, shape[extra:])
        shape = shape[extra:]
    try:
        np.broadcast_shapes(shape, target)
    except ValueError:
        raise ShapeError(f"{op}: shape mismatch: value tensor of shape {list(shape)} cannot be "
                         f"broadcast to indexing result of shape {list(target)}") from None
    if tuple(np.broadcast_shapes(shape, target)) != tuple(target):
        raise ShapeError(f"{op}: shape mismatch: value tensor of shape {list(shape)} cannot be "
                         f"broadcast to indexing result of shape {list(target)}")
    return value


def _in_dtype(value, dtype):
    """A value to write as `dtype`: a tensor converted (differentiably between floats), an
    array or number cast as NumPy's assignment casts it."""
    if isinstance(value, Tensor):
        if value.dtype == dtype:
            return value
        if value.requires_grad and value.dtype.kind == "f" and dtype.kind == "f":
            return astype(value, dtype=dtype)
        return value.array.astype(dtype)
    return np.asarray(value).astype(dtype)


def assigned(x, index, value):
    """x with x[index] = value (index as NumPy's and PyTorch's indexing reads it; value
    broadcast to x[index] and converted to x's dtype), out of place."""
    idx = plain_index(index)
    dtype = x.dtype if isinstance(x, Tensor) else np.asarray(x).dtype
    target = _target_shape(np.shape(x), idx)
    return _scatter(x, _fitted(_in_dtype(value, dtype), target, "setitem"), index=idx)


def _index_tuple(indices, ndim, op):
    """PyTorch's indices of index_put (a tuple of integer or boolean tensors, None for a whole
    dim) as NumPy's index."""
    if isinstance(indices, (Tensor, np.ndarray)):
        raise TypeError(f"{op}(): argument 'indices' must be a tuple of Tensors, not "
                        f"{type(indices).__name__}")
    out = []
    for i in indices:
        if i is None:
            out.append(slice(None))
            continue
        a = np.asarray(i.array if isinstance(i, Tensor) else i)
        if a.dtype.kind not in "iub":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        out.append(a.astype(bool) if a.dtype == np.uint8 else a)
    used = sum(a.ndim if isinstance(a, np.ndarray) and a.dtype == bool else 1 for a in out)
    if used > ndim:
        raise IndexError(f"{op}(): too many indices for tensor of dimension {ndim} (got {used})")
    return tuple(out)


def index_put(x, indices, values, accumulate=False):
    """x with values written at x[indices] (indices: a tuple of integer or boolean tensors, one
    per leading dim); accumulate=True adds them instead, repeated positions summing. values
    must have x's dtype (PyTorch) and broadcast to x[indices]."""
    if not isinstance(values, (Tensor, np.ndarray)):
        raise TypeError(f"index_put(): argument 'values' must be Tensor, not "
                        f"{type(values).__name__}")
    dtype = x.dtype if isinstance(x, Tensor) else np.asarray(x).dtype
    if values.dtype != dtype:
        raise DtypeError(f"Index put requires the source and destination dtypes match, got "
                         f"{dtype} for the destination and {values.dtype} for the source.")
    idx = _index_tuple(indices, np.ndim(x), "index_put")
    target = _target_shape(np.shape(x), idx)
    values = _fitted(values, target, "index_put")
    if not accumulate:
        return _scatter(x, values, index=idx)
    if np.shape(values) != target:
        values = values + np.zeros(target, dtype)      # broadcast, so that add.at sees each place
    return x + _index_add(values, index=idx, shape=np.shape(x))
