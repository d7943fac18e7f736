"""Loss primitives, fused with the softmax or sigmoid before them (stable and cheaper):

cross-entropy with logits z and target distribution q (class axis last):
    ℓ = −Σ_c q_c log softmax(z)_c;  ∂ℓ/∂z = softmax(z) Σ_c q_c − q;  ∂ℓ/∂q = −log softmax(z)
binary cross-entropy with logits:
    ℓ = (1 − y) z + (1 + (w₊ − 1) y) softplus(−z);  ∂ℓ/∂z = (1 + (w₊ − 1) y) σ(z) − w₊ y

A loss primitive takes a static ``scale``: None keeps one loss per sample, a number returns
scale · Σ losses (so 'mean' and 'sum' cost no extra node).
"""
import numpy as np

from ..primitives import primitive
from .activations import softplus_neg
from .elementwise import log, log1p, maximum, sigmoid
from .reduce import _SHORT_ROW
from .softmax import _log_softmax, _softmax


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


def one_hot_like(target, like):
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


@primitive(name="cross_entropy", saves=("inputs", "residual"), examples=_ce_cases,
           vjp_text=("{g} ⊙ (softmax({0}) − one-hot labels)", None))
def cross_entropy(logits, target, *, scale):
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
        return _softmax(logits, axis=logits.ndim - 1) - one_hot_like(target, logits)
    if softmax is None:
        s, axis = _shifted_scores(logits)
        p = _normalised_exp(s, axis)[0]
    else:
        p, axis = softmax
        p = p.copy()
    p[_at_targets(axis, target)] -= 1
    return (p.T if axis == 0 else p).reshape(logits.shape)


cross_entropy.defvjp(
    lambda g, softmax, z, y, scale: _ce_direction(z, y, softmax) * _per_loss(g, scale, True),
    None)
cross_entropy.defjvp(
    lambda t, out, z, y, scale: _total((_ce_direction(z, y) * t).sum(axis=-1), scale), None)


def _soft_ce_cases(rng):
    n, u = rng.normal, rng.uniform
    return [((n(size=(4, 3)), u(0, 1, (4, 3))), {"scale": None}),
            ((n(size=(2, 3, 4)), u(0, 1, (2, 3, 4))), {"scale": 0.5})]


@primitive(name="soft_cross_entropy", saves=("inputs",), examples=_soft_ce_cases)
def soft_cross_entropy(logits, target, *, scale):
    """−Σ_c q_c log softmax(z)_c per row (classes on the last axis; q any non-negative weights)."""
    log_p = _log_softmax.primitive.forward(logits, axis=logits.ndim - 1)
    return _reduced(-(target * log_p).sum(axis=-1), scale)


def _soft_ce_direction(logits, target):
    """∂ℓ/∂z = softmax(z) Σ_c q_c − q (= softmax − q for a distribution q)."""
    return _softmax(logits, axis=logits.ndim - 1) * target.sum(axis=-1, keepdims=True) - target


def _neg_log_softmax(logits):
    return -_log_softmax(logits, axis=logits.ndim - 1)


soft_cross_entropy.defvjp(
    lambda g, out, z, q, scale: _soft_ce_direction(z, q) * _per_loss(g, scale, True),
    lambda g, out, z, q, scale: _neg_log_softmax(z) * _per_loss(g, scale, True))
soft_cross_entropy.defjvp(
    lambda t, out, z, q, scale: _total((_soft_ce_direction(z, q) * t).sum(axis=-1), scale),
    lambda t, out, z, q, scale: _total((_neg_log_softmax(z) * t).sum(axis=-1), scale))


def _bce_cases(rng):
    n, u = rng.normal, rng.uniform
    return [((n(size=(4,)) * 3, u(0, 1, 4), None), {"scale": None}),
            ((n(size=(2, 3)), u(0, 1, (2, 3)), u(0.5, 2, 3)), {"scale": 0.5}),
            ((n(size=(2, 3)), u(0, 1, (2, 3)), u(0.5, 2, (2, 3))), {"scale": None})]


@primitive(name="binary_cross_entropy_with_logits", saves=("inputs",), examples=_bce_cases,
           vjp_text=("{g} ⊙ (σ({0}) − labels), weighted", None, None))
def binary_cross_entropy_with_logits(logits, target, pos_weight, *, scale):
    """(1 − y) z + (1 + (w₊ − 1) y) softplus(−z) elementwise (w₊ = 1 when pos_weight is None)."""
    weight = 1 if pos_weight is None else 1 + (pos_weight - 1) * target
    return _reduced((1 - target) * logits + weight * softplus_neg(logits), scale)


def _bce_dlogits(v, logits, target, pos_weight):
    if pos_weight is None:
        return (sigmoid(logits) - target) * v
    return ((1 + (pos_weight - 1) * target) * sigmoid(logits) - pos_weight * target) * v


def _bce_dtarget(v, logits, target, pos_weight):
    if pos_weight is None:
        return -logits * v
    return ((pos_weight - 1) * softplus_neg(logits) - logits) * v


binary_cross_entropy_with_logits.defvjp(
    lambda g, out, z, y, w, scale: _bce_dlogits(_per_loss(g, scale, False), z, y, w),
    lambda g, out, z, y, w, scale: _bce_dtarget(_per_loss(g, scale, False), z, y, w),
    lambda g, out, z, y, w, scale: y * softplus_neg(z) * _per_loss(g, scale, False))
binary_cross_entropy_with_logits.defjvp(
    lambda t, out, z, y, w, scale: _total(_bce_dlogits(t, z, y, w), scale),
    lambda t, out, z, y, w, scale: _total(_bce_dtarget(t, z, y, w), scale),
    lambda t, out, z, y, w, scale: _total(y * softplus_neg(z) * t, scale))


def _bce_prob_cases(rng):
    u = rng.uniform
    return [((u(0.05, 0.95, (2, 3)), u(0, 1, (2, 3))), {}), ((u(0.05, 0.95, 4), u(0, 1, 4)), {})]


@primitive(name="binary_cross_entropy", saves=("inputs",), examples=_bce_prob_cases)
def binary_cross_entropy(p, target):
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


binary_cross_entropy.defelementwise(_bce_prob_dp, _bce_prob_dtarget)
