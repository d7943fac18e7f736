"""Activation functions φ (001, 003 §2.2–2.4) with torch.nn.functional's names and signatures;
the modules are in activation_modules.py.

Elementwise: sigmoid, tanh, relu, relu6, leaky_relu, rrelu, prelu, elu, selu, celu, silu (Swish),
gelu, mish, softplus, softsign, log_sigmoid, hardtanh, hardsigmoid, hardswish, the shrinkages
(hardshrink, softshrink, tanhshrink), threshold, the binary threshold unit and the stochastic
binary neuron; each is one primitive of ops.activations (or of ops.elementwise). Not
elementwise: softmax, log_softmax and softmin over an axis, with a temperature T for the first
two (003 §2.4.6: S(η/T) is flatter for large T and spikier for small T), and glu.

The ``inplace`` flags PyTorch's functions take are accepted and ignored: graphgrad never
overwrites a tensor the graph may still need.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import ops
from ..grad_fn_names import as_torch
from ..ops import activations as act
from ..ops.elementwise import astype
from ..random import numpy_generator
from ..tensor import Tensor

sigmoid = ops.sigmoid
tanh = ops.tanh


def relu(input, inplace=False):
    """max(x, 0) (003 §2.4.9)."""
    return ops.relu(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x for x > 0, negative_slope · x otherwise (001 uses slope 0.1)."""
    return act.leaky_relu(input, negative_slope=float(negative_slope))


def elu(input, alpha=1.0, inplace=False):
    """x for x > 0, α (eˣ − 1) otherwise (001)."""
    return act.elu(input, alpha=float(alpha))


def silu(input, inplace=False):
    """x · σ(x), the Swish activation of 001."""
    return act.silu(input)


swish = silu


def _check_approximate(approximate):
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', not {approximate!r}")
    return approximate


def gelu(input, approximate="none"):
    """x Φ(x) with Φ the standard normal CDF; approximate='tanh' uses PyTorch's tanh formula."""
    return act.gelu(input, approximate=_check_approximate(approximate))


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + e^(βx)) / β, a smooth ReLU; exactly x where βx > threshold (as PyTorch)."""
    return act.softplus(input, beta=float(beta), threshold=float(threshold))


def relu6(input, inplace=False):
    """min(max(x, 0), 6): hardtanh(x, 0, 6), as PyTorch computes it."""
    return act.hardtanh(input, min_val=0.0, max_val=6.0)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """x clipped to [min_val, max_val]; the gradient is 1 strictly inside, 0 elsewhere."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val cannot be greater than max_val, got min_val="
                         f"{min_val} and max_val={max_val}")
    return act.hardtanh(input, min_val=float(min_val), max_val=float(max_val))


def hardsigmoid(input, inplace=False):
    """min(max(x + 3, 0), 6) / 6, a piecewise-linear σ."""
    return act.hardsigmoid(input)


def hardswish(input, inplace=False):
    """x · hardsigmoid(x) (Howard et al., 2019)."""
    return act.hardswish(input)


def mish(input, inplace=False):
    """x · tanh(softplus(x)) (Misra, 2019)."""
    return act.mish(input)


def selu(input, inplace=False):
    """λ · elu(x, α) with λ ≈ 1.0507 and α ≈ 1.6733, the self-normalising constants."""
    return act.selu(input)


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, α (e^(x/α) − 1))."""
    if alpha == 0:
        raise RuntimeError("celu: alpha cannot be 0 (it divides x)")
    return act.celu(input, alpha=float(alpha))


def softsign(input):
    """x / (1 + |x|)."""
    return act.softsign(input)


def tanhshrink(input):
    """x − tanh x."""
    return act.tanhshrink(input)


def hardshrink(input, lambd=0.5):
    """x where |x| > λ, else 0."""
    return act.hardshrink(input, lambd=float(lambd))


def softshrink(input, lambd=0.5):
    """x − λ above λ, x + λ below −λ, 0 between (the proximal map of λ|x|)."""
    if lambd < 0:
        raise RuntimeError(f"softshrink: lambda must be greater or equal to 0, but found to be "
                           f"{lambd}")
    return act.softshrink(input, lambd=float(lambd))


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, else value."""
    return act.threshold(input, threshold=float(threshold), value=float(value))


def prelu(input, weight):
    """x for x > 0, a · x otherwise, with learnt slopes a: one for every element (a weight of
    one element) or one per channel, axis 1 of the input (1-D input has one channel)."""
    weight_shape, shape = tuple(np.shape(weight)), tuple(np.shape(input))
    if len(weight_shape) > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {len(weight_shape)}")
    count = int(np.prod(weight_shape))
    channels = shape[1] if len(shape) > 1 else 1
    if count != 1 and count != channels:
        raise RuntimeError(f"prelu: Mismatch of parameter numbers and input channel size. Found "
                           f"parameter numbers = {count} and channel size = {channels}.")
    if weight_shape and count == 1:
        weight = ops.reshape(weight, ())
    elif count != 1 and len(shape) > 2:
        weight = ops.reshape(weight, (count,) + (1,) * (len(shape) - 2))
    return act.prelu(input, weight)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False, *,
          generator=None):
    """Randomised leaky ReLU (Xu et al., 2015): while training, x · a for x ≤ 0 with a drawn
    from U(lower, upper) for each element (from `generator`: a seed, gg.Generator or None for
    the global one), and the gradient a there; in evaluation leaky_relu with the mean slope
    (lower + upper) / 2."""
    if lower > upper:
        raise RuntimeError(f"rrelu: Lower bound should be less than or equal to the upper bound "
                           f"(got lower={lower}, upper={upper})")
    if not training:
        return act.leaky_relu(input, negative_slope=(lower + upper) / 2)
    x = input.array if isinstance(input, Tensor) else np.asarray(input)
    slopes = numpy_generator(generator).uniform(lower, upper, x.shape)
    noise = np.where(x <= 0, slopes, 1.0).astype(np.result_type(x, np.float32))
    return input * noise


@as_torch("LogSigmoidBackward0")
def log_sigmoid(input):
    """log σ(x) = −softplus(−x), finite for any x."""
    return -act.softplus_neg(input)


logsigmoid = log_sigmoid


def _check_temperature(temperature):
    if not temperature > 0:
        raise ValueError(f"softmax: the temperature must be positive, got {temperature}")
    return temperature


def _tempered(input, temperature):
    return input if _check_temperature(temperature) == 1 else input / temperature


def _cast(input, dtype):
    """input converted to dtype first (PyTorch's dtype= of softmax and friends)."""
    return input if dtype is None else astype(input, dtype=np.dtype(dtype))


def _implicit_dim(input, dim, name, stacklevel):
    """dim, or without one PyTorch's deprecated implicit choice (with its warning): axis 0 for
    0-, 1- and 3-D input, else axis 1."""
    if dim is not None:
        return dim
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  f"to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if np.ndim(input) in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None, *, temperature=1.0, axis=None):
    """S(x/T)_c = e^(x_c/T) / Σ_c' e^(x_c'/T) along dim (PyTorch's implicit choice without
    one); temperature T is graphgrad's (003 §2.4.6)."""
    dim = _implicit_dim(input, dim if axis is None else axis, "softmax", _stacklevel)
    return ops.softmax(_tempered(_cast(input, dtype), temperature), dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None, *, temperature=1.0, axis=None):
    """log S(x/T), computed without overflow."""
    dim = _implicit_dim(input, dim if axis is None else axis, "log_softmax", _stacklevel)
    return ops.log_softmax(_tempered(_cast(input, dtype), temperature), dim)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(−x) along `dim` (PyTorch's implicit choice without one)."""
    return ops.softmax(-_cast(input, dtype), _implicit_dim(input, dim, "softmin", _stacklevel))


@as_torch("GluBackward0")
def glu(input, dim=-1):
    """The gated linear unit a ⊙ σ(b), a and b the two halves of input along `dim`."""
    shape = tuple(np.shape(input))
    if not shape:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    if not -len(shape) <= dim < len(shape):
        raise IndexError(f"glu: Dimension out of range (expected to be in range of "
                         f"[{-len(shape)}, {len(shape) - 1}], but got {dim})")
    dim %= len(shape)
    if shape[dim] % 2:
        raise RuntimeError(f"glu: Halving dimension must be even, but dimension {dim} is size "
                           f"{shape[dim]}")
    half, before = shape[dim] // 2, (slice(None),) * dim
    return input[before + (slice(0, half),)] * ops.sigmoid(input[before + (slice(half, None),)])


def binary_threshold(input, threshold=0.0):
    """003 §2.4.1: φ(s) = 1 if s ≥ threshold else 0 (the McCulloch-Pitts neuron).

    The function is flat wherever it is differentiable, so its gradient is zero: no gradient
    flows back through it (train such units with the perceptron rule, or a smooth surrogate)."""
    return act.binary_threshold(input, threshold=float(threshold))


def stochastic_binary(input, generator=None, straight_through=False):
    """003 §2.2.3: 1 with probability σ(s), else 0, sampled with `generator` (a seed,
    gg.Generator or None for the global one).

    Sampling has zero gradient. With straight_through=True the backward pass instead uses the
    derivative of the mean σ(s) (the sigmoid straight-through estimator of Bengio et al., 2013):
    the forward value is still the 0/1 sample, ∂L/∂s = ∂L/∂y · σ(s)(1 − σ(s))."""
    p = ops.sigmoid(input)
    uniform = 1.0 - numpy_generator(generator).random(p.shape)     # in (0, 1]: P(u ≤ p) = p
    sample = act.binary_threshold(p - uniform.astype(p.dtype), threshold=0.0)
    if not (straight_through and isinstance(p, Tensor)):
        return sample
    return p + (sample.detach() - p.detach())    # = the sample exactly, with σ's gradient
