"""Indexing: basic slicing, integer-array and boolean indexing, take_along_axis / gather.

One primitive reads (getitem) and its adjoint writes (index_add: zeros with the gradient added
at the indexed places, so indices that repeat accumulate).
"""
import numpy as np

from ..primitives import primitive
from ..tensor import Tensor

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
    return x[index]


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


def _plain_index(item):
    if isinstance(item, Tensor):
        return item.data
    if isinstance(item, list):
        return np.asarray(item)
    return item


def plain_index(index):
    """An index as a tuple NumPy takes: tensors and lists inside it become integer or boolean
    arrays."""
    if isinstance(index, tuple):
        return tuple(_plain_index(i) for i in index)
    return (_plain_index(index),)


def getitem(x, index):
    """x[index] with NumPy's rules; tensors and lists inside the index act as integer or boolean
    arrays."""
    return _getitem(x, index=plain_index(index))


def _along_axis(indices, axis, shape, torch_style):
    """The integer-array index that picks x[..., indices[...], ...] along one axis."""
    indices = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
    if indices.ndim != len(shape):
        raise IndexError(f"indices of {indices.ndim} dims for a tensor of shape {tuple(shape)}: "
                         "they need the same number of dimensions")
    axis = axis % len(shape)
    index = []
    for d, n in enumerate(shape):
        if d == axis:
            index.append(indices)
        else:
            size = indices.shape[d] if torch_style else n
            index.append(np.arange(size).reshape([-1 if i == d else 1 for i in range(len(shape))]))
    return tuple(index)


def take_along_axis(x, indices, axis):
    """out[..., i, ...] = x[..., indices[..., i, ...], ...] along `axis` (NumPy's semantics)."""
    return _getitem(x, index=_along_axis(indices, axis, np.shape(x), torch_style=False))


def gather(x, dim, index):
    """PyTorch's gather: out[i][j] = x[index[i][j]][j] for dim=0 (out has index's shape)."""
    return _getitem(x, index=_along_axis(index, dim, np.shape(x), torch_style=True))

