"""The thin singular value decomposition A = U diag(s) Vᵀ of a matrix or a stack of them
(U: m×k, s: k descending, V: n×k, k = min(m, n)), as three primitives svd_u, svd_s, svd_v
whose rules are written with the same three primitives, so they differentiate to any order.

With dP = Uᵀ dA V and F_ij = 1/(s_j² − s_i²) (0 on the diagonal):

    ṡ = diag(dP)
    U̇ = U (F ∘ (dP S + S dPᵀ)) + (I − UUᵀ) dA V S⁻¹
    V̇ = V (F ∘ (S dP + dPᵀ S)) + (I − VVᵀ) dAᵀ U S⁻¹

and their adjoints ∂L/∂A = U diag(ḡ_s) Vᵀ, U (J + Jᵀ) S Vᵀ + (I − UUᵀ) ḡ_U S⁻¹ Vᵀ with
J = F ∘ Uᵀḡ_U, and U S (K + Kᵀ) Vᵀ + U S⁻¹ ḡ_Vᵀ (I − VVᵀ) with K = F ∘ Vᵀḡ_V. ṡ and ḡ_s
need nothing more; U and V need distinct nonzero singular values (as in PyTorch, where they
are not unique otherwise). Only the singular values are public (svdvals, and the spectral
and nuclear norms built on them): they do not depend on the signs LAPACK picks for U and V.
"""
import numpy as np

from ..primitives import primitive
from ..tensor import Tensor
from ._samples import fixed
from .elementwise import where
from .linalg import matmul
from .reduce import _floating, _sum
from .shape import _reshape, _transpose


def _cases():
    def separated(shape):
        """A matrix with well separated singular values (3, 2, 1.2, ... times a rotation)."""
        def build(rng):
            m, n = shape[-2:]
            k = min(m, n)
            u = np.linalg.qr(rng.normal(size=shape[:-2] + (m, k)))[0]
            v = np.linalg.qr(rng.normal(size=shape[:-2] + (n, k)))[0]
            s = np.array([3.0, 2.0, 1.2, 0.7][:k])
            return ((u * s) @ np.swapaxes(v, -1, -2),)
        return build
    return fixed(*((separated(s), {}) for s in ((3, 2), (2, 3), (2, 2), (2, 3, 2))))


def _svd(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return u, s, np.swapaxes(vh, -1, -2)


@primitive(name="svd_u", examples=_cases(), saves=("inputs",))
def svd_u(a):
    """U of the thin SVD A = U diag(s) Vᵀ."""
    return _svd(a)[0]


@primitive(name="svd_s", examples=_cases(), saves=("inputs",))
def svd_s(a):
    """The singular values s of A, descending (torch.linalg.svdvals)."""
    return np.linalg.svd(a, compute_uv=False)


@primitive(name="svd_v", examples=_cases(), saves=("inputs",))
def svd_v(a):
    """V of the thin SVD A = U diag(s) Vᵀ (the transpose of NumPy's vh)."""
    return _svd(a)[2]


# ------------------------------------------------------------------------------ the rules
def _factors(a):
    """(U, s, V): computed once on arrays (a first-order backward), through the recorded
    primitives on tensors (so that a higher order differentiates them too)."""
    if isinstance(a, Tensor):
        return svd_u(a), svd_s(a), svd_v(a)
    return _svd(a)


def _mT(x):
    n = x.ndim
    return _transpose(x, axes=tuple(range(n - 2)) + (n - 1, n - 2))


def _rows(s):
    """s (..., k) as (..., 1, k): X * _rows(s) = X S."""
    return _reshape(s, shape=s.shape[:-1] + (1, s.shape[-1]))


def _columns(s):
    """s (..., k) as (..., k, 1): _columns(s) * X = S X."""
    return _reshape(s, shape=s.shape + (1,))


def _diagonal(p):
    """The diagonal (..., k) of the square matrices p (..., k, k)."""
    k = p.shape[-1]
    return _sum(p * np.eye(k, dtype=bool), axis=(p.ndim - 1,), keepdims=False)


def _f(s):
    """F_ij = 1 / (s_j² − s_i²) off the diagonal, 0 on it."""
    eye = np.eye(s.shape[-1], dtype=bool)
    gaps = _rows(s * s) - _columns(s * s)
    return where(eye, 0.0, 1.0 / where(eye, 1.0, gaps))


def _complement(q, x):
    """(I − Q Qᵀ) x."""
    return x - matmul(q, matmul(_mT(q), x))


def _s_jvp(t, out, a):
    u, _, v = _factors(a)
    return _diagonal(matmul(_mT(u), matmul(t, v)))


def _u_jvp(t, out, a):
    u, s, v = _factors(a)
    p = matmul(_mT(u), matmul(t, v))
    inner = _f(s) * (p * _rows(s) + _columns(s) * _mT(p))
    return matmul(u, inner) + _complement(u, matmul(t, v)) / _rows(s)


def _v_jvp(t, out, a):
    u, s, v = _factors(a)
    p = matmul(_mT(u), matmul(t, v))
    inner = _f(s) * (_columns(s) * p + _mT(p) * _rows(s))
    return matmul(v, inner) + _complement(v, matmul(_mT(t), u)) / _rows(s)


def _s_vjp(g, out, a):
    u, _, v = _factors(a)
    return matmul(u * _rows(g), _mT(v))


def _u_vjp(g, out, a):
    u, s, v = _factors(a)
    j = _f(s) * matmul(_mT(u), g)
    return (matmul(u, matmul((j + _mT(j)) * _rows(s), _mT(v)))
            + matmul(_complement(u, g) / _rows(s), _mT(v)))


def _v_vjp(g, out, a):
    u, s, v = _factors(a)
    k = _f(s) * matmul(_mT(v), g)
    return (matmul(u, matmul(_columns(s) * (k + _mT(k)), _mT(v)))
            + matmul(u / _rows(s), _mT(_complement(v, g))))


svd_s.defvjp(_s_vjp)
svd_s.defjvp(_s_jvp)
svd_u.defvjp(_u_vjp)
svd_u.defjvp(_u_jvp)
svd_v.defvjp(_v_vjp)
svd_v.defjvp(_v_jvp)


def svdvals(a):
    """The singular values of a matrix (or of each in a stack), descending:
    ∂s_i/∂A = u_i v_iᵀ."""
    a = _floating(a, "linalg.svdvals")
    if np.ndim(a) < 2:
        raise ValueError(f"linalg.svdvals: the input must have at least 2 dimensions, got "
                         f"shape {np.shape(a)}")
    return svd_s(a)
