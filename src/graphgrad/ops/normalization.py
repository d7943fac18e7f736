"""Layer normalisation as one fused primitive (Ba, Kiros & Hinton 2016; PyTorch's layer_norm).

Over the normalised axes A (the last ones), with n = Π_{a ∈ A} size_a:

    μ = mean_A x,  σ² = mean_A (x − μ)²,  x̂ = (x − μ) / √(σ² + ε),  y = γ ⊙ x̂ + β

    ∂L/∂x = (ĝ − mean_A ĝ − x̂ ⊙ mean_A(ĝ ⊙ x̂)) / √(σ² + ε)   with ĝ = γ ⊙ ∂L/∂y
    ∂L/∂γ = Σ_batch ∂L/∂y ⊙ x̂,   ∂L/∂β = Σ_batch ∂L/∂y

The tangent of x̂ has the same form with ẋ in place of ĝ, so one function serves both modes.
The forward sets (x̂, 1/√(σ² + ε)) aside for the first-order backward; rules recorded for
higher order recompute them with graphgrad operations.
"""
import numpy as np

from ..primitives import primitive
from .reduce import mean


def _normalized(x, axes, eps):
    """(x̂, 1/√(σ² + ε)) over `axes`, with operations that record on Tensors."""
    centred = x - mean(x, axis=axes, keepdims=True)
    inv_std = (mean(centred * centred, axis=axes, keepdims=True) + eps) ** -0.5
    return centred * inv_std, inv_std


def _through_normalization(v, xhat, inv_std, axes):
    """v ↦ (v − mean_A v − x̂ ⊙ mean_A(v ⊙ x̂)) / √(σ² + ε): the Jacobian of x ↦ x̂ (it is
    symmetric, so the same map takes tangents forward and cotangents back)."""
    return (v - mean(v, axis=axes, keepdims=True)
            - xhat * mean(v * xhat, axis=axes, keepdims=True)) * inv_std


def _cases(rng):
    n = rng.normal
    return [((n(size=(4, 5)), n(size=5), n(size=5)), {"axes": (1,), "eps": 1e-5}),
            ((n(size=(2, 3, 4)), n(size=(3, 4)), n(size=(3, 4))), {"axes": (1, 2), "eps": 0.1}),
            ((n(size=(3, 4)), None, None), {"axes": (1,), "eps": 1e-5}),
            ((n(size=(2, 6)), n(size=6), None), {"axes": (1,), "eps": 1e-3})]


@primitive(name="layer_norm", saves=("inputs", "residual"), examples=_cases)
def _layer_norm(x, weight, bias, *, axes, eps):
    """γ ⊙ (x − μ)/√(σ² + ε) + β over `axes`; γ, β of those axes' shape, or None."""
    xhat, inv_std = _normalized(x, axes, eps)
    out = xhat * weight if weight is not None else xhat.copy()
    if bias is not None:
        out += bias
    return out, (xhat, inv_std)


def _dx(g, saved, x, weight, bias, axes, eps):
    xhat, inv_std = saved if saved is not None else _normalized(x, axes, eps)
    return _through_normalization(g if weight is None else g * weight, xhat, inv_std, axes)


def _dweight(g, saved, x, weight, bias, axes, eps):
    xhat = saved[0] if saved is not None else _normalized(x, axes, eps)[0]
    return g * xhat                       # the sweep sums it over the batch axes


_layer_norm.defvjp(_dx, _dweight, lambda g, saved, x, weight, bias, axes, eps: g)


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


_layer_norm.defjvp_all(_jvp)
