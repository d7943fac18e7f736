"""Layer, group and batch normalisation as functions and modules (PyTorch's layer_norm /
LayerNorm, group_norm / GroupNorm, batch_norm / BatchNorm1d): each sample standardised over its
last axes or over each group of its channels, or each channel over the batch, then scaled and
shifted by learnt γ and β."""
from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ops
from ..errors import ShapeError
from ..grad_fn_names import as_torch
from ..grad_mode import no_grad
from ..ops import normalization as fused
from ..tensor import Tensor, leaf
from .conversion import array_of
from .layers import _dtype
from .module import Module, Parameter

if TYPE_CHECKING:
    from numpy.typing import DTypeLike


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """γ ⊙ (x − μ)/√(σ² + ε) + β with μ, σ² over the last len(normalized_shape) axes, which must
    have that shape (as must γ and β when given)."""
    shape = _as_shape(normalized_shape)
    if not shape or tuple(np.shape(input))[-len(shape):] != shape:
        raise ShapeError(f"layer_norm: normalized_shape {shape} must be the last axes of the "
                         f"input, whose shape is {tuple(np.shape(input))}")
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None and tuple(np.shape(value)) != shape:
            raise ShapeError(f"layer_norm: {name} of shape {tuple(np.shape(value))} for "
                             f"normalized_shape {shape}")
    axes = tuple(range(np.ndim(input) - len(shape), np.ndim(input)))
    return fused.layer_norm(input, weight, bias, axes=axes, eps=float(eps))


def _as_shape(normalized_shape):
    if isinstance(normalized_shape, numbers.Integral):
        return (int(normalized_shape),)
    return tuple(int(n) for n in normalized_shape)


def _affine(module, shape, dtype, scale, shift):
    """The learnt γ (ones, if scale) and β (zeros, if scale and shift) of a normalisation, as
    module.weight and module.bias (None where absent, as PyTorch registers them)."""
    module.register_parameter("weight", Parameter(np.ones(shape, dtype)) if scale else None)
    module.register_parameter("bias", Parameter(np.zeros(shape, dtype)) if scale and shift
                              else None)


class LayerNorm(Module):
    """Layer normalisation over the last axes, of shape normalized_shape; with
    elementwise_affine, a learnt scale γ (ones at first) and, with bias, a shift β (zeros)."""

    weight: Parameter | None
    bias: Parameter | None

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device: Any = None,
                 dtype: DTypeLike | None = None) -> None:
        super().__init__()
        self.normalized_shape = _as_shape(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        dtype = _dtype(dtype, device, "LayerNorm")
        _affine(self, self.normalized_shape, dtype, elementwise_affine, bias)

    def forward(self, input: Tensor) -> Tensor:
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


@as_torch("NativeGroupNormBackward0")
def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Group normalisation of input (N, C, *): the C channels in num_groups groups, each
    sample's group standardised over its channels and positions, (x − μ)/√(σ² + ε) (σ²
    biased), then γ and β per channel (shape (C,)): layer_norm of (N, G, C/G·…) per group."""
    shape = tuple(np.shape(input))
    if len(shape) < 2 or shape[1] % num_groups:
        raise ShapeError(f"group_norm: Expected number of channels in input to be divisible by "
                         f"num_groups, but got input of shape {list(shape)} and "
                         f"num_groups={num_groups}")
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None and tuple(np.shape(value)) != shape[1:2]:
            raise ShapeError(f"group_norm: Expected {name} to be a vector of size equal to the "
                             f"number of channels in input, but got {name} of shape "
                             f"{list(np.shape(value))} and input of shape {list(shape)}")
    grouped = ops.reshape(input, (shape[0], num_groups, -1))
    out = ops.reshape(fused.layer_norm(grouped, None, None, axes=(2,), eps=float(eps)), shape)
    per_channel = _per_channel(len(shape))
    out = out if weight is None else out * per_channel(weight)
    return out if bias is None else out + per_channel(bias)


class GroupNorm(Module):
    """Group normalisation of (N, C, *) over num_groups groups of channels; with affine, a
    learnt scale γ (ones) and shift β (zeros) per channel."""

    weight: Parameter | None
    bias: Parameter | None

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device: Any = None, dtype: DTypeLike | None = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = \
            num_groups, num_channels, eps, affine
        dtype = _dtype(dtype, device, "GroupNorm")
        _affine(self, num_channels, dtype, affine, bias)

    def forward(self, input: Tensor) -> Tensor:
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalisation of input (N, C, *) per channel C (PyTorch's signature): (N, C),
    (N, C, L), (N, C, H, W), …. training: standardise by the batch's statistics over N and the
    spatial axes, and move the running ones
    towards them in place, r ← (1 − momentum) r + momentum · statistic (the variance
    unbiased); else standardise by running_mean and running_var."""
    shape = tuple(np.shape(input))
    if len(shape) < 2:
        raise ShapeError(f"batch_norm: expected input of shape (N, C, *), got {shape}")
    channels = (shape[1],)
    for name, value in (("running_mean", running_mean), ("running_var", running_var),
                        ("weight", weight), ("bias", bias)):
        if value is not None and tuple(np.shape(value)) != channels:
            raise ShapeError(f"batch_norm: {name} of shape {tuple(np.shape(value))} for input "
                             f"of shape {shape} ({shape[1]} channels)")
    axes = (0,) + tuple(range(2, len(shape)))
    per_channel = _per_channel(len(shape))
    if not training:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: evaluation needs running_mean and running_var")
        scale = (per_channel(running_var) + eps) ** -0.5
        out = (input - per_channel(running_mean)) * scale
        out = out if weight is None else out * per_channel(weight)
        return out if bias is None else out + per_channel(bias)
    count = int(np.prod([shape[a] for a in axes]))
    if count < 2:
        raise ValueError(f"batch_norm: expected more than 1 value per channel when training, "
                         f"got input of shape {shape}")
    if running_mean is not None or running_var is not None:
        if not all(isinstance(r, Tensor) for r in (running_mean, running_var) if r is not None):
            raise TypeError("batch_norm: running_mean and running_var must be tensors while "
                            "training (they are updated in place)")
        _update_running(array_of(input), axes,
                        count, running_mean, running_var, momentum)
    return fused.batch_norm(input, None if weight is None else per_channel(weight),
                       None if bias is None else per_channel(bias), axes=axes, eps=float(eps))


def _per_channel(ndim):
    """A (C,) vector shaped to broadcast over input (N, C, *)."""
    return (lambda v: v) if ndim == 2 else (lambda v: ops.reshape(v, (-1,) + (1,) * (ndim - 2)))


def _update_running(x, axes, count, running_mean, running_var, momentum):
    """r ← (1 − momentum) r + momentum · batch statistic, in place (versions bumped)."""
    with no_grad():
        if running_mean is not None:
            running_mean.mul_(1 - momentum).add_(momentum * x.mean(axis=axes))
        if running_var is not None:
            unbiased = x.var(axis=axes) * (count / (count - 1))
            running_var.mul_(1 - momentum).add_(momentum * unbiased)


class _BatchNorm(Module):
    """Batch normalisation per channel: batch statistics while training (moving the running
    ones, momentum 0.1, or a cumulative average when momentum is None), running statistics in
    eval mode; a learnt γ (ones) and, unless bias=False, β (zeros) when affine."""

    weight: Parameter | None
    bias: Parameter | None
    _ranks: tuple[int, ...] = ()
    _expected = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None,
                 dtype: DTypeLike | None = None, *, bias: bool = True) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dtype = _dtype(dtype, device, type(self).__name__)
        _affine(self, num_features, dtype, affine, bias)
        if track_running_stats:
            self.register_buffer("running_mean", leaf(np.zeros(num_features, dtype)))
            self.register_buffer("running_var", leaf(np.ones(num_features, dtype)))
            self.register_buffer("num_batches_tracked", leaf(np.array(0, np.int64)))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def forward(self, input: Tensor) -> Tensor:
        ndim = np.ndim(input)
        if ndim not in self._ranks:
            raise ShapeError(f"{type(self).__name__}: expected {self._expected} input (got "
                             f"{ndim}D input of shape {list(np.shape(input))})")
        momentum = self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)
            if momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked.item())
        # without running statistics (None buffers) even eval mode uses the batch's
        return batch_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                          self.training or not self.track_running_stats, momentum, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation per channel of input (N, C) or (N, C, L), over N (and L)."""

    _ranks, _expected = (2, 3), "2D or 3D, (N, C) or (N, C, L),"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation per channel of input (N, C, H, W), over N, H and W (the running
    variance unbiased over the N·H·W values of a channel, as in PyTorch)."""

    _ranks, _expected = (4,), "4D, (N, C, H, W),"
