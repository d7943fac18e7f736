"""Joining and splitting, with PyTorch's meanings: cat, stack, hstack/vstack/dstack, split
(an int is the size of each piece), chunk, unbind, repeat, tile, repeat_interleave, meshgrid.

Joins are the concatenate primitive (its adjoint slices the gradient back); pieces are basic
slices (views); repetitions are a broadcast of a reshaped view (the adjoint sums the copies)
or an integer-array index (the adjoint adds the copies back at their source).
"""
import warnings

import numpy as np

from ..errors import ShapeError
from ..grad_fn_names import as_torch
from ..tensor import Tensor, make
from ..view_tracking import mark_multi
from .clone import fresh
from .elementwise import astype
from .index import _getitem
from .shape import (
    DimensionError,
    _axis,
    _broadcast_to,
    _concatenate,
    _one_arg,
    _reshape,
    _shape_arg,
    atleast_1d,
    atleast_2d,
    atleast_3d,
    flatten,
)


def _along(dim, item):
    return (slice(None),) * dim + (item,)


def _dtype(x):
    return x.dtype if isinstance(x, Tensor) else np.result_type(x)


def _promoted(tensors):
    """The operands in PyTorch's common dtype: the widest float if any is a float (an integer
    and a float32 give float32, not NumPy's float64), else NumPy's result type."""
    dtypes = [_dtype(t) for t in tensors]
    floats = [d for d in dtypes if d.kind in "fc"]
    common = np.result_type(*(floats or dtypes))
    return [t if d == common else astype(t, dtype=common) for t, d in zip(tensors, dtypes)]


def _tensor_list(tensors, op):
    if isinstance(tensors, (Tensor, np.ndarray)):
        raise TypeError(f"{op}(): the tensors must be given as a list or tuple of tensors")
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{op}(): expected a non-empty list of Tensors")
    return tensors


def cat(tensors, dim=0, *, axis=None):
    """The tensors joined along an existing dim (their other sizes must match). As PyTorch,
    1-D empty tensors are skipped and mixed dtypes are promoted."""
    tensors = _tensor_list(tensors, "cat")
    for i, t in enumerate(tensors):
        if np.ndim(t) == 0:
            raise ShapeError(f"cat: zero-dimensional tensor (at position {i}) cannot be "
                             "concatenated")
    kept = [t for t in tensors if np.shape(t) != (0,)] or tensors[:1]
    first = np.shape(kept[0])
    d = _axis(_one_arg((dim, axis), "cat: dim", 0), len(first), "cat")
    for i, t in enumerate(kept[1:], 1):
        shape = np.shape(t)
        if len(shape) != len(first):
            raise ShapeError(f"cat: Tensors must have same number of dimensions: got "
                             f"{len(first)} and {len(shape)}")
        for k, (a, b) in enumerate(zip(first, shape)):
            if k != d and a != b:
                raise ShapeError(f"cat: Sizes of tensors must match except in dimension {d}. "
                                 f"Expected size {a} but got size {b} for tensor number {i} in "
                                 f"the list (shapes {list(first)} and {list(shape)}).")
    return _concatenate(*_promoted(kept), axis=d)


def concat(tensors, dim=0, *, axis=None):
    """cat, by its other PyTorch name."""
    return cat(tensors, dim, axis=axis)


def concatenate(tensors, axis=0, *, dim=None):
    """cat, by NumPy's name (axis= first, PyTorch's dim= accepted)."""
    return cat(tensors, axis if dim is None else dim)


@as_torch("StackBackward0")
def stack(tensors, dim=0, *, axis=None):
    """Tensors of one shape joined along a new dim at position `dim`."""
    tensors = _tensor_list(tensors, "stack")
    first = np.shape(tensors[0])
    for i, t in enumerate(tensors[1:], 1):
        if np.shape(t) != first:
            raise ShapeError(f"stack expects each tensor to be equal size, but got {list(first)} "
                             f"at entry 0 and {list(np.shape(t))} at entry {i}")
    d = _axis(_one_arg((dim, axis), "stack: dim", 0), len(first) + 1, "stack")
    shape = first[:d] + (1,) + first[d:]
    return _concatenate(*(_reshape(t, shape=shape) for t in _promoted(tensors)), axis=d)


def hstack(tensors):
    """Joined column-wise: along dim 0 for 1-D tensors, else dim 1."""
    tensors = atleast_1d(_tensor_list(tensors, "hstack"))
    return cat(tensors, 0 if np.ndim(tensors[0]) == 1 else 1)


def vstack(tensors):
    """Joined row-wise: along dim 0 after atleast_2d."""
    return cat(atleast_2d(_tensor_list(tensors, "vstack")), 0)


def dstack(tensors):
    """Joined depth-wise: along dim 2 after atleast_3d."""
    return cat(atleast_3d(_tensor_list(tensors, "dstack")), 2)


def _sized_dim(x, dim, op):
    if not np.ndim(x):
        raise DimensionError(f"{op}: Dimension specified as {dim} but tensor has no dimensions")
    d = _axis(dim, np.ndim(x), op)
    return d, np.shape(x)[d]


def _pieces(x, d, sizes):
    bounds = np.cumsum([0] + list(sizes))
    return tuple(_getitem(x, index=_along(d, slice(int(a), int(b))))
                 for a, b in zip(bounds[:-1], bounds[1:]))


def _split_name(x, split_size_or_sections, dim=0, *, axis=None):
    return "SplitBackward0" if isinstance(split_size_or_sections, (int, np.integer)) else \
        "SplitWithSizesBackward0"


@as_torch(_split_name)
def split(x, split_size_or_sections, dim=0, *, axis=None):
    """Pieces of x along `dim` (views), as a tuple: an int is the size of each piece (the last
    may be smaller), a list the size of every piece (they must add up to the dim's size)."""
    dim = _one_arg((dim, axis), "split: dim", 0)
    d, n = _sized_dim(x, dim, "split")
    if isinstance(split_size_or_sections, (int, np.integer)):
        size = int(split_size_or_sections)
        if size < 0 or (size == 0 and n):
            raise ShapeError(f"split: split_size can only be 0 if dimension size is 0, and "
                             f"never negative; got {size} for a dimension of size {n}")
        sizes = [size] * (n // size) + [n % size] * bool(n % size) if size else [0]
        return mark_multi(_pieces(x, d, sizes or [0]), "Split")
    sizes = [int(s) for s in split_size_or_sections]
    if sum(sizes) != n or any(s < 0 for s in sizes):
        raise ShapeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input "
                         f"tensor's size at dimension {d}), but got split_sizes={sizes}")
    return mark_multi(_pieces(x, d, sizes), "SplitWithSizes")


def chunk(x, chunks, dim=0):
    """x in `chunks` pieces of ceil(n / chunks) along `dim` (fewer if they run out)."""
    if chunks <= 0:
        raise ShapeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d, n = _sized_dim(x, dim, "chunk")
    if n == 0:
        return mark_multi(_pieces(x, d, [0] * chunks), "Split")
    return split(x, -(-n // chunks), d)


@as_torch("UnbindBackward0")
def unbind(x, dim=0):
    """The slices of x along `dim`, that dim removed, as a tuple."""
    d, n = _sized_dim(x, dim, "unbind")
    return mark_multi(tuple(_getitem(x, index=_along(d, i)) for i in range(n)), "Unbind")


@as_torch("RepeatBackward0")
def repeat(x, *sizes):
    """x repeated sizes[i] times along dim i (new leading dims where sizes is longer): a
    broadcast of a reshaped view, so the gradient sums the copies; always new memory, as
    PyTorch's (repeat(1, 1) too)."""
    sizes = _shape_arg(sizes)
    shape = np.shape(x)
    if len(sizes) < len(shape):
        raise ShapeError(f"repeat: Number of dimensions of repeat dims ({len(sizes)}) can not be "
                         f"smaller than number of dimensions of tensor ({len(shape)})")
    if any(r < 0 for r in sizes):
        raise ShapeError(f"repeat: Trying to create tensor with negative dimension: {sizes}")
    shape = (1,) * (len(sizes) - len(shape)) + shape
    pairs = tuple(v for n in shape for v in (1, n))
    grown = tuple(v for r, n in zip(sizes, shape) for v in (r, n))
    spread = _broadcast_to(_reshape(x, shape=pairs), shape=grown)
    return fresh(_reshape(spread, shape=tuple(r * n for r, n in zip(sizes, shape))), x)


@as_torch("RepeatBackward0")
def tile(x, *dims):
    """x repeated dims[i] times along dim i; a short dims is padded with ones in front."""
    dims = _shape_arg(dims)
    return repeat(x, *((1,) * (np.ndim(x) - len(dims)) + dims))


def _counts(repeats):
    counts = np.asarray(repeats.array if isinstance(repeats, Tensor) else repeats)
    if counts.dtype.kind not in "iu":
        raise TypeError(f"repeat_interleave: repeats must be integers, got dtype {counts.dtype}")
    if np.any(counts < 0):
        raise ShapeError("repeat_interleave: Repeats must be non-negative")
    return counts


def repeat_interleave(x, repeats=None, dim=None, *, output_size=None):
    """Each element repeated `repeats` times along `dim` (over the flattened tensor without
    dim): repeats is an int or one count per element. repeat_interleave(counts) alone gives
    0, 1, ... each repeated counts[i] times."""
    if repeats is None:
        counts = _counts(x)
        if counts.ndim != 1:
            raise ShapeError("repeat_interleave: repeats must be 0-dim or 1-dim tensor")
        out = np.repeat(np.arange(len(counts)), counts)
        return make(out) if isinstance(x, Tensor) else out
    if dim is None:
        x, dim = flatten(x), 0
    d, n = _sized_dim(x, dim, "repeat_interleave")
    counts = _counts(repeats)
    if counts.size == 1 and counts.ndim <= 1:
        r = int(counts.reshape(()))
        shape = np.shape(x)
        spread = _broadcast_to(_reshape(x, shape=shape[:d + 1] + (1,) + shape[d + 1:]),
                               shape=shape[:d + 1] + (r,) + shape[d + 1:])
        out = _reshape(spread, shape=shape[:d] + (n * r,) + shape[d + 1:])
    elif counts.ndim != 1 or len(counts) != n:
        raise ShapeError(f"repeat_interleave: repeats must have the same size as input along "
                         f"dim, but got repeats.size(0) = {counts.size} and input.size({d}) = "
                         f"{n}")
    else:
        out = _getitem(x, index=_along(d, np.repeat(np.arange(n), counts)))
    if output_size is not None and np.shape(out)[d] != output_size:
        raise ShapeError(f"repeat_interleave: output_size {output_size} given, but the "
                         f"repeats make {np.shape(out)[d]}")
    return fresh(out, x)


_MESHGRID_WARNING = ("torch.meshgrid: in an upcoming release, it will be required to pass the "
                     "indexing argument (graphgrad, as PyTorch, uses indexing='ij' without it).")


def meshgrid(*tensors, indexing=None):
    """Coordinate grids: out[i] holds tensors[i] along dim i ('ij', the default, with PyTorch's
    warning when not given) or with the first two dims swapped ('xy', as NumPy's default)."""
    items = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) \
        else tensors
    items = _tensor_list(items, "meshgrid")
    for t in items:
        if np.ndim(t) > 1:
            raise ShapeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                             f"got one of shape {list(np.shape(t))}")
    if indexing is None:
        warnings.warn(_MESHGRID_WARNING, UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: '
                         f"{indexing}")
    places = list(range(len(items)))
    if indexing == "xy" and len(items) > 1:
        places[0], places[1] = 1, 0
    sizes = [int(np.size(t)) for t in items]
    grid = [0] * len(items)
    for place, n in zip(places, sizes):
        grid[place] = n
    out = []
    for place, t, n in zip(places, items, sizes):
        shape = [1] * len(items)
        shape[place] = n
        out.append(_broadcast_to(_reshape(t, shape=tuple(shape)), shape=tuple(grid)))
    return tuple(out)
