"""Dims reordered and tensors sliced, with PyTorch's meanings: permute, transpose (two dims),
T, movedim, narrow, select, flip, rot90, roll.

All are the transpose, swapdims and t primitives or basic indexing (views, as in PyTorch) or,
for roll, a concatenation of two slices; so their derivatives are those primitives' (the
adjoint of a permutation is the inverse permutation, of a slice the slice's place in zeros).
transpose and t have primitives of their own so that their grad_fn reads as PyTorch's
(TransposeBackward0, TBackward0; permute's is PermuteBackward0).
"""
import warnings

import numpy as np

from ..errors import ShapeError
from ..grad_fn_names import as_torch
from .clone import clone, fresh
from .index import _getitem
from .shape import (
    DimensionError,
    _axis,
    _concatenate,
    _reshape,
    _shape_arg,
    _swapdims,
    _t,
    _transpose,
    dims_arg,
)


def _along(dim, item):
    """The index that applies `item` along dim `dim` and keeps the other dims whole."""
    return (slice(None),) * dim + (item,)


def permute(x, *dims):
    """Dims reordered: out.shape[i] = x.shape[dims[i]]; permute(x, 2, 0, 1) or
    permute(x, (2, 0, 1))."""
    ndim = np.ndim(x)
    dims = _shape_arg(dims)
    if len(dims) != ndim:
        raise ShapeError(f"permute: number of dimensions in the tensor input does not match the "
                         f"length of the desired ordering of dimensions i.e. input.dim() = "
                         f"{ndim} is not equal to len(dims) = {len(dims)}")
    return _transpose(x, axes=dims_arg(dims, ndim, "permute"))


def transpose(x, dim0, dim1):
    """Two dims exchanged (PyTorch's transpose; NumPy's meaning is numpy_transpose)."""
    ndim = np.ndim(x)
    return _swapdims(x, dim0=_axis(dim0, ndim, "transpose"), dim1=_axis(dim1, ndim, "transpose"))


def swapaxes(x, axis0, axis1):
    """transpose(x, axis0, axis1), by NumPy's name."""
    return transpose(x, axis0, axis1)


def swapdims(x, dim0, dim1):
    """transpose(x, dim0, dim1)."""
    return transpose(x, dim0, dim1)


def numpy_transpose(x, axes=None):
    """NumPy's transpose: all axes reversed, or permuted as `axes` says (what np.transpose(t)
    means for a tensor)."""
    if axes is None:
        return _transpose(x, axes=tuple(range(np.ndim(x)))[::-1])
    return permute(x, axes)


def reversed_dims(x):
    """Tensor.T: the dims reversed. As PyTorch, a warning for other than 2 dims (deprecated
    there; use mT for batches of matrices or permute)."""
    ndim = np.ndim(x)
    if ndim != 2:
        warnings.warn(f"The use of `x.T` on tensors of dimension other than 2 (here {ndim}) to "
                      "reverse their shape is deprecated in PyTorch; use `x.mT` to transpose "
                      "batches of matrices or `x.permute(*reversed(range(x.ndim)))`",
                      UserWarning, stacklevel=2)
    return _transpose(x, axes=tuple(range(ndim))[::-1])


def matrix_transpose(x):
    """Tensor.mT: the last two dims exchanged (batches of matrices)."""
    if np.ndim(x) < 2:
        raise ShapeError(f"mT: tensor.mT is only supported on matrices or batches of matrices; "
                         f"got a {np.ndim(x)}-D tensor")
    return transpose(x, -2, -1)


def t(x):
    """The transpose of a matrix; tensors of 0 or 1 dims unchanged."""
    if np.ndim(x) > 2:
        raise ShapeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                         f"{np.ndim(x)}D")
    return _t(x)


def movedim(x, source, destination):
    """The dims in `source` moved to the positions in `destination`; the others keep their
    order."""
    ndim = np.ndim(x)
    n = len(source) if isinstance(source, (tuple, list)) else 1
    m = len(destination) if isinstance(destination, (tuple, list)) else 1
    if n != m:
        raise ShapeError(f"movedim: Invalid source or destination dims: source ({n} dims) should "
                         f"contain the same number of dims as destination ({m} dims)")
    src = dims_arg(source, ndim, "movedim")
    dst = dims_arg(destination, ndim, "movedim")
    order = [None] * max(ndim, 1)
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(d for d in range(ndim) if d not in src)
    return _transpose(x, axes=tuple(next(rest) if o is None else o for o in order[:ndim]))


def moveaxis(x, source, destination):
    """movedim, by NumPy's name."""
    return movedim(x, source, destination)


def narrow(x, dim, start, length):
    """x[..., start:start + length, ...] along `dim` (a view); start may be negative."""
    shape = np.shape(x)
    if not shape:
        raise ShapeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _axis(dim, len(shape), "narrow")
    n = shape[d]
    start = int(start)
    if not -n <= start <= n:
        raise DimensionError(f"narrow: start out of range (expected to be in range of [{-n}, "
                             f"{n}], but got {start})")
    start += n if start < 0 else 0
    if length < 0:
        raise ShapeError("narrow(): length must be non-negative.")
    if start + length > n:
        raise ShapeError(f"narrow: start ({start}) + length ({length}) exceeds dimension size "
                         f"({n}).")
    return _getitem(x, index=_along(d, slice(start, start + length)))


def select(x, dim, index):
    """x[..., index, ...] along `dim`, that dim removed (a view); index may be negative."""
    shape = np.shape(x)
    if not shape:
        raise DimensionError("select() cannot be applied to a 0-dim tensor.")
    d = _axis(dim, len(shape), "select")
    index = int(index)
    if not -shape[d] <= index < shape[d]:
        raise DimensionError(f"select(): index {index} out of range for tensor of size "
                             f"{list(shape)} at dimension {dim}")
    return _getitem(x, index=_along(d, index))


@as_torch("FlipBackward0")
def flip(x, *dims):
    """x reversed along each of `dims`: flip(x, 0, 1) or flip(x, (0, 1)); a copy, as PyTorch's
    (changing it in place leaves x as it was)."""
    dims = dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
    dims = dims_arg(dims, np.ndim(x), "flip")
    if not np.ndim(x):
        return clone(x)
    reverse = slice(None, None, -1)
    return clone(_getitem(x, index=tuple(reverse if d in dims else slice(None)
                                         for d in range(np.ndim(x)))))


def fliplr(x):
    """x reversed along dim 1 (left/right); needs at least 2 dims."""
    if np.ndim(x) < 2:
        raise ShapeError(f"fliplr: Input must be >= 2-d, got a {np.ndim(x)}-d tensor.")
    return flip(x, 1)


def flipud(x):
    """x reversed along dim 0 (up/down); needs at least 1 dim."""
    if np.ndim(x) < 1:
        raise ShapeError("flipud: Input must be >= 1-d, got a 0-d tensor.")
    return flip(x, 0)


@as_torch("Rot90Backward0")
def rot90(x, k=1, dims=(0, 1)):
    """x rotated by k·90° in the plane of `dims`, from the first dim towards the second."""
    dims = tuple(dims)
    if len(dims) != 2:
        raise ShapeError(f"rot90: expected total rotation dims == 2, but got dims = {len(dims)}")
    if np.ndim(x) < 2:
        raise ShapeError(f"rot90: expected total dims >= 2, but got total dims = {np.ndim(x)}")
    a, b = (_axis(d, np.ndim(x), "rot90") for d in dims)
    if a == b:
        raise ShapeError(f"rot90: expected rotation dims to be different, but got dim0 = {a} and "
                         f"dim1 = {b}")
    k %= 4
    if k == 1:
        return transpose(flip(x, b), a, b)
    if k == 2:
        return flip(x, a, b)
    if k == 3:
        return flip(transpose(x, a, b), b)
    return _reshape(x, shape=np.shape(x))


@as_torch("RollBackward0")
def roll(x, shifts, dims=None):
    """x rolled: out[(i + shift) mod n] = x[i] along each dim; without dims, over the
    flattened tensor (shape kept)."""
    if dims is None:
        if isinstance(shifts, (tuple, list)) and len(shifts) != 1:
            raise ShapeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, "
                             "dims:0")
        shift = shifts[0] if isinstance(shifts, (tuple, list)) else shifts
        flat = _reshape(x, shape=(int(np.size(x)),))
        return _reshape(roll(flat, shift, 0), shape=np.shape(x))
    shifts = tuple(shifts) if isinstance(shifts, (tuple, list)) else (shifts,)
    dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    if len(shifts) != len(dims):
        raise ShapeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, "
                         f"dims:{len(dims)}")
    out = x
    for shift, dim in zip(shifts, dims):
        d = _axis(dim, np.ndim(x), "roll")
        n = np.shape(x)[d] if np.ndim(x) else 1
        s = int(shift) % n if n else 0
        if s and np.ndim(x):
            out = _concatenate(_getitem(out, index=_along(d, slice(n - s, None))),
                               _getitem(out, index=_along(d, slice(0, n - s))), axis=d)
    return fresh(out, x)
