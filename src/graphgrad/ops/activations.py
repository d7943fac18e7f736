"""Activation functions as single elementwise primitives with their derivative: softplus,
leaky ReLU, ELU, SiLU (Swish), the normal CDF Φ, GELU and the binary threshold unit (001, 003).
Static parameters (β, slope, α, ...) are keyword-only; gg.nn.functional gives them PyTorch's
signatures.
"""
import math

import numpy as np

from ..primitives import primitive
from ._samples import binary, fixed, nonzero, unary, uniform
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


# ----------------------------------------------------------------------------- PyTorch's others
# At a kink each rule takes the one-sided derivative PyTorch's kernels take (pinned by
# tests/nn/test_more_activations.py); the samples below stay clear of the kinks.
def _away(*kinks, low=-4.0, high=4.0, gap=0.15):
    """Uniform samples in [low, high) moved at least `gap` away from each kink."""
    def sample(rng, shape):
        x = rng.uniform(low, high, shape)
        for k in kinks:
            x = np.where(np.abs(x - k) < gap, k + np.copysign(gap, x - k), x)
        return x
    return sample


@primitive(name="hardtanh", saves=("inputs",),
           examples=unary(_away(-1.0, 1.0), min_val=-1.0, max_val=1.0))
def hardtanh(x, *, min_val, max_val):
    """clip(x, min_val, max_val); ∂/∂x = 1 strictly inside, 0 elsewhere (at the ends too)."""
    return np.clip(x, min_val, max_val)


hardtanh.defelementwise(lambda v, out, x, min_val, max_val:
                        where((x > min_val) & (x < max_val), v, 0.0))


@primitive(name="hardsigmoid", saves=("inputs",), examples=unary(_away(-3.0, 3.0)))
def hardsigmoid(x):
    """min(max(x + 3, 0), 6) / 6; ∂/∂x = 1/6 for −3 < x < 3, else 0."""
    return np.clip(x + 3, 0, 6) / 6


hardsigmoid.defelementwise(lambda v, out, x: where((x > -3) & (x < 3), v / 6, 0.0))


@primitive(name="hardswish", saves=("inputs",), examples=unary(_away(-3.0, 3.0)))
def hardswish(x):
    """x · min(max(x + 3, 0), 6) / 6; ∂/∂x = 0 for x ≤ −3, x/3 + ½ for −3 < x < 3, 1 for
    x ≥ 3."""
    return x * np.clip(x + 3, 0, 6) / 6


hardswish.defelementwise(lambda v, out, x:
                         where(x <= -3, 0.0, where(x < 3, v * (x / 3 + 0.5), v)))


@primitive(name="mish", saves=("inputs",), examples=unary(uniform(-6, 6)))
def mish(x):
    """x · tanh(softplus(x)); ∂/∂x = t + x σ(x) (1 − t²) with t = tanh(softplus(x))."""
    return x * np.tanh(np.logaddexp(0, x))


def _mish_rule(v, out, x):
    t = tanh(softplus(x, beta=1.0, threshold=np.inf))
    return v * (t + x * sigmoid(x) * (1 - t * t))


mish.defelementwise(_mish_rule)

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _negative_part(x):
    return where(x > 0, 0.0, x)


@primitive(name="selu", saves=("inputs",), examples=unary(nonzero()))
def selu(x):
    """λ x for x > 0, λ α (eˣ − 1) otherwise (λ ≈ 1.0507, α ≈ 1.6733); ∂/∂x = λ or λ α eˣ."""
    return np.where(x > 0, x * SELU_SCALE, np.expm1(np.minimum(x, 0)) * (SELU_ALPHA * SELU_SCALE))


def _selu_rule(v, out, x):
    return where(x > 0, v * SELU_SCALE,
                 v * (exp(_negative_part(x)) * (SELU_ALPHA * SELU_SCALE)))


selu.defelementwise(_selu_rule)


@primitive(name="celu", saves=("inputs",), examples=unary(nonzero(), alpha=1.7))
def celu(x, *, alpha):
    """x for x > 0, α (e^(x/α) − 1) otherwise; ∂/∂x = 1 or e^(x/α)."""
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0) * (1 / alpha)) * alpha)


celu.defelementwise(lambda v, out, x, alpha:
                    where(x > 0, v, v * exp(_negative_part(x) * (1 / alpha))))


@primitive(name="softsign", saves=("inputs",), examples=unary(nonzero()))
def softsign(x):
    """x / (1 + |x|); ∂/∂x = 1 / (1 + |x|)²."""
    return x / (1 + np.abs(x))


def _softsign_rule(v, out, x):
    d = 1 + abs(x)
    return v / (d * d)


softsign.defelementwise(_softsign_rule)


@primitive(name="tanhshrink", saves=("inputs",), examples=unary())
def tanhshrink(x):
    """x − tanh x; ∂/∂x = tanh² x."""
    return x - np.tanh(x)


def _tanhshrink_rule(v, out, x):
    t = tanh(x)
    return v * (t * t)


tanhshrink.defelementwise(_tanhshrink_rule)


def _outside(x, lambd):
    return (x < -lambd) | (x > lambd)


@primitive(name="hardshrink", saves=("inputs",), examples=unary(_away(-0.5, 0.5), lambd=0.5))
def hardshrink(x, *, lambd):
    """x where |x| > λ, else 0; ∂/∂x = 1 where |x| > λ, else 0."""
    return np.where(_outside(x, lambd), x, 0).astype(np.result_type(x, np.float32), copy=False)


hardshrink.defelementwise(lambda v, out, x, lambd: where(_outside(x, lambd), v, 0.0))


@primitive(name="softshrink", saves=("inputs",), examples=unary(_away(-0.5, 0.5), lambd=0.5))
def softshrink(x, *, lambd):
    """x − λ for x > λ, x + λ for x < −λ, else 0; ∂/∂x = 1 where |x| > λ, else 0."""
    return np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, 0 * x))


softshrink.defelementwise(lambda v, out, x, lambd: where(_outside(x, lambd), v, 0.0))


@primitive(name="threshold", saves=("inputs",),
           examples=unary(_away(0.5), threshold=0.5, value=-2.0))
def threshold(x, *, threshold, value):
    """x where x > threshold, else value; ∂/∂x = 1 where x > threshold, else 0."""
    return np.where(x > threshold, x, np.asarray(value, np.result_type(x, np.float32)))


threshold.defelementwise(lambda v, out, x, threshold, value: where(x > threshold, v, 0.0))


@primitive(name="prelu", saves=("inputs",),
           examples=binary(nonzero(), uniform(0.05, 0.5), scalar=0.25))
def prelu(x, weight):
    """x for x > 0, weight · x otherwise (weight broadcast); ∂/∂x = 1 or weight,
    ∂/∂weight = 0 or x. At x = 0 PyTorch's backward takes the slope weight and its forward
    mode the slope 1; both are followed."""
    return np.where(x > 0, x, weight * x)


prelu.defvjp(lambda g, out, x, weight: where(x > 0, g, g * weight),
             lambda g, out, x, weight: where(x > 0, 0.0, g * x))
prelu.defjvp(lambda t, out, x, weight: where(x >= 0, t, t * weight),
             lambda t, out, x, weight: where(x > 0, 0.0, t * x))
