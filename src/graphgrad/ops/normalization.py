"""Layer and batch normalisation as fused primitives (Ba, Kiros & Hinton 2016; Ioffe & Szegedy
2015): the same computation over different axes A — a sample's features for layer norm, the
batch (and any length axis) for batch norm:

    μ = mean_A x,  σ² = mean_A (x − μ)²,  x̂ = (x − μ) / √(σ² + ε),  y = γ ⊙ x̂ + β

    ∂L/∂x = (ĝ − mean_A ĝ − x̂ ⊙ mean_A(ĝ ⊙ x̂)) / √(σ² + ε)   with ĝ = γ ⊙ ∂L/∂y
    ∂L/∂γ = ∂L/∂y ⊙ x̂,  ∂L/∂β = ∂L/∂y, each summed to the shape of γ and β

The tangent of x̂ has the same form with ẋ in place of ĝ, so one function serves both modes.
The forward sets (x̂, 1/√(σ² + ε)) aside for the first-order backward; rules recorded for
higher order recompute them with graphgrad operations.
"""

import math

from ..primitives import primitive
from .reduce import sum_kept


def _mean(v, axes):
    """mean over `axes` (sorted, static), kept; recorded on Tensors."""
    return sum_kept(v, axes) / math.prod(v.shape[a] for a in axes)


def _normalized(x, axes, eps):
    """(x̂, 1/√(σ² + ε)) over `axes`, with operations that record on Tensors."""
    centred = x - _mean(x, axes)
    inv_std = (_mean(centred * centred, axes) + eps) ** -0.5
    return centred * inv_std, inv_std


def _through_normalization(v, xhat, inv_std, axes):
    """v ↦ (v − mean_A v − x̂ ⊙ mean_A(v ⊙ x̂)) / √(σ² + ε): the Jacobian of x ↦ x̂ (it is
    symmetric, so the same map takes tangents forward and cotangents back)."""
    return (v - _mean(v, axes) - xhat * _mean(v * xhat, axes)) * inv_std


def _cases(rng):
    n = rng.normal
    return [((n(size=(4, 5)), n(size=5), n(size=5)), {"axes": (1,), "eps": 1e-5}),
            ((n(size=(2, 3, 4)), n(size=(3, 4)), n(size=(3, 4))), {"axes": (1, 2), "eps": 0.1}),
            ((n(size=(3, 4)), None, None), {"axes": (1,), "eps": 1e-5}),
            ((n(size=(2, 6)), n(size=6), None), {"axes": (1,), "eps": 1e-3})]


def _normalization(name, examples):
    """A primitive y = γ ⊙ x̂ + β standardising over static `axes` (γ, β broadcast against
    x): layer norm over each sample's features, batch norm over the batch."""
    @primitive(name=name, saves=("inputs", "residual"), examples=examples)
    def normalize(x, weight, bias, *, axes, eps):
        """γ ⊙ (x − μ)/√(σ² + ε) + β with μ, σ² over `axes`; γ, β broadcast against x, or
        None."""
        xhat, inv_std = _normalized(x, axes, eps)
        out = xhat * weight if weight is not None else xhat.copy()
        if bias is not None:
            out += bias
        return out, (xhat, inv_std)

    normalize.defvjp(_dx, _dweight, lambda g, saved, x, weight, bias, axes, eps: g)
    normalize.defjvp_all(_jvp)
    return normalize


def _dx(g, saved, x, weight, bias, axes, eps):
    xhat, inv_std = saved if saved is not None else _normalized(x, axes, eps)
    return _through_normalization(g if weight is None else g * weight, xhat, inv_std, axes)


def _dweight(g, saved, x, weight, bias, axes, eps):
    xhat = saved[0] if saved is not None else _normalized(x, axes, eps)[0]
    return g * xhat                       # the sweep sums it to γ's shape


def _jvp(tangents, out, x, weight, bias, axes, eps):
    dx, dweight, dbias = tangents
    xhat, inv_std = _normalized(x, axes, eps)
    total = None
    if dx is not None:
        total = _through_normalization(dx, xhat, inv_std, axes)
        if weight is not None:
            total = total * weight
    for term in (None if dweight is None else dweight * xhat, dbias):
        if term is not None:
            total = term if total is None else total + term
    return total


def _batch_cases(rng):
    n = rng.normal
    return [((n(size=(6, 3)), n(size=3), n(size=3)), {"axes": (0,), "eps": 1e-5}),
            ((n(size=(4, 3, 2)), n(size=(3, 1)), n(size=(3, 1))), {"axes": (0, 2), "eps": 0.1}),
            ((n(size=(5, 2)), None, None), {"axes": (0,), "eps": 1e-5})]


layer_norm = _normalization("layer_norm", _cases)
batch_norm = _normalization("batch_norm", _batch_cases)
