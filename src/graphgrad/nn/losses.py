"""Loss functions (PyTorch's names and semantics), numerically stable for extreme inputs.

001's table: the output layer and the loss follow the target's distribution —

    Bernoulli   · sigmoid  · binary cross-entropy     (binary_cross_entropy_with_logits)
    Categorical · softmax  · cross-entropy            (cross_entropy)
    Gaussian    · identity · squared error            (mse_loss)

Every loss takes ``reduction='mean' | 'sum' | 'none'``. The cross-entropies work on logits in
one fused node (log-sum-exp inside, gradient softmax − target), so logits of ±10⁴ are fine.
"""
import math

import numpy as np

from .. import ops
from ..errors import ShapeError, warn
from ..grad_fn_names import as_torch
from ..ops import losses as fused
from ..ops.activations import softplus_neg
from ..ops.reduce import cumsum
from ..tensor import Tensor

_LN2 = math.log(2.0)


def _raw(x):
    return x.array if isinstance(x, Tensor) else np.asarray(x)


def _scale(reduction, count, who):
    """The static scale of a fused loss: 1/count for 'mean', 1 for 'sum', None for 'none'."""
    if reduction == "mean":
        return 1.0 / float(count) if count else float("nan")
    if reduction == "sum":
        return 1.0
    if reduction == "none":
        return None
    raise ValueError(f"{who}: reduction must be 'mean', 'sum' or 'none', not {reduction!r}")


def _reduce(loss, reduction, who, weight=None, by_weight=False):
    """loss (times an elementwise weight) reduced: mean, sum or as it is. by_weight: 'mean'
    is the weighted average Σ w ℓ / Σ w (PyTorch's mse_loss and l1_loss)."""
    scale = _scale(reduction, 1, who)
    if weight is not None:
        _same_shape(loss, weight, f"{who} (weight)")
        loss = loss * weight
        if by_weight and reduction == "mean":
            return ops.sum(loss) / ops.sum(weight)
    if scale is None:
        return loss
    return ops.mean(loss) if reduction == "mean" else ops.sum(loss)


def _broadcast_warning(input, target, who):
    """PyTorch's warning where a regression loss broadcasts a target of another shape (an
    (N, 1) output against an (N,) target gives an N × N loss, rarely what was meant); shapes
    that do not broadcast are an error naming the loss."""
    if np.shape(input) != np.shape(target):
        try:
            np.broadcast_shapes(np.shape(input), np.shape(target))
        except ValueError:
            raise ShapeError(f"{who}: input of shape {tuple(np.shape(input))} and target of "
                             f"shape {tuple(np.shape(target))} do not broadcast") from None
        warn(f"Using a target size (Size({list(np.shape(target))})) that is different to the "
             f"input size (Size({list(np.shape(input))})). This will likely lead to incorrect "
             f"results due to broadcasting. Please ensure they have the same size.")


def _same_shape(input, target, who):
    if np.shape(input) != np.shape(target):
        raise ShapeError(f"{who}: input of shape {tuple(np.shape(input))} and target of shape "
                         f"{tuple(np.shape(target))} differ; reshape one of them (broadcasting "
                         "here is almost always a bug)")


def _float_target(target, input):
    """A target as a float of the input's dtype (kept as is when it is a float Tensor)."""
    if isinstance(target, Tensor) and target.dtype.kind == "f":
        return target
    return _raw(target).astype(_raw(input).dtype, copy=False)


# ------------------------------------------------------------------------------ regression
@as_torch("MseLossBackward0")
def mse_loss(input, target, reduction="mean", weight=None):
    """(x − y)², the squared error of a Gaussian output (001). weight: one per element
    ('mean' is then Σ w (x − y)² / Σ w, as PyTorch)."""
    _broadcast_warning(input, target, "mse_loss")
    diff = input - target
    return _reduce(diff * diff, reduction, "mse_loss", weight, by_weight=True)


def l1_loss(input, target, reduction="mean", weight=None):
    """|x − y| (mean absolute error: robust to outliers)."""
    _broadcast_warning(input, target, "l1_loss")
    return _reduce(ops.abs(input - target), reduction, "l1_loss", weight, by_weight=True)


@as_torch("HuberLossBackward0")
def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """½ d² for |d| < δ, δ (|d| − ½ δ) otherwise (d = x − y): squared near 0, absolute far."""
    _broadcast_warning(input, target, "huber_loss")
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    diff = input - target
    size = ops.abs(diff)
    loss = ops.where(_raw(size) < delta, 0.5 * diff * diff, delta * (size - 0.5 * delta))
    return _reduce(loss, reduction, "huber_loss", weight)


@as_torch("SmoothL1LossBackward0")
def smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    """Huber loss divided by β: ½ d²/β for |d| < β, |d| − ½ β otherwise (l1 for β = 0)."""
    if beta == 0:
        return l1_loss(input, target, reduction)
    return huber_loss(input, target, reduction, beta) / beta


def log_cosh_loss(input, target, reduction="mean"):
    """log cosh(x − y) = |d| + log(1 + e^(−2|d|)) − log 2, stable for any d (squared near 0,
    absolute far away; its gradient is tanh(d))."""
    _same_shape(input, target, "log_cosh_loss")
    size = ops.abs(input - target)
    loss = size + softplus_neg(2 * size) - _LN2
    return _reduce(loss, reduction, "log_cosh_loss")


# ------------------------------------------------------------------------------ binary
@as_torch("BinaryCrossEntropyBackward0")
def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """−w (y log p + (1 − y) log(1 − p)) for probabilities p (logs clamped at −100, as
    PyTorch). Prefer binary_cross_entropy_with_logits: it never needs the clamp."""
    _same_shape(input, target, "binary_cross_entropy")
    p = _raw(input)
    if p.size and (p.min() < 0 or p.max() > 1):
        raise ValueError("binary_cross_entropy: every input must be a probability in [0, 1]; "
                         "pass logits to binary_cross_entropy_with_logits instead")
    loss = fused.binary_cross_entropy(input, _float_target(target, input))
    return _reduce(loss, reduction, "binary_cross_entropy", weight)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean",
                                     pos_weight=None):
    """−w (w₊ y log σ(z) + (1 − y) log(1 − σ(z))) from logits z, in one stable node; pos_weight
    w₊ weighs the positive class (broadcast along the last axis)."""
    _same_shape(input, target, "binary_cross_entropy_with_logits")
    target = _float_target(target, input)
    if weight is None:
        scale = _scale(reduction, np.size(_raw(input)), "binary_cross_entropy_with_logits")
        return fused.binary_cross_entropy_with_logits(input, target, pos_weight, scale=scale)
    loss = fused.binary_cross_entropy_with_logits(input, target, pos_weight, scale=None)
    return _reduce(loss, reduction, "binary_cross_entropy_with_logits", weight)


def hinge_loss(input, target, margin=1.0, reduction="mean"):
    """max(0, margin − y s) for scores s and labels y ∈ {−1, +1} (the SVM loss; margin=0 gives
    the perceptron criterion, whose SGD steps are the perceptron rule)."""
    _same_shape(input, target, "hinge_loss")
    labels = _raw(target)
    if not np.all((labels == 1) | (labels == -1)):
        raise ValueError("hinge_loss: targets must be −1 or +1 (map {0, 1} labels with 2y − 1)")
    return _reduce(ops.relu(margin - labels.astype(_raw(input).dtype) * input), reduction,
                   "hinge_loss")


# ------------------------------------------------------------------------------ categorical
def _classes_last(input):
    """(N, C, d1, ...) → (N, d1, ..., C): the fused primitives take classes on the last axis."""
    ndim = input.ndim if isinstance(input, Tensor) else np.ndim(input)
    return input if ndim <= 2 else ops.permute(input, 0, *range(2, ndim), 1)


def _class_indices(target, logits, ignore_index, who):
    """Integer targets checked against the logits: shape and range (ignore_index allowed)."""
    labels = _raw(target)
    if np.shape(logits)[:-1] != labels.shape:
        raise ShapeError(f"{who}: class-index targets of shape {labels.shape} do not fit input "
                         f"of shape {tuple(np.shape(logits))} (classes on axis 1)")
    valid = labels != ignore_index
    classes = np.shape(logits)[-1]
    if np.any(valid & ((labels < 0) | (labels >= classes))):
        bad = labels[valid & ((labels < 0) | (labels >= classes))]
        raise IndexError(f"{who}: target {bad[0]} is not a class index in [0, {classes}) "
                         f"(and not ignore_index={ignore_index})")
    return labels, valid


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    """−Σ_c q_c log softmax(z)_c from logits z (classes on axis 1, as PyTorch).

    target: class indices (integers, shape of input without axis 1) or class probabilities
    (floats, input's shape). label_smoothing ε mixes q with the uniform distribution:
    (1 − ε) q + ε/C. weight: per-class weights (with class indices, 'mean' divides by the total
    weight of the counted samples). Samples whose index is ignore_index do not count."""
    if not 0 <= label_smoothing <= 1:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    logits = _classes_last(input)
    labels = _raw(target)
    if labels.dtype.kind == "f":
        _same_shape(input, target, "cross_entropy (class probabilities)")
        q = _smoothed(_classes_last(target), label_smoothing, weight)
        rows = labels.size // max(np.shape(logits)[-1], 1)
        return fused.soft_cross_entropy(logits, q, scale=_scale(reduction, rows, "cross_entropy"))
    if (weight is None and not label_smoothing and labels.shape == logits.shape[:-1]
            and labels.size and labels.min() >= 0
            and (ignore_index < 0 or not np.any(labels == ignore_index))):
        try:        # the common case: one fused node, gradient softmax − e_y
            return fused.cross_entropy(logits, labels, scale=_scale(reduction, labels.size,
                                                                "cross_entropy"))
        except IndexError:
            pass    # out-of-range labels: _class_indices below says which
    labels, valid = _class_indices(labels, logits, ignore_index, "cross_entropy")
    hot = fused.one_hot_like(np.where(valid, labels, 0), _raw(logits))
    q = _smoothed(hot, label_smoothing, weight) * valid[..., None]
    counted = valid.sum() if weight is None else _raw(weight)[labels[valid]].sum()
    return fused.soft_cross_entropy(logits, q, scale=_scale(reduction, counted, "cross_entropy"))


def _smoothed(q, label_smoothing, weight):
    """w ⊙ ((1 − ε) q + ε/C): the target distribution the cross-entropy is taken against."""
    if label_smoothing:
        q = q * (1 - label_smoothing) + label_smoothing / q.shape[-1]
    return q if weight is None else q * _raw(weight)


@as_torch("NllLossBackward0")
def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """−w_y log p_y from log-probabilities (classes on axis 1): cross_entropy after
    log_softmax."""
    log_p = _classes_last(input)
    labels, valid = _class_indices(target, log_p, ignore_index, "nll_loss")
    safe = np.where(valid, labels, 0)
    weights = valid * (1.0 if weight is None else _raw(weight)[safe])
    coefficient = weights.astype(_raw(log_p).dtype)
    loss = -ops.take_along_axis(log_p, safe[..., None], axis=-1)[..., 0] * coefficient
    if reduction == "mean":
        return ops.sum(loss) * _scale("mean", weights.sum(), "nll_loss")
    return _reduce(loss, reduction, "nll_loss")


def kl_div(input, target, reduction="mean", log_target=False):
    """KL(q ‖ p) terms q (log q − log p) with input = log p and target = q (or log q when
    log_target); reduction='batchmean' divides the sum by the batch size (the true KL)."""
    if log_target:
        loss = ops.exp(target) * (target - input)
    else:
        positive = _raw(target) > 0
        log_q = ops.log(ops.where(positive, target, 1.0))
        loss = ops.where(positive, target * log_q, 0.0) - target * input
    if reduction == "batchmean":
        batch = np.shape(input)[0] if np.ndim(input) else 1
        return ops.sum(loss) / batch
    return _reduce(loss, reduction, "kl_div")


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, reduction="mean"):
    """Multi-class hinge: Σ_{c ≠ y} max(0, margin − s_y + s_c)^p / C per sample (p = 1 or 2),
    as PyTorch (weight[y] scales a sample's terms)."""
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: p must be 1 or 2, got {p}")
    scores = input if np.ndim(input) == 2 else ops.reshape(input, 1, -1)
    labels, _ = _class_indices(np.reshape(_raw(target), -1), scores, None, "multi_margin_loss")
    classes = np.shape(scores)[1]
    own = ops.take_along_axis(scores, labels[:, None], axis=1)
    terms = ops.relu(margin - own + scores)
    terms = terms * terms if p == 2 else terms
    others = np.arange(classes) != labels[:, None]
    factor = others if weight is None else others * _raw(weight)[labels][:, None]
    terms = terms * factor.astype(_raw(scores).dtype)
    if reduction == "none":
        per_sample = ops.sum(terms, axis=1) / classes
        return per_sample if np.ndim(input) == 2 else ops.reshape(per_sample, ())
    reduced = _reduce(terms, reduction, "multi_margin_loss")
    return reduced if reduction == "mean" else reduced / classes


multiclass_hinge_loss = multi_margin_loss


# ------------------------------------------------------------------------------ distributions
def wasserstein_1d(u_values, v_values, u_weights=None, v_weights=None):
    """Earth mover's distance between two 1-D empirical distributions (001):
    W₁ = ∫ |F_u(t) − F_v(t)| dt, with F the (weighted) empirical CDFs.

    Differentiable in the values (and the weights); matches scipy.stats.wasserstein_distance."""
    u, v = _sample_values(u_values, "u_values"), _sample_values(v_values, "v_values")
    both = ops.concatenate([u, v])
    order = np.argsort(_raw(both), kind="stable")
    ordered = both[order]
    widths = ordered[1:] - ordered[:-1]
    points = _raw(ordered)[:-1]
    gap = _empirical_cdf(u, u_weights, points) - _empirical_cdf(v, v_weights, points)
    return ops.sum(ops.abs(gap) * widths)


def _sample_values(values, name):
    if np.ndim(values) != 1 or np.size(values) == 0:
        raise ShapeError(f"wasserstein_1d: {name} must be a non-empty 1-D array, got shape "
                         f"{tuple(np.shape(values))}")
    return values


def _empirical_cdf(values, weights, points):
    """F(t) = Σ_{x_i ≤ t} w_i / Σ w_i at each of the sorted points."""
    order = np.argsort(_raw(values), kind="stable")
    counts = np.searchsorted(_raw(values)[order], points, side="right")
    if weights is None:
        return (counts / len(order)).astype(_raw(values).dtype)
    if np.shape(weights) != np.shape(values) or np.any(_raw(weights) < 0):
        raise ValueError("wasserstein_1d: weights must be non-negative, one per value")
    weights = weights if isinstance(weights, Tensor) else np.asarray(weights, np.float64)
    cumulative = ops.concatenate([np.zeros(1, weights.dtype), cumsum(weights[order], axis=0)])
    return cumulative[counts] / cumulative[-1]


# ------------------------------------------------------------------------------ metrics
def _predicted_labels(input, target, threshold):
    scores = _raw(input)
    labels = _raw(target)
    if scores.ndim == labels.ndim + 1:
        return np.argmax(scores, axis=1 if scores.ndim > 1 else 0), labels
    if scores.shape != labels.shape:
        raise ShapeError(f"accuracy: predictions of shape {scores.shape} do not fit targets of "
                         f"shape {labels.shape}")
    return (scores >= threshold if scores.dtype.kind == "f" else scores), labels


def accuracy(input, target, threshold=0.5):
    """Fraction of correct predictions (a metric, outside the graph). input: class scores with
    classes on axis 1 (argmax), or binary probabilities (≥ threshold; pass threshold=0 for
    logits), or predicted labels."""
    predicted, labels = _predicted_labels(input, target, threshold)
    return float(np.mean(predicted == labels)) if labels.size else float("nan")


def zero_one_loss(input, target, reduction="mean", threshold=0.5):
    """003's 0-1 loss Σ_i [ŷ_i ≠ y_i] (misclassification rate for 'mean'; a metric: piecewise
    constant, so it has no useful gradient). Predictions as in accuracy."""
    predicted, labels = _predicted_labels(input, target, threshold)
    wrong = (predicted != labels).astype(np.float64)
    if _scale(reduction, 1, "zero_one_loss") is None:
        return wrong
    return float(wrong.mean() if reduction == "mean" else wrong.sum())


# ------------------------------------------------------------------------------ 000, eq. (9)
def logistic_objective_base2(scores, targets, parameters, sigma):
    """000's eq. (9), with logarithms to base 2 exactly as written:

        (1/|S|) Σ_s (−y_s f_θ(x_s) + log₂(1 + 2^f_θ(x_s))) + log₂(e)/(2σ²) ‖θ‖²

    scores = f_θ(x_s) for any compute graph f, targets y_s ∈ {0, 1}, parameters the tensors θ.
    Relation to the natural-log logistic loss L_e(z) = mean(log(1 + e^z) − y z) + ‖θ‖²/(2σ²):
    eq. (9) at f equals L_e(f · ln 2) / ln 2 — the same minimiser with scores in bits."""
    if sigma <= 0:
        raise ValueError(f"logistic_objective_base2: sigma must be positive, got {sigma}")
    _same_shape(scores, targets, "logistic_objective_base2")
    targets = _float_target(targets, scores)
    log2_term = ops.maximum(scores, 0.0) + ops.log1p(2.0 ** -ops.abs(scores)) / _LN2
    data = ops.mean(log2_term - targets * scores)
    parameters = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    squared = sum(ops.sum(p * p) for p in parameters)
    return data + (1 / _LN2) / (2 * sigma ** 2) * squared
