"""Channel-wise dropout (PyTorch's dropout1d / dropout2d, Dropout1d / Dropout2d): while
training, each channel of each sample, a whole (L,) or (H, W) feature map, is zeroed with
probability p and the others scaled by 1/(1 − p), so that neighbouring pixels, which are
correlated, are dropped together (Tompson et al. 2015)."""
from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ShapeError
from ..random import numpy_generator
from ..tensor import Tensor
from .conversion import array_of
from .module import Module

if TYPE_CHECKING:
    from ..random import GeneratorLike


def _check_p(p):
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _feature_dropout(input, p, training, generator):
    """input ⊙ m / (1 − p) with m ~ Bernoulli(1 − p) of shape (N, C, 1, …): one draw per
    channel of each sample (PyTorch's feature_dropout)."""
    if not training or p == 0:
        return input
    shape = tuple(np.shape(input))
    keep = numpy_generator(generator).random(shape[:2] + (1,) * (len(shape) - 2)) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    return input * (keep * scale).astype(array_of(input).dtype)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False, *,
              generator: GeneratorLike = None) -> Tensor:
    """Zero each whole channel of input (N, C, H, W) with probability p, scaling the rest by
    1/(1 − p). As in PyTorch, a 3-D input is read as (N, C, L) (channel-wise 1-D dropout,
    with PyTorch's warning); other ranks warn and drop per (N, C) entry."""
    _check_p(p)
    ndim = np.ndim(input)
    if ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {ndim}-D input to dropout2d, which is deprecated "
                      "and will result in an error in a future release. To retain the behavior "
                      "and silence this warning, please use dropout instead.", stacklevel=2)
    if ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. To maintain the 1D "
                      "channel-wise dropout behavior, please switch to using dropout1d instead.",
                      stacklevel=2)
    if ndim < 2:
        raise ShapeError(f"dropout2d: Feature dropout requires at least 2 dimensions in the "
                         f"input, got shape {list(np.shape(input))}")
    return _feature_dropout(input, p, training, generator)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False, *,
              generator: GeneratorLike = None) -> Tensor:
    """Zero each whole channel of input (N, C, L) or (C, L) with probability p, scaling the
    rest by 1/(1 − p)."""
    _check_p(p)
    ndim = np.ndim(input)
    if ndim not in (2, 3):
        raise ShapeError(f"dropout1d: Expected 2D or 3D input, but received a {ndim}D input of "
                         f"shape {list(np.shape(input))}")
    if ndim == 3:
        return _feature_dropout(input, p, training, generator)
    return _feature_dropout(input[None], p, training, generator)[0]


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False, *,
                 generator: GeneratorLike = None) -> None:
        super().__init__()
        _check_p(p)
        self.p, self.inplace = p, inplace
        self.generator = numpy_generator(generator) if generator is not None else None

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(_DropoutNd):
    """Channel-wise dropout of (N, C, H, W) while training (F.dropout2d); identity in eval."""

    def forward(self, input: Tensor) -> Tensor:
        return dropout2d(input, self.p, self.training, generator=self.generator)


class Dropout1d(_DropoutNd):
    """Channel-wise dropout of (N, C, L) or (C, L) while training (F.dropout1d)."""

    def forward(self, input: Tensor) -> Tensor:
        return dropout1d(input, self.p, self.training, generator=self.generator)
