"""Selecting reductions with PyTorch's meaning: max/min (over everything; (values, indices)
along one dim; or the elementwise extreme of two tensors), argmax/argmin, sort/argsort, topk
and kthvalue.

Each chooses indices on the raw values (nothing flows through a choice) and gathers
values = take_along_axis(x, indices, dim), so the gradient is scattered back to the chosen
entries, ∂L/∂x = scatter(∂L/∂values), by the getitem primitive and its adjoint index_add.
Ties: the first of equal entries is chosen (argmax, max(dim)), sorts are stable, and NaN counts
as the largest value (as in PyTorch).
"""
import numpy as np

from ..errors import ShapeError
from ..grad_fn_names import name_node
from ..tensor import Tensor
from . import return_types
from .clone import clone
from .elementwise import maximum, minimum
from .index import take_along_axis
from .reduce import _amax, _amin, _outside, _raw, merge_aliases, normalize_dims
from .shape import _reshape


def operand(x):
    """A tensor as it is; anything else (a list, a number) as an ndarray."""
    return x if isinstance(x, Tensor) else np.asarray(x)


def one_dim(x, dim, name):
    """One int dim as an axis in [0, ndim) (0 for a 0-d tensor, which takes dim 0 or -1)."""
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        hint = " (amax/amin reduce over several)" if isinstance(dim, (tuple, list)) else ""
        raise TypeError(f"{name}(): dim must be one int, not {dim!r}{hint}")
    axes = normalize_dims(int(dim), np.ndim(x), name)
    return 0 if axes is None else axes[0]


def _length(raw, axis):
    return raw.shape[axis] if raw.ndim else 1


#: PyTorch's node for (values, indices) where it is not the function's name + Backward0.
_SELECTION_NAMES = {"median": "MedianBackward1", "nanmedian": "NanmedianBackward1"}


def selected(cls, x, indices, axis, keepdim=True):
    """cls(values, indices): x gathered at `indices` along axis (indices with x's number of
    dims); keepdim=False drops that axis from both."""
    raw = _raw(x)
    if raw.ndim == 0:
        values, indices = clone(x), np.zeros((), np.int64)
    else:
        values = take_along_axis(x, indices, axis)
        if not keepdim:
            indices = np.squeeze(indices, axis)
            values = _reshape(values, shape=indices.shape)
    name_node(values, _SELECTION_NAMES.get(cls.__name__) or f"{cls.__name__.title()}Backward0")
    return cls(values, _outside(x, indices.astype(np.int64, copy=False)))


def order(raw, axis, descending=False):
    """Stable argsort along axis; descending keeps equal entries in their order and puts NaN
    first (the reverse of the ascending sort of the reversed array)."""
    if not descending:
        return np.argsort(raw, axis=axis, kind="stable")
    flipped = np.argsort(np.flip(raw, axis), axis=axis, kind="stable")
    return raw.shape[axis] - 1 - np.flip(flipped, axis)


# ------------------------------------------------------------------------------ extremes
def _extreme(name, pick, whole, elementwise):
    cls = getattr(return_types, name)

    def fn(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
        if isinstance(dim, (Tensor, np.ndarray)):
            return elementwise(x, dim)
        x = operand(x)
        dim, keepdim = merge_aliases(dim, keepdim, axis, keepdims, name)
        if dim is None:
            if keepdim:
                raise TypeError(f"{name}(): keepdim needs a dim, as in PyTorch; use "
                                f"a{name}(x, keepdim=True) to keep every axis")
            return whole(x, axis=None, keepdims=False)
        axis = one_dim(x, dim, name)
        raw = _raw(x)
        index = pick(raw, axis=axis, keepdims=True) if raw.ndim else None
        return selected(cls, x, index, axis, keepdim)
    fn.__name__ = fn.__qualname__ = name
    return fn


max = _extreme("max", np.argmax, _amax, maximum)
max.__doc__ = """The largest value: max(x) over everything (ties share the gradient equally);
max(x, dim, keepdim=False) → (values, indices) along dim (the gradient goes to the index, the
first of ties); max(x, other) → the elementwise maximum of two tensors."""
min = _extreme("min", np.argmin, _amin, minimum)
min.__doc__ = """The smallest value: min(x), min(x, dim, keepdim=False) → (values, indices),
or min(x, other) elementwise (as max)."""


def _arg(name, pick):
    def fn(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
        dim, keepdim = merge_aliases(dim, keepdim, axis, keepdims, name)
        x = operand(x)
        raw = _raw(x)
        axis = None if dim is None else one_dim(raw, dim, name)
        if raw.size == 0 and (axis is None or raw.shape[axis] == 0):
            raise ShapeError(f"{name}(): the tensor of shape {raw.shape} is empty"
                             + ("" if axis is None else f" along dim {axis}"))
        if axis is None:
            index = pick(raw, axis=None, keepdims=keepdim)
        else:       # along a dim of length > 0 an empty tensor gives an empty result
            index = pick(raw, axis=axis, keepdims=keepdim) if raw.ndim else 0
        return _outside(x, np.asarray(index, np.int64))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"The index of the {'largest' if name == 'argmax' else 'smallest'} entry, "
                  "the first of ties: in the flattened tensor when dim is None, else along dim; "
                  "int64, outside the graph.")
    return fn


argmax = _arg("argmax", np.argmax)
argmin = _arg("argmin", np.argmin)


# ------------------------------------------------------------------------------ sorting
def sort(x, dim=-1, descending=False, *, stable=False, axis=None):
    """(values, indices) sorted along dim, ascending unless descending; the sort is always
    stable (stable= is accepted); NaN sorts as the largest value."""
    x = operand(x)
    dim, _ = merge_aliases(dim if axis is None else None, False, axis, None, "sort")
    axis = one_dim(x, dim, "sort")
    raw = _raw(x)
    indices = order(raw, axis, descending) if raw.ndim else None
    return selected(return_types.sort, x, indices, axis)


def argsort(x, dim=-1, descending=False, *, stable=False, axis=None):
    """The indices that sort x along dim (as sort(...).indices)."""
    x = operand(x)
    dim, _ = merge_aliases(dim if axis is None else None, False, axis, None, "argsort")
    axis = one_dim(x, dim, "argsort")
    raw = _raw(x)
    indices = order(raw, axis, descending) if raw.ndim else np.zeros((), np.int64)
    return _outside(x, indices.astype(np.int64, copy=False))


def _k_checked(k, n, name, low=0):
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not low <= k <= n:
        raise ShapeError(f"{name}(): k = {k!r} is out of range: it must lie in [{low}, {n}] "
                         "for that dim")
    return int(k)


def topk(x, k, dim=-1, largest=True, sorted=True, *, axis=None):
    """(values, indices) of the k largest entries along dim (the k smallest with
    largest=False), in order; the gradient goes to those entries."""
    x = operand(x)
    dim, _ = merge_aliases(dim if axis is None else None, False, axis, None, "topk")
    axis = one_dim(x, dim, "topk")
    raw = _raw(x)
    k = _k_checked(k, _length(raw, axis), "topk")
    if raw.ndim == 0:
        return selected(return_types.topk, x, None, 0)
    indices = np.take(order(raw, axis, largest), np.arange(k), axis=axis)
    return selected(return_types.topk, x, indices, axis)


def kthvalue(x, k, dim=-1, keepdim=False, *, axis=None, keepdims=None):
    """(values, indices) of the k-th smallest entry along dim (k counts from 1)."""
    x = operand(x)
    dim, keepdim = merge_aliases(dim if axis is None else None, keepdim, axis, keepdims,
                                 "kthvalue")
    axis = one_dim(x, dim, "kthvalue")
    raw = _raw(x)
    k = _k_checked(k, _length(raw, axis), "kthvalue", low=1)
    if raw.ndim == 0:
        return selected(return_types.kthvalue, x, None, 0)
    indices = np.take(order(raw, axis), [k - 1], axis=axis)
    return selected(return_types.kthvalue, x, indices, axis, keepdim)
