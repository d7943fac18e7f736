"""Fused primitives for neural networks, stable for extreme inputs and cheaper than their
compositions (the notes' own formulas fuse them).

softmax:     y = e^(x − logsumexp x);  ∂L/∂x = y ⊙ (g − Σ g ⊙ y);   ẏ = y ⊙ (ẋ − Σ ẋ ⊙ y)
log_softmax: y = x − logsumexp x;      ∂L/∂x = g − e^y Σ g;         ẏ = ẋ − Σ e^y ⊙ ẋ
linear:      y = x Wᵀ + b;  ∂L/∂x = g W,  ∂L/∂W = gᵀ x,  ∂L/∂b = Σ_batch g    (001's affine layer)
cross-entropy with logits z and target distribution q (class axis last):
             ℓ = −Σ_c q_c log softmax(z)_c;  ∂ℓ/∂z = softmax(z) Σ_c q_c − q;  ∂ℓ/∂q = −log softmax(z)
binary cross-entropy with logits:
             ℓ = (1 − y) z + (1 + (w₊ − 1) y) softplus(−z);  ∂ℓ/∂z = (1 + (w₊ − 1) y) σ(z) − w₊ y

Loss primitives take a static ``scale``: None keeps one loss per sample, a number returns
scale · Σ losses (so 'mean' and 'sum' cost no extra node).

Activations (softplus, leaky_relu, elu, silu, gelu, the normal CDF Φ, the binary threshold)
are single elementwise nodes with their derivative; cumsum serves the weighted empirical CDFs
of the 1-D Wasserstein distance.
"""
import math

import numpy as np

from ..primitives import primitive
from ._samples import fixed, nonzero, uniform, unary
from .elementwise import exp, log, log1p, maximum, sigmoid, tanh, where
from .reduce import _SHORT_ROW, reduce_kept, sum_kept
from .shape import _axis
from .special import erfc


def _cases():
    def build(shape, scale=1.0):
        return lambda rng: (rng.normal(size=shape) * scale,)
    return fixed((build((2, 3)), {"axis": 1}), (build((2, 3)), {"axis": 0}),
                 (build((4,), 3.0), {"axis": 0}), (build((2, 2, 3)), {"axis": 2}))


@primitive(name="softmax", examples=_cases(), saves=("out",))
def _softmax(x, *, axis):
    """e^x / Σ e^x along an axis."""
    e = np.exp(x - reduce_kept(np.maximum, x, axis))
    e /= reduce_kept(np.add, e, axis)
    return e


_softmax.defvjp(lambda g, out, x, axis: out * (g - sum_kept(g * out, (axis,))))
_softmax.defjvp(lambda t, out, x, axis: out * (t - sum_kept(t * out, (axis,))))


@primitive(name="log_softmax", examples=_cases(), saves=("out",))
def _log_softmax(x, *, axis):
    """x − log Σ e^x along an axis, as (x − m) − log Σ e^(x − m) with m = max x: forming
    x − (m + log Σ …) instead would round m + log Σ … to the precision of m."""
    top = reduce_kept(np.maximum, x, axis)
    shifted = x - np.where(np.isfinite(top), top, 0)
    shifted -= np.log(reduce_kept(np.add, np.exp(shifted), axis))
    return shifted


_log_softmax.defvjp(lambda g, out, x, axis: g - exp(out) * sum_kept(g, (axis,)))
_log_softmax.defjvp(lambda t, out, x, axis: t - sum_kept(exp(out) * t, (axis,)))


def softmax(x, axis=-1, *, dim=None):
    """softmax along an axis (the last by default)."""
    return _softmax(x, axis=_axis(axis if dim is None else dim, np.ndim(x)))


def log_softmax(x, axis=-1, *, dim=None):
    """log softmax along an axis (the last by default), without overflow."""
    return _log_softmax(x, axis=_axis(axis if dim is None else dim, np.ndim(x)))


# ------------------------------------------------------------------------------ linear
def _linear_cases(rng):
    n = rng.normal
    return [((n(size=(4, 3)), n(size=(2, 3)), n(size=(2,))), {}),
            ((n(size=(3,)), n(size=(2, 3)), None), {}),
            ((n(size=(2, 2, 3)), n(size=(4, 3)), n(size=(4,))), {})]


@primitive(name="linear", saves=("inputs",), examples=_linear_cases)
def _linear(x, weight, bias):
    """x Wᵀ + b for x of shape (..., in), W (out, in), b (out,) or None."""
    out = x @ weight.T
    if bias is None:
        return out
    if bias.dtype == out.dtype:
        out += bias
        return out
    return out + bias


# The rules use only operators and methods that ndarrays and Tensors share (@, .T, .sum,
# .reshape): they run at NumPy speed on raw arrays and record themselves on Tensors.
def _rows(v):
    """(..., n) → (batch, n): every leading axis folded into one."""
    return v if v.ndim == 2 else v.reshape(-1, v.shape[-1])


def _linear_dbias(g, out, x, weight, bias):
    if g.ndim == 1:
        return g
    if g.__class__ is np.ndarray:
        return np.add.reduce(_rows(g), axis=0)
    return g.sum(axis=tuple(range(g.ndim - 1)))


def _linear_dweight(g, out, x, weight, bias):
    """∂L/∂W = gᵀ x, laid out in memory like W itself: a column-major W (as nn.Linear keeps it)
    gets the product written into a column-major buffer — one gemm, the one hand-written NumPy
    computes, and a buffer of its own (a transposed view would be copied by the sweep)."""
    g, x = _rows(g), _rows(x)
    if weight.__class__ is np.ndarray and weight.strides[0] < weight.strides[1]:
        return np.matmul(g.T, x, out=np.empty(weight.shape, np.result_type(g, x), order="F"))
    return g.T @ x


_linear.defvjp(lambda g, out, x, weight, bias: g @ weight, _linear_dweight, _linear_dbias)
_linear.defjvp(lambda t, out, x, weight, bias: t @ weight.T,
               lambda t, out, x, weight, bias: x @ t.T,
               lambda t, out, x, weight, bias: t)


# ------------------------------------------------------------------------------ losses
def _reduced(loss, scale):
    """Forward: the losses themselves (scale None) or scale · their sum, as an array."""
    return loss if scale is None else np.asarray(scale * loss.sum())


def _total(terms, scale):
    """Rules: a tangent or gradient summed like the forward (scale · Σ unless scale is None)."""
    return terms if scale is None else terms.sum() * scale


def _per_loss(g, scale, row):
    """∂L/∂(each loss): g itself, or g · scale broadcast; `row` adds the class axis."""
    if scale is not None:
        return g * scale
    return g[..., None] if row else g


def _one_hot(target, like):
    """Indicator rows e_y with the dtype of `like` (a constant: targets are not differentiated)."""
    hot = np.zeros(like.shape, like.dtype)
    hot.reshape(-1, hot.shape[-1])[np.arange(target.size), target.reshape(-1)] = 1
    return hot


def _shifted_scores(logits):
    """(s, axis): s = z − max_c z for every sample, a new 2-D array with the classes along
    `axis`. For few classes that is the transpose (classes along axis 0), which the reductions
    over classes run down in vectorised passes (see reduce_kept: a (128, 10) max takes ~6.6 µs
    along the rows, ~2 µs down the transpose with the copy)."""
    rows = logits.reshape(-1, logits.shape[-1])
    if rows.shape[1] > _SHORT_ROW:
        return rows - np.maximum.reduce(rows, axis=1, keepdims=True), 1
    s = np.array(rows.T, order="C")
    s -= np.maximum.reduce(s, axis=0)
    return s, 0


def _at_targets(axis, target):
    """The index of each sample's target class in a layout of _shifted_scores."""
    samples = np.arange(target.size)
    return (target.reshape(-1), samples) if axis == 0 else (samples, target.reshape(-1))


def _ce_cases(rng):
    n = rng.normal
    return [((n(size=(4, 3)), rng.integers(0, 3, 4)), {"scale": None}),
            ((n(size=(4, 3)), rng.integers(0, 3, 4)), {"scale": 0.25}),
            ((n(size=(2, 3, 4)), rng.integers(0, 4, (2, 3))), {"scale": 1.0}),
            ((n(size=(3,)), np.array(1)), {"scale": None}),
            ((n(size=(3, 40)), rng.integers(0, 40, 3)), {"scale": 0.5})]


@primitive(name="cross_entropy", saves=("inputs", "residual"), examples=_ce_cases)
def _cross_entropy(logits, target, *, scale):
    """−log softmax(z)_y = log Σ_c e^(z_c − m) − (z_y − m) per sample (m = max z; classes on
    the last axis; y integer). Residual: softmax(z), which the backward needs."""
    s, axis = _shifted_scores(logits)
    loss = -s[_at_targets(axis, target)]
    p, total = _normalised_exp(s, axis)
    loss += np.log(total).reshape(-1)
    return _reduced(loss.reshape(target.shape), scale), (p, axis)


def _normalised_exp(s, axis):
    """(softmax, Σ e^s): s exponentiated and normalised in place along the class axis."""
    p = np.exp(s, out=s)
    total = np.add.reduce(p, axis=axis, keepdims=True)
    p /= total
    return p, total


def _ce_direction(logits, target, softmax=None):
    """∂ℓ/∂z = softmax(z) − e_y; on raw arrays from the forward's residual (softmax, layout)
    when given, in a handful of NumPy calls."""
    if logits.__class__ is not np.ndarray:
        return _softmax(logits, axis=logits.ndim - 1) - _one_hot(target, logits)
    if softmax is None:
        s, axis = _shifted_scores(logits)
        p = _normalised_exp(s, axis)[0]
    else:
        p, axis = softmax
        p = p.copy()
    p[_at_targets(axis, target)] -= 1
    return (p.T if axis == 0 else p).reshape(logits.shape)


_cross_entropy.defvjp(
    lambda g, softmax, z, y, scale: _ce_direction(z, y, softmax) * _per_loss(g, scale, True),
    None)
_cross_entropy.defjvp(
    lambda t, out, z, y, scale: _total((_ce_direction(z, y) * t).sum(axis=-1), scale), None)


def _soft_ce_cases(rng):
    n, u = rng.normal, rng.uniform
    return [((n(size=(4, 3)), u(0, 1, (4, 3))), {"scale": None}),
            ((n(size=(2, 3, 4)), u(0, 1, (2, 3, 4))), {"scale": 0.5})]


@primitive(name="soft_cross_entropy", saves=("inputs",), examples=_soft_ce_cases)
def _soft_cross_entropy(logits, target, *, scale):
    """−Σ_c q_c log softmax(z)_c per row (classes on the last axis; q any non-negative weights)."""
    log_p = _log_softmax.primitive.forward(logits, axis=logits.ndim - 1)
    return _reduced(-(target * log_p).sum(axis=-1), scale)


def _soft_ce_direction(logits, target):
    """∂ℓ/∂z = softmax(z) Σ_c q_c − q (= softmax − q for a distribution q)."""
    return _softmax(logits, axis=logits.ndim - 1) * target.sum(axis=-1, keepdims=True) - target


def _neg_log_softmax(logits):
    return -_log_softmax(logits, axis=logits.ndim - 1)


_soft_cross_entropy.defvjp(
    lambda g, out, z, q, scale: _soft_ce_direction(z, q) * _per_loss(g, scale, True),
    lambda g, out, z, q, scale: _neg_log_softmax(z) * _per_loss(g, scale, True))
_soft_cross_entropy.defjvp(
    lambda t, out, z, q, scale: _total((_soft_ce_direction(z, q) * t).sum(axis=-1), scale),
    lambda t, out, z, q, scale: _total((_neg_log_softmax(z) * t).sum(axis=-1), scale))


def _bce_cases(rng):
    n, u = rng.normal, rng.uniform
    return [((n(size=(4,)) * 3, u(0, 1, 4), None), {"scale": None}),
            ((n(size=(2, 3)), u(0, 1, (2, 3)), u(0.5, 2, 3)), {"scale": 0.5}),
            ((n(size=(2, 3)), u(0, 1, (2, 3)), u(0.5, 2, (2, 3))), {"scale": None})]


def _softplus_neg(z):
    """softplus(−z) = −log σ(z), exact for any z."""
    return _softplus(-z, beta=1.0, threshold=np.inf)


@primitive(name="binary_cross_entropy_with_logits", saves=("inputs",), examples=_bce_cases)
def _bce_with_logits(logits, target, pos_weight, *, scale):
    """(1 − y) z + (1 + (w₊ − 1) y) softplus(−z) elementwise (w₊ = 1 when pos_weight is None)."""
    softplus_neg = _softplus_neg(logits)
    weight = 1 if pos_weight is None else 1 + (pos_weight - 1) * target
    return _reduced((1 - target) * logits + weight * softplus_neg, scale)


def _bce_dlogits(v, logits, target, pos_weight):
    if pos_weight is None:
        return (sigmoid(logits) - target) * v
    return ((1 + (pos_weight - 1) * target) * sigmoid(logits) - pos_weight * target) * v


def _bce_dtarget(v, logits, target, pos_weight):
    if pos_weight is None:
        return -logits * v
    return ((pos_weight - 1) * _softplus_neg(logits) - logits) * v


_bce_with_logits.defvjp(
    lambda g, out, z, y, w, scale: _bce_dlogits(_per_loss(g, scale, False), z, y, w),
    lambda g, out, z, y, w, scale: _bce_dtarget(_per_loss(g, scale, False), z, y, w),
    lambda g, out, z, y, w, scale: y * _softplus_neg(z) * _per_loss(g, scale, False))
_bce_with_logits.defjvp(
    lambda t, out, z, y, w, scale: _total(_bce_dlogits(t, z, y, w), scale),
    lambda t, out, z, y, w, scale: _total(_bce_dtarget(t, z, y, w), scale),
    lambda t, out, z, y, w, scale: _total(y * _softplus_neg(z) * t, scale))


def _bce_prob_cases(rng):
    u = rng.uniform
    return [((u(0.05, 0.95, (2, 3)), u(0, 1, (2, 3))), {}), ((u(0.05, 0.95, 4), u(0, 1, 4)), {})]


@primitive(name="binary_cross_entropy", saves=("inputs",), examples=_bce_prob_cases)
def _binary_cross_entropy(p, target):
    """−(y log p + (1 − y) log(1 − p)) elementwise, each log clamped at −100 (as PyTorch)."""
    with np.errstate(divide="ignore"):
        log_p, log_q = np.maximum(np.log(p), -100), np.maximum(np.log1p(-p), -100)
    return -(target * log_p + (1 - target) * log_q)


# PyTorch's guard, which keeps the gradient at p ∈ {0, 1} finite: 10⁻¹² as a float32 constant.
_BCE_EPSILON = float(np.float32(1e-12))


def _bce_prob_dp(v, out, p, target):
    """(p − y) / max(p (1 − p), ε)."""
    return v * (p - target) / maximum(p * (1 - p), _BCE_EPSILON)


def _bce_prob_dtarget(v, out, p, target):
    return v * (maximum(log1p(-p), -100.0) - maximum(log(p), -100.0))


_binary_cross_entropy.defelementwise(_bce_prob_dp, _bce_prob_dtarget)


# ------------------------------------------------------------------------------ activations
@primitive(name="softplus", saves=("inputs",), examples=unary(uniform(-30, 30), beta=1.0, threshold=20.0))
def _softplus(x, *, beta, threshold):
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


_softplus.defelementwise(_softplus_rule)


@primitive(name="leaky_relu", saves=("inputs",), examples=unary(nonzero(), negative_slope=0.1))
def _leaky_relu(x, *, negative_slope):
    """x for x > 0, negative_slope · x otherwise."""
    return np.where(x > 0, x, x * negative_slope)


_leaky_relu.defelementwise(lambda v, out, x, negative_slope:
                           where(x > 0, v, v * negative_slope))


@primitive(name="elu", examples=unary(nonzero(), alpha=1.3))
def _elu(x, *, alpha):
    """x for x > 0, α (e^x − 1) otherwise; ∂/∂x = 1 or y + α."""
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


_elu.defelementwise(lambda v, out, x, alpha: where(x > 0, v, v * (out + alpha)))


@primitive(name="silu", saves=("inputs",), examples=unary(uniform(-6, 6)))
def _silu(x):
    """x σ(x) (Swish); ∂/∂x = σ(x) (1 + x (1 − σ(x)))."""
    return x * sigmoid(x)


def _silu_rule(v, out, x):
    s = sigmoid(x)
    return v * (s * (1 + x * (1 - s)))


_silu.defelementwise(_silu_rule)

_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)


@primitive(name="normal_cdf", saves=("inputs",), examples=unary(uniform(-6, 6)))
def _normal_cdf(x):
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


_normal_cdf.defelementwise(lambda v, out, x: v * _normal_pdf(x))


@primitive(name="gelu", saves=("inputs", "residual"), examples=fixed(
    (lambda r: (r.uniform(-5, 5, (2, 3)),), {"approximate": "none"}),
    (lambda r: (r.uniform(-5, 5, 4),), {"approximate": "tanh"})))
def _gelu(x, *, approximate):
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
    return v * ((_normal_cdf(x) if cdf is None else cdf) + x * _normal_pdf(x))


# forward mode gets the output, not the residual: it evaluates Φ itself
_gelu.defelementwise(lambda v, out, x, approximate: _gelu_rule(v, x, approximate))
_gelu.defvjp(lambda g, cdf, x, approximate: _gelu_rule(g, x, approximate, cdf))


@primitive(name="binary_threshold", saves=(), examples=unary(nonzero(), threshold=0.0))
def _binary_threshold(x, *, threshold):
    """1 where x ≥ threshold, else 0 (003's McCulloch-Pitts unit). Piecewise constant: its
    derivative is zero wherever it exists, so no gradient flows back through it."""
    return (x >= threshold).astype(np.result_type(x, np.float32))


_binary_threshold.defelementwise(None)


# ------------------------------------------------------------------------------ cumulative sum
@primitive(name="cumsum", saves=(), examples=fixed((lambda r: (r.normal(size=(2, 3)),), {"axis": 1}),
                                         (lambda r: (r.normal(size=(4,)),), {"axis": 0})))
def _cumsum(x, *, axis):
    """Running sums along an axis; its adjoint is the running sum taken from the other end."""
    return np.cumsum(x, axis=axis)


def _reverse(v, axis):
    return v[(slice(None),) * axis + (slice(None, None, -1),)]


_cumsum.defvjp(lambda g, out, x, axis: _reverse(_cumsum(_reverse(g, axis), axis=axis), axis))
_cumsum.defjvp(lambda t, out, x, axis: _cumsum(t, axis=axis))
