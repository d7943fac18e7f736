"""Norms with PyTorch's meaning: vector_norm and matrix_norm (torch.linalg's), norm (torch.norm)
and linalg_norm (torch.linalg.norm).

    vector_norm:  ‖x‖_p = (Σ |x|^p)^(1/p);  ∂‖x‖_p/∂x = sgn(x) |x|^(p−1) / ‖x‖_p^(p−1)
                  (x / ‖x‖₂ for p = 2), 0 where ‖x‖_p = 0 (the subgradient PyTorch picks);
                  p = ∞: max |x| (ties share the gradient), −∞: min |x|, 0: #(x ≠ 0)
    matrix_norm:  'fro' = ‖A‖₂ over both dims, 1 / −1: max / min Σ_i |a_ij| (columns),
                  ∞ / −∞: max / min Σ_j |a_ij| (rows), 2 / −2: max / min singular value,
                  'nuc': Σ singular values (svd.py)
"""
import math

import numpy as np

from ..errors import ShapeError
from ..primitives import primitive
from .elementwise import abs, pow, sign, where
from .layout import c_order
from .reduce import (
    _amax,
    _amin,
    _floating,
    _raw,
    _sum,
    _unreduce,
    merge_aliases,
    normalize_dims,
)
from .shape import _reshape, _transpose
from .svd import svd_s


def _cases(rng):
    def build(shape):
        return (rng.choice([-1.0, 1.0], shape) * rng.uniform(0.3, 2.0, shape),)
    return [(build((2, 3)), {"ord": 2.0, "axis": None, "keepdims": False}),
            (build((2, 3)), {"ord": 2.0, "axis": (1,), "keepdims": True}),
            (build((2, 3, 2)), {"ord": 3.0, "axis": (0, 2), "keepdims": False}),
            (build((4,)), {"ord": 1.0, "axis": (0,), "keepdims": False}),
            (build((3,)), {"ord": 0.5, "axis": None, "keepdims": False}),
            (build((2, 2)), {"ord": -1.5, "axis": (0,), "keepdims": True}),
            (build(()), {"ord": 2.0, "axis": None, "keepdims": False})]


@primitive(name="vector_norm", examples=_cases, vjp_text="{g} · sgn({0}) |{0}|^(p−1) / ‖{0}‖^(p−1)")
def _vector_norm(x, *, ord, axis, keepdims):
    """(Σ |x|^p)^(1/p) over the axes, for a finite p ≠ 0."""
    if ord == 2:
        return c_order(np.sqrt(np.add.reduce(x * x, axis=axis, keepdims=keepdims)))
    if ord == 1:
        return c_order(np.add.reduce(np.abs(x), axis=axis, keepdims=keepdims))
    with np.errstate(divide="ignore"):
        return c_order(np.add.reduce(np.abs(x) ** ord, axis=axis, keepdims=keepdims) **
                       (1.0 / ord))


def _norm_weight(x, norm, p):
    """∂‖x‖_p/∂x as PyTorch computes it, 0 where the norm is 0 (and, for p < 1, where x is)."""
    if p == 1:
        return sign(x)
    zero = norm == 0
    safe = where(zero, 1.0, norm)
    if p == 2:
        return where(zero, 0.0, x / safe)
    if p < 1:
        nonzero = _raw(x) != 0
        scaled = where(nonzero, sign(x) * pow(abs(where(nonzero, x, 1.0)), p - 1), 0.0)
        return scaled * pow(norm, 1 - p)
    return where(zero, 0.0, sign(x) * pow(abs(x), p - 1) / pow(safe, p - 1))


_vector_norm.defvjp(lambda g, out, x, ord, axis, keepdims:
                    _unreduce(g, x, axis, keepdims)
                    * _norm_weight(x, _unreduce(out, x, axis, keepdims), ord))
_vector_norm.defjvp(lambda t, out, x, ord, axis, keepdims:
                    _sum(t * _norm_weight(x, _unreduce(out, x, axis, keepdims), ord),
                         axis=axis, keepdims=keepdims))


# ------------------------------------------------------------------------------ public API
def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    """‖x‖_ord over dim (every entry by default, as one vector): ord a number, inf or −inf."""
    dim, keepdim = merge_aliases(dim, keepdim, axis, keepdims, "vector_norm")
    x = _floating(x, "linalg.vector_norm", dtype)
    params = {"axis": normalize_dims(dim, np.ndim(x), "vector_norm"), "keepdims": keepdim}
    if isinstance(ord, str) or isinstance(ord, bool):
        raise TypeError(f"linalg.vector_norm: ord must be a number, not {ord!r}")
    ord = float(ord)
    if ord == math.inf:
        return _amax(abs(x), **params)
    if ord == -math.inf:
        return _amin(abs(x), **params)
    if ord == 0:                  # the number of nonzero entries; no gradient flows
        return _sum(sign(abs(x)), **params)
    return _vector_norm(x, ord=ord, **params)


def _matrix_dims(x, dim, name):
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
    if len(dims) != 2:
        raise ShapeError(f"{name}: dim must name 2 axes, got {dim!r}")
    if np.ndim(x) < 2:
        raise ShapeError(f"{name}: the input must have at least 2 dimensions, got shape "
                         f"{np.shape(x)}")
    normal = normalize_dims(dims, np.ndim(x), name)
    return tuple(d % np.ndim(x) for d in dims), normal


def matrix_norm(x, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """The norm of the matrices over dim (the last two by default): ord 'fro', 'nuc', 1, −1,
    2, −2, inf or −inf."""
    x = _floating(x, "linalg.matrix_norm", dtype)
    (row, column), both = _matrix_dims(x, dim, "linalg.matrix_norm")
    if ord == "fro":
        return _vector_norm(x, ord=2.0, axis=both, keepdims=keepdim)
    if ord in ("nuc", 2, -2):
        return _spectral(x, ord, row, column, keepdim)
    if isinstance(ord, str) or ord not in (1, -1, math.inf, -math.inf):
        raise ValueError(f"linalg.matrix_norm: ord must be 'fro', 'nuc', 1, -1, 2, -2, inf or "
                         f"-inf, not {ord!r}")
    summed, reduced = (row, column) if ord in (1, -1) else (column, row)
    if not keepdim and summed < reduced:
        reduced -= 1
    extreme = _amax if ord > 0 else _amin
    sums = _sum(abs(x), axis=(summed,), keepdims=keepdim)
    return extreme(sums, axis=(reduced,), keepdims=keepdim)


def _spectral(x, ord, row, column, keepdim):
    """Σ s ('nuc'), max s (2) or min s (−2) of the singular values of the matrices over
    (row, column): the gradient is U Vᵀ, u₁v₁ᵀ or u_k v_kᵀ (ties of s share it)."""
    ndim = np.ndim(x)
    rest = [d for d in range(ndim) if d not in (row, column)]
    values = svd_s(_transpose(x, axes=tuple(rest) + (row, column)))
    last = (values.ndim - 1,)
    reduce = _sum if ord == "nuc" else _amax if ord == 2 else _amin
    result = reduce(values, axis=last, keepdims=False)
    if keepdim:
        shape = list(np.shape(x))
        shape[row] = shape[column] = 1
        result = _reshape(result, shape=tuple(shape))
    return result


def norm(x, p="fro", dim=None, keepdim=False, dtype=None):
    """torch.norm: a number p gives vector_norm over dim (all by default, even for 2 dims);
    'fro' the 2-norm over dim (at most 2 of them); 'nuc' the matrix norm."""
    dims = [dim] if isinstance(dim, int) else dim
    if isinstance(p, str):
        if p == "fro" and (dims is None or len(dims) <= 2):
            return vector_norm(x, 2, dims, keepdim, dtype=dtype)
        return matrix_norm(x, p, tuple(range(np.ndim(x))) if dims is None else dims, keepdim,
                           dtype=dtype)
    return vector_norm(x, 2 if p is None else p, dims, keepdim, dtype=dtype)


def linalg_norm(x, ord=None, dim=None, keepdim=False, *, dtype=None):
    """torch.linalg.norm: a vector norm over one dim, a matrix norm over two; without dim, the
    2-norm of every entry (ord None) or the norm of a 1-D or 2-D input."""
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) == 1:
            return vector_norm(x, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
        return matrix_norm(x, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(x, 2, None, keepdim, dtype=dtype)
    if np.ndim(x) == 1:
        return vector_norm(x, ord, None, keepdim, dtype=dtype)
    if np.ndim(x) == 2:
        return matrix_norm(x, ord, (-2, -1), keepdim, dtype=dtype)
    raise ShapeError(f"linalg.norm: with ord={ord!r} and no dim the input must be 1-D or 2-D, "
                     f"got shape {np.shape(x)}")
