"""Medians and the mode with PyTorch's meaning.

median(x) is the lower median of every entry (the ⌊(n − 1)/2⌋-th smallest; NaN if any entry is
NaN), its gradient shared equally by the entries equal to it, as PyTorch does;
median(x, dim) → (values, indices) along dim, the gradient going to the index. nanmedian skips
NaNs. mode(x, dim) → (values, indices): the most frequent value (the smallest of equally
frequent ones) and the index of its last occurrence.
"""
import numpy as np

from ..grad_fn_names import as_torch
from ..primitives import primitive
from . import return_types
from .elementwise import astype, selected_times
from .reduce import _raw, _sum, merge_aliases
from .sorting import one_dim, operand, order, selected


def _median_cases(rng):
    def distinct(shape):
        n = int(np.prod(shape, dtype=int))
        return (rng.permutation(n).reshape(shape) * 0.37 + rng.uniform(-0.1, 0.1, shape),)
    return [(distinct((2, 3)), {"skip_nan": False}), (distinct((4,)), {"skip_nan": True}),
            (distinct(()), {"skip_nan": False})]


@primitive(name="median", examples=_median_cases, vjp_text="{g} shared by the median's ties")
def _median_all(x, *, skip_nan):
    """The lower median of every entry: NaN where one is NaN (unless skip_nan)."""
    flat = np.sort(np.ravel(x))                  # NaNs last
    nans = int(np.count_nonzero(np.isnan(flat))) if flat.dtype.kind in "fc" else 0
    if (nans and not skip_nan) or nans == flat.size:
        return np.asarray(np.nan, flat.dtype)
    return flat[(flat.size - nans - 1) // 2]


def _tie_weight(x, out):
    """∂median/∂x: [x is the median] / #ties."""
    mask = astype(x == out, dtype=x.dtype)
    return mask / _sum(mask, axis=None, keepdims=False)


_median_all.defvjp(lambda g, out, x, skip_nan: selected_times(g, _tie_weight(x, out)))
_median_all.defjvp(lambda t, out, x, skip_nan: _sum(selected_times(t, _tie_weight(x, out)),
                                                     axis=None, keepdims=False))


def _median_along(name, skip_nan):
    cls = getattr(return_types, name)

    def fn(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
        dim, keepdim = merge_aliases(dim, keepdim, axis, keepdims, name)
        x = operand(x)
        if dim is None:
            if keepdim:
                raise TypeError(f"{name}(): keepdim needs a dim, as in PyTorch")
            return _median_all(x, skip_nan=skip_nan)
        axis = one_dim(x, dim, name)
        raw = _raw(x)
        if raw.ndim == 0:
            return selected(cls, x, None, 0)
        n = raw.shape[axis]
        nans = np.isnan(raw).sum(axis=axis, keepdims=True) if raw.dtype.kind in "fc" else 0
        if skip_nan:          # the lower median of the others (of all, where all are NaN)
            position = np.where(nans == n, (n - 1) // 2, (n - nans - 1) // 2)
        else:                 # NaNs sort last: the first NaN where there is one
            position = np.where(nans > 0, n - nans, (n - 1) // 2)
        kept = raw.shape[:axis] + (1,) + raw.shape[axis + 1:]
        indices = np.take_along_axis(order(raw, axis), np.broadcast_to(position, kept),
                                     axis=axis)
        return selected(cls, x, indices, axis, keepdim)
    fn.__name__ = fn.__qualname__ = name
    return fn


median = _median_along("median", skip_nan=False)
median.__doc__ = """The lower median: median(x) of every entry (NaN if one is NaN; the gradient
shared by ties), or median(x, dim, keepdim=False) → (values, indices) along dim."""
nanmedian = _median_along("nanmedian", skip_nan=True)
nanmedian.__doc__ = """The lower median of the entries that are not NaN: nanmedian(x), or
nanmedian(x, dim, keepdim=False) → (values, indices)."""
nanmedian = as_torch(lambda x, dim=None, *args, axis=None, **kwargs:
                     "NanmedianBackward0" if dim is None and axis is None else None)(nanmedian)


def _mode_indices(raw, axis):
    """The index of the last occurrence of the most frequent value along axis (kept dims)."""
    rows = np.moveaxis(raw, axis, -1)
    n = rows.shape[-1]
    ranks = np.arange(n)
    ordered = np.sort(rows, axis=-1)
    starts = np.ones(ordered.shape, bool)
    starts[..., 1:] = ordered[..., 1:] != ordered[..., :-1]       # NaNs never repeat
    ends = np.ones(ordered.shape, bool)
    ends[..., :-1] = starts[..., 1:]
    first = np.maximum.accumulate(np.where(starts, ranks, 0), axis=-1)
    last = np.flip(np.minimum.accumulate(np.flip(np.where(ends, ranks, n - 1), -1), axis=-1),
                   -1)
    best = np.argmax(last - first, axis=-1)[..., None]            # the smallest of the most
    value = np.take_along_axis(ordered, best, axis=-1)            # frequent values
    hits = rows == value
    index = n - 1 - np.argmax(np.flip(hits, -1), axis=-1)[..., None]
    return np.moveaxis(index, -1, axis)


def mode(x, dim=-1, keepdim=False, *, axis=None, keepdims=None):
    """(values, indices): the most frequent value along dim (the smallest of equally frequent
    ones) and the index of its last occurrence; the gradient goes to that index."""
    dim, keepdim = merge_aliases(dim if axis is None else None, keepdim, axis, keepdims, "mode")
    x = operand(x)
    axis = one_dim(x, dim, "mode")
    raw = _raw(x)
    if raw.ndim == 0:
        return selected(return_types.mode, x, None, 0)
    return selected(return_types.mode, x, _mode_indices(raw, axis), axis, keepdim)
