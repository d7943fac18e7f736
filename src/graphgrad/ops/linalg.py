"""The matrix product matmul (1-D, 2-D and batched, as NumPy and torch.matmul); products.py
builds PyTorch's other products (mm, bmm, dot, outer, tensordot, ...) on it.

For Y = A B: ∂L/∂A = ∂L/∂Y Bᵀ and ∂L/∂B = Aᵀ ∂L/∂Y (001's affine-layer backward pass);
1-D operands are treated as a row (left) or column (right) vector and batch axes are summed
back by the engine. Ẏ = Ȧ B + A Ḃ.
"""
import numpy as np

from ..errors import DtypeError
from ..primitives import primitive
from ._samples import fixed
from .shape import _reshape, _transpose

_PAIRS = (((2, 3), (3, 4)), ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 2, 3), (3, 2)),
          ((2, 1, 2, 3), (2, 3, 2)), ((3,), (2, 3, 2)))


def _pair(a, b):
    return lambda rng: (rng.normal(size=a), rng.normal(size=b))


def contracted_cost(out, operands, params, i):
    """Applying ∂(A B)/∂A or ∂(A B)/∂B to a vector: |Y| · K multiply-adds (K summed)."""
    first = operands[0]
    return out.size * (np.shape(first)[-1] if np.ndim(first) else 1)


@primitive(examples=fixed(*((_pair(a, b), {}) for a, b in _PAIRS)), saves=("inputs",),
           notation="@", vjp_text=("{g} @ {1}ᵀ", "{0}ᵀ @ {g}"), cost=contracted_cost)
def matmul(a, b):
    """A @ B, of one dtype (as in PyTorch)"""
    if getattr(a, "dtype", None) != getattr(b, "dtype", None) and hasattr(a, "dtype") \
            and hasattr(b, "dtype"):
        raise DtypeError(f"matmul: expected m1 and m2 to have the same dtype, but got: "
                         f"{a.dtype} != {b.dtype}")
    return np.matmul(a, b)


def _mT(x):
    """The last two axes swapped."""
    n = x.ndim
    return _transpose(x, axes=tuple(range(n - 2)) + (n - 1, n - 2))


def _column(v):
    """(..., n) → (..., n, 1)"""
    return _reshape(v, shape=v.shape + (1,))


def _row(v):
    """(..., n) → (..., 1, n)"""
    return _reshape(v, shape=v.shape[:-1] + (1, v.shape[-1]))


def _matmul_da(g, out, a, b):
    if b.ndim == 1:
        return g * b if a.ndim == 1 else _column(g) * b
    if a.ndim == 1:
        return matmul(b, _column(g))[..., 0]
    return matmul(g, _mT(b))


def _matmul_db(g, out, a, b):
    if a.ndim == 1:
        return g * a if b.ndim == 1 else _column(a) * _row(g)
    if b.ndim == 1:
        return matmul(_mT(a), _column(g))[..., 0]
    return matmul(_mT(a), g)


matmul.defvjp(_matmul_da, _matmul_db)
matmul.defjvp(lambda t, out, a, b: matmul(t, b), lambda t, out, a, b: matmul(a, t))
