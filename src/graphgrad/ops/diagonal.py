"""Diagonals and triangles, with PyTorch's meanings: diagonal, diag, diag_embed, trace, tril,
triu.

diagonal is a view, as in PyTorch (x.diagonal().add_(ε) changes x), its adjoint puts the
gradient back on the diagonal of zeros; diag of a vector is that adjoint itself, of a matrix a
copy of its diagonal; tril/triu keep x where a constant mask holds (∂/∂x = the mask).
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..errors import ShapeError
from ..grad_fn_names import as_torch
from ..primitives import primitive
from ._samples import fixed
from .clone import clone
from .elementwise import where
from .index import _index_add
from .reduce import sum as _total
from .shape import _axis, _transpose


def _diagonal_index(n1, n2, offset):
    """(rows, cols) of the offset diagonal of an n1 × n2 matrix (offset > 0: above)."""
    length = max(min(n1 - max(-offset, 0), n2 - max(offset, 0)), 0)
    steps = np.arange(length)
    return steps + max(-offset, 0), steps + max(offset, 0)


def _normal(rng, shape):
    return rng.normal(size=shape)


@primitive(name="diagonal", is_view=True, saves=(), vjp_text="{g} on the diagonal of zeros",
           examples=fixed((lambda r: (_normal(r, (3, 4)),), {"offset": 1, "dim1": 0, "dim2": 1}),
                          (lambda r: (_normal(r, (2, 3, 3)),), {"offset": -1, "dim1": 2,
                                                                  "dim2": 1})))
def _diagonal(x, *, offset, dim1, dim2):
    """out[..., i] = x[..., i, i + offset] over dims (dim1, dim2), in x's own memory: the other
    dims keep their order and the diagonal is the new last dim (stride = the two dims'
    strides summed)."""
    start = [slice(None)] * x.ndim
    start[dim1], start[dim2] = slice(max(-offset, 0), None), slice(max(offset, 0), None)
    corner = x[tuple(start)]
    rest = [d for d in range(x.ndim) if d not in (dim1, dim2)]
    shape = [x.shape[d] for d in rest] + [min(corner.shape[dim1], corner.shape[dim2])]
    strides = [x.strides[d] for d in rest] + [x.strides[dim1] + x.strides[dim2]]
    return as_strided(corner, shape, strides, writeable=corner.flags.writeable)


def _diagonal_vjp(g, out, x, offset, dim1, dim2):
    """g placed on the offset diagonal of zeros shaped like x."""
    ndim = len(x.shape)
    order = tuple(d for d in range(ndim) if d not in (dim1, dim2)) + (dim1, dim2)
    rows, cols = _diagonal_index(x.shape[dim1], x.shape[dim2], offset)
    placed = _index_add(g, index=(Ellipsis, rows, cols), shape=tuple(x.shape[d] for d in order))
    return _transpose(placed, axes=tuple(int(d) for d in np.argsort(order)))


_diagonal.defvjp(_diagonal_vjp)
_diagonal.deflinear()


@as_torch("DiagonalBackward0")
def diagonal(x, offset=0, dim1=0, dim2=1):
    """The offset diagonal of the matrices in dims (dim1, dim2), as a new last dim, a view:
    out[..., i] = x[..., i, i + offset] (dims moved as PyTorch: the others keep their order)."""
    ndim = np.ndim(x)
    a, b = _axis(dim1, ndim, "diagonal"), _axis(dim2, ndim, "diagonal")
    if a == b:
        raise ShapeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    if ndim < 2:
        raise ShapeError(f"diagonal: needs a tensor of at least 2 dims, got shape "
                         f"{list(np.shape(x))}")
    return _diagonal(x, offset=int(offset), dim1=a, dim2=b)


_diagonal_of = diagonal      # diag's argument `diagonal` (PyTorch's name) hides the function


def diag_embed(x, offset=0, dim1=-2, dim2=-1):
    """Matrices with the last dim of x on their offset diagonal, zeros elsewhere; the new
    matrix dims are dim1 and dim2 of the result."""
    shape = np.shape(x)
    if not shape:
        raise ShapeError("diag_embed: needs a tensor of at least 1 dim, got a 0-d tensor")
    n = shape[-1] + abs(offset)
    rows, cols = _diagonal_index(n, n, offset)
    lead = shape[:-1]
    out = _index_add(x, index=(Ellipsis, rows, cols), shape=lead + (n, n))
    ndim = len(lead) + 2
    a, b = _axis(dim1, ndim, "diag_embed"), _axis(dim2, ndim, "diag_embed")
    if a == b:
        raise ShapeError(f"diag_embed: diagonal dimensions cannot be identical {dim1}, {dim2}")
    order = iter(range(len(lead)))
    axes = tuple(len(lead) if d == a else len(lead) + 1 if d == b else next(order)
                 for d in range(ndim))
    if axes == tuple(range(ndim)):
        return out
    return clone(_transpose(out, axes=axes), order="C")     # allocated C-ordered, as PyTorch's


def _diag_name(x, diagonal=0):
    """PyTorch's nodes: a vector's diag is diag_embed, a matrix's a copy of its diagonal."""
    return "DiagEmbedBackward0" if np.ndim(x) == 1 else "DiagonalBackward0_copy"


@as_torch(_diag_name)
def diag(x, diagonal=0):
    """A vector's square matrix with the vector on the given diagonal, or a matrix's diagonal
    as a vector."""
    ndim = np.ndim(x)
    if ndim == 1:
        return diag_embed(x, diagonal)
    if ndim == 2:
        return clone(_diagonal_of(x, diagonal))
    raise ShapeError(f"diag(): Supports 1D or 2D tensors. Got {ndim}D")


@as_torch("TraceBackward0")
def trace(x):
    """Σ_i x[i, i] of a matrix (the main diagonal of a rectangular one too)."""
    if np.ndim(x) != 2:
        raise ShapeError(f"trace: expected a matrix, but got tensor with dim {np.ndim(x)}")
    return _total(diagonal(x))


def _triangle(x, keep, diagonal, op):
    shape = np.shape(x)
    if len(shape) < 2:
        raise ShapeError(f"{op}: input tensor must have at least 2 dimensions, got shape "
                         f"{list(shape)}")
    mask = keep(np.ones(shape[-2:], dtype=bool), diagonal)
    dtype = x.dtype if hasattr(x, "dtype") else np.result_type(x)
    return where(mask, x, np.zeros((), dtype))


@as_torch("TrilBackward0")
def tril(x, diagonal=0):
    """The lower triangle of the matrices in the last two dims (x[i, j] for j - i <= diagonal),
    zeros above."""
    return _triangle(x, np.tril, diagonal, "tril")


@as_torch("TriuBackward0")
def triu(x, diagonal=0):
    """The upper triangle of the matrices in the last two dims (x[i, j] for j - i >= diagonal),
    zeros below."""
    return _triangle(x, np.triu, diagonal, "triu")
