"""Activation functions φ (001, 003 §2.2–2.4), as functions and as modules (PyTorch's names).

Elementwise: sigmoid, tanh, relu, leaky_relu, elu, silu (Swish), gelu, softplus, log_sigmoid,
the binary threshold unit and the stochastic binary neuron. Not elementwise: softmax and
log_softmax over an axis, with a temperature T (003 §2.4.6: S(η/T) is flatter for large T and
spikier for small T).

The ``inplace`` flags PyTorch's modules take are accepted and ignored: graphgrad never
overwrites a tensor the graph may still need.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from .. import ops
from ..ops import activations as act
from ..random import numpy_generator
from ..tensor import Tensor
from .module import Module

if TYPE_CHECKING:
    from ..random import GeneratorLike

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


def softmax(input, dim=-1, temperature=1.0, *, axis=None):
    """S(x/T)_c = e^(x_c/T) / Σ_c' e^(x_c'/T) along an axis (the last by default)."""
    return ops.softmax(_tempered(input, temperature), dim if axis is None else axis)


def log_softmax(input, dim=-1, temperature=1.0, *, axis=None):
    """log S(x/T), computed without overflow."""
    return ops.log_softmax(_tempered(input, temperature), dim if axis is None else axis)


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


class Sigmoid(Module):
    """σ(x) = 1 / (1 + e^−x), the logistic neuron (003 §2.2.2)."""
    forward = staticmethod(ops.sigmoid)


class Tanh(Module):
    forward = staticmethod(ops.tanh)


class ReLU(Module):
    """max(x, 0)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()

    forward = staticmethod(ops.relu)


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = float(negative_slope)

    def forward(self, input: Tensor) -> Tensor:
        return act.leaky_relu(input, negative_slope=self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = float(alpha)

    def forward(self, input: Tensor) -> Tensor:
        return act.elu(input, alpha=self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class SiLU(Module):
    """x σ(x) (Swish)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()

    forward = staticmethod(act.silu)


Swish = SiLU


class GELU(Module):
    def __init__(self, approximate: Literal["none", "tanh"] = "none") -> None:
        super().__init__()
        self.approximate = _check_approximate(approximate)

    def forward(self, input: Tensor) -> Tensor:
        return act.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = float(beta), float(threshold)

    def forward(self, input: Tensor) -> Tensor:
        return act.softplus(input, beta=self.beta, threshold=self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class LogSigmoid(Module):
    forward = staticmethod(log_sigmoid)


class Softmax(Module):
    """Softmax over `dim` at temperature T (003 §2.4.6–2.4.7)."""

    def __init__(self, dim: int = -1, temperature: float = 1.0) -> None:
        super().__init__()
        self.dim, self.temperature = dim, _check_temperature(temperature)

    def forward(self, input: Tensor) -> Tensor:
        return softmax(input, self.dim, self.temperature)

    def extra_repr(self) -> str:
        return f"dim={self.dim}" + (f", temperature={self.temperature}"
                                    if self.temperature != 1 else "")


class LogSoftmax(Softmax):
    def forward(self, input: Tensor) -> Tensor:
        return log_softmax(input, self.dim, self.temperature)


class BinaryThreshold(Module):
    """003 §2.4.1's binary threshold unit: 1 if x ≥ threshold else 0 (zero gradient)."""

    def __init__(self, threshold: float = 0.0) -> None:
        super().__init__()
        self.threshold = float(threshold)

    def forward(self, input: Tensor) -> Tensor:
        return act.binary_threshold(input, threshold=self.threshold)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}"


class StochasticBinary(Module):
    """003 §2.2.3's stochastic binary neuron: 1 with probability σ(x) (in training and in eval
    mode alike). See stochastic_binary for the straight-through option."""

    def __init__(self, straight_through: bool = False, generator: GeneratorLike = None) -> None:
        super().__init__()
        self.straight_through = straight_through
        self.generator = numpy_generator(generator) if generator is not None else None

    def forward(self, input: Tensor) -> Tensor:
        return stochastic_binary(input, self.generator, self.straight_through)

    def extra_repr(self) -> str:
        return f"straight_through={self.straight_through}"
