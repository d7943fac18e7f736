"""Activation functions as single elementwise primitives with their derivative: softplus,
leaky ReLU, ELU, SiLU (Swish), the normal CDF Φ, GELU and the binary threshold unit (001, 003).
Static parameters (β, slope, α, ...) are keyword-only; gg.nn.functional gives them PyTorch's
signatures.
"""
import math

import numpy as np

from ..primitives import primitive
from ._samples import fixed, nonzero, unary, uniform
from .elementwise import exp, sigmoid, tanh, where
from .special import erfc


@primitive(name="softplus", saves=("inputs",),
           examples=unary(uniform(-30, 30), beta=1.0, threshold=20.0))
def softplus(x, *, beta, threshold):
    """log(1 + e^(βx)) / β, exactly x where βx > threshold (as PyTorch); ∂/∂x = σ(βx)."""
    bx = x if beta == 1 else x * beta
    smooth = np.maximum(bx, 0) + np.log1p(np.exp(-np.abs(bx)))
    if beta != 1:
        smooth = smooth / beta
    return np.where(bx > threshold, x, smooth) if threshold < np.inf else smooth


def _softplus_rule(v, out, x, beta, threshold):
    bx = x if beta == 1 else x * beta
    smooth = v * sigmoid(bx)
    return smooth if threshold == np.inf else where(bx > threshold, v, smooth)


softplus.defelementwise(_softplus_rule)


def softplus_neg(z):
    """softplus(−z) = −log σ(z), exact for any z."""
    return softplus(-z, beta=1.0, threshold=np.inf)


@primitive(name="leaky_relu", saves=("inputs",), examples=unary(nonzero(), negative_slope=0.1))
def leaky_relu(x, *, negative_slope):
    """x for x > 0, negative_slope · x otherwise."""
    return np.where(x > 0, x, x * negative_slope)


leaky_relu.defelementwise(lambda v, out, x, negative_slope:
                           where(x > 0, v, v * negative_slope))


@primitive(name="elu", examples=unary(nonzero(), alpha=1.3))
def elu(x, *, alpha):
    """x for x > 0, α (e^x − 1) otherwise; ∂/∂x = 1 or y + α."""
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


elu.defelementwise(lambda v, out, x, alpha: where(x > 0, v, v * (out + alpha)))


@primitive(name="silu", saves=("inputs",), examples=unary(uniform(-6, 6)))
def silu(x):
    """x σ(x) (Swish); ∂/∂x = σ(x) (1 + x (1 − σ(x)))."""
    return x * sigmoid(x)


def _silu_rule(v, out, x):
    s = sigmoid(x)
    return v * (s * (1 + x * (1 - s)))


silu.defelementwise(_silu_rule)

_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)


@primitive(name="normal_cdf", saves=("inputs",), examples=unary(uniform(-6, 6)))
def normal_cdf(x):
    """Φ(x) = ½ erfc(−x/√2), the standard normal CDF (accurate in both tails)."""
    dtype = np.result_type(x, np.float32)
    return _cdf_float64(x, dtype).astype(dtype, copy=False)


def _cdf_float64(x, dtype):
    """Φ(x) in float64, as precise as `dtype` (the result's) needs."""
    tail = erfc(np.asarray(x, np.float64) * -math.sqrt(0.5), exact=dtype == np.float64)
    tail *= 0.5
    return tail


def _normal_pdf(x):
    return exp(-0.5 * x * x) * _INV_SQRT_2PI


normal_cdf.defelementwise(lambda v, out, x: v * _normal_pdf(x))


@primitive(name="gelu", saves=("inputs", "residual"), examples=fixed(
    (lambda r: (r.uniform(-5, 5, (2, 3)),), {"approximate": "none"}),
    (lambda r: (r.uniform(-5, 5, 4),), {"approximate": "tanh"})))
def gelu(x, *, approximate):
    """x Φ(x); approximate='tanh': ½ x (1 + tanh(√(2/π) (x + 0.044715 x³))) (as PyTorch).
    Residual: Φ(x) (exact form), so that the backward does not evaluate erfc again."""
    if approximate == "tanh":
        return 0.5 * x * (1 + np.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))), None
    dtype = np.result_type(x, np.float32)
    cdf = _cdf_float64(x, dtype)
    return (cdf * x).astype(dtype, copy=False), cdf.astype(dtype)   # one rounding each


def _gelu_rule(v, x, approximate, cdf=None):
    if approximate == "tanh":
        t = tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))
        slope = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _SQRT_2_OVER_PI * (1 + 0.134145 * x * x)
        return v * slope
    return v * ((normal_cdf(x) if cdf is None else cdf) + x * _normal_pdf(x))


# forward mode gets the output, not the residual: it evaluates Φ itself
gelu.defelementwise(lambda v, out, x, approximate: _gelu_rule(v, x, approximate))
gelu.defvjp(lambda g, cdf, x, approximate: _gelu_rule(g, x, approximate, cdf))


@primitive(name="binary_threshold", saves=(), examples=unary(nonzero(), threshold=0.0))
def binary_threshold(x, *, threshold):
    """1 where x ≥ threshold, else 0 (003's McCulloch-Pitts unit). Piecewise constant: its
    derivative is zero wherever it exists, so no gradient flows back through it."""
    return (x >= threshold).astype(np.result_type(x, np.float32))


binary_threshold.defelementwise(None)
