"""tensor_split (NumPy's array_split with PyTorch's arguments) and Tensor.view(dtype).

tensor_split's pieces are basic slices of x along one dim, so views (getitem), differentiable
with getitem's rules. view(dtype) reinterprets the bytes; as in PyTorch the result is outside
the graph (torch returns a tensor that does not require grad, whatever the dtypes).
"""
import numpy as np

from ..errors import DtypeError, ShapeError
from ..tensor import Tensor, make
from .index import _getitem
from .shape import _axis
from .shape import view as _view_shape


def _sections_or_indices(value, op):
    """An int (sections) or a tuple of ints (indices) from an int, a sequence or a tensor."""
    if isinstance(value, (Tensor, np.ndarray)):
        a = np.asarray(value.array if isinstance(value, Tensor) else value)
        if a.ndim > 1:
            raise ShapeError(f"{op} expected tensor_indices_or_sections to be a zero-dimensional "
                             f"or one-dimensional tensor, but got a tensor with {a.ndim} dims")
        if a.dtype != np.int64:
            raise DtypeError(f"{op} expected tensor_indices_or_sections to have dtype of long, "
                             f"but got {a.dtype}")
        return int(a) if a.ndim == 0 else tuple(int(i) for i in a)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    return tuple(int(i) for i in value)


def tensor_split(input, indices_or_sections=None, dim=0, *, sections=None, indices=None):
    """x split along dim into views: into `sections` pieces (an int; the first n mod sections
    pieces one longer), or at `indices` (x[:i0], x[i0:i1], ..., x[ik:], with Python's slice
    bounds, so indices past the end or out of order give empty pieces)."""
    given = [v for v in (indices_or_sections, sections, indices) if v is not None]
    if len(given) != 1:
        raise TypeError("tensor_split() takes one of indices_or_sections, sections or indices")
    shape = np.shape(input)
    if not shape:
        raise ShapeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                         "tensor with 0 dims")
    d = _axis(dim, len(shape), "tensor_split")
    n = shape[d]
    split = _sections_or_indices(given[0], "tensor_split")
    if sections is not None and not isinstance(split, int) or \
            indices is not None and isinstance(split, int):
        raise TypeError("tensor_split(): sections= takes an int, indices= a sequence of ints")
    if isinstance(split, int):
        if split <= 0:
            raise ShapeError(f"number of sections must be larger than 0, got {split}")
        size, extra = divmod(n, split)
        bounds = np.cumsum([0] + [size + 1] * extra + [size] * (split - extra)).tolist()
        slices = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]
    else:
        starts = (0,) + split
        slices = [slice(a, b) for a, b in zip(starts, split + (None,))]
    head = (slice(None),) * d
    return tuple(_getitem(input, index=head + (s,)) for s in slices)


# ------------------------------------------------------------------------------ view(dtype)
def _is_dtype(value):
    return isinstance(value, np.dtype) or isinstance(value, type) and \
        issubclass(value, (np.generic, bool, int, float))


def view(x, *shape, dtype=None):
    """x.view(*shape) (as reshape, always sharing x's memory), or x.view(dtype): x's bytes read
    as `dtype` (outside the graph, as PyTorch's). For a dtype of another element size the last
    dim must be contiguous and it scales: (..., n) of 4-byte elements views as (..., n/2) of
    8-byte ones and as (..., 2n) of 2-byte ones."""
    if dtype is None and len(shape) == 1 and _is_dtype(shape[0]):
        dtype = shape[0]
    elif dtype is None:
        return _view_shape(x, *shape)
    elif shape:
        raise TypeError("view() takes a shape or dtype=, not both")
    return _reinterpret(x, np.dtype(dtype))


def _reinterpret(x, dtype):
    data = x.array if isinstance(x, Tensor) else np.asarray(x)
    old, new = data.dtype.itemsize, dtype.itemsize
    if old != new:
        what = f"to view {data.dtype} as {dtype} (different element sizes)"
        if data.ndim == 0:
            raise ShapeError(f"self.dim() cannot be 0 {what}")
        if data.strides[-1] != old and data.shape[-1] != 1:
            raise ShapeError(f"self.stride(-1) must be 1 {what}, but got "
                             f"{data.strides[-1] // old}")
        if new > old and data.shape[-1] % (new // old):
            raise ShapeError(f"self.size(-1) must be divisible by {new // old} {what}, but got "
                             f"{data.shape[-1]}")
        offset = _storage_offset(data)
        if new > old and offset % (new // old):
            raise ShapeError(f"self.storage_offset() must be divisible by {new // old} {what}, "
                             f"but got {offset}")
    out = data.view(dtype)
    if not isinstance(x, Tensor):
        return out
    t = make(out)
    t._vcell = x.version_cell()          # one storage, one version counter (as any view)
    return t


def _storage_offset(data):
    """Elements between the start of the memory data views and data's first element."""
    root = data
    while isinstance(root.base, np.ndarray):
        root = root.base
    start = data.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    return start // data.dtype.itemsize
