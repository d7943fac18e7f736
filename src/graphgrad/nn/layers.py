"""Layers: dense (affine) layers, embeddings, dropout and shape helpers, as functions and modules.

Linear is 003 §2.3.2's dense layer y = W x + b for each row x, computed for a batch as
Y = X Wᵀ + b in one fused node whose backward is 001's affine-layer rule:
∂L/∂X = G W, ∂L/∂W = Gᵀ X, ∂L/∂b = Σ_rows G.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ops
from ..errors import ShapeError
from ..grad_mode import no_grad
from ..ops.linear import linear as affine
from ..random import numpy_generator
from ..tensor import Tensor, get_default_dtype
from . import init
from .module import Module, Parameter

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, DTypeLike

    from ..random import GeneratorLike


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x Wᵀ + b for input (..., in_features), weight (out_features, in_features), bias
    (out_features,) or None."""
    return affine(input, weight, bias)


def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            generator: GeneratorLike = None, inplace: bool = False) -> Tensor:
    """Zero each element with probability p and scale the rest by 1/(1 − p) (so the expected
    value is unchanged); the identity when not training or p = 0."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: probability p must be in [0, 1], got {p}")
    if not training or p == 0:
        return input
    keep = numpy_generator(generator).random(np.shape(input)) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    return input * (keep * scale).astype(np.asarray(input).dtype)


def _indices(input, num_embeddings, who):
    index = np.asarray(input)
    if index.dtype.kind not in "iu":
        raise TypeError(f"{who}: indices must be integers, got dtype {index.dtype}")
    if index.size and (index.min() < 0 or index.max() >= num_embeddings):
        raise IndexError(f"{who}: indices must lie in [0, {num_embeddings}), got values from "
                         f"{index.min()} to {index.max()}")
    return index


def embedding(input: Tensor | ArrayLike, weight: Tensor,
              padding_idx: int | None = None) -> Tensor:
    """Rows of `weight` picked by the integer `input`: out[..., :] = weight[input[...], :].

    Gradients of repeated indices add up; the row padding_idx receives no gradient."""
    index = _indices(input, weight.shape[0], "embedding")
    rows = weight[index]
    if padding_idx is None:
        return rows
    frozen = weight.detach()[index] if isinstance(weight, Tensor) else rows
    return ops.where((index != padding_idx)[..., None], rows, frozen)


def one_hot(input: Tensor | ArrayLike, num_classes: int = -1) -> Tensor:
    """Integer class labels as indicator vectors (int64, a new last axis of num_classes)."""
    index = np.asarray(input)
    if num_classes < 0:
        num_classes = int(index.max()) + 1 if index.size else 0
    index = _indices(index, num_classes, "one_hot")
    out = np.zeros(index.shape + (num_classes,), np.int64)
    np.put_along_axis(out, index[..., None], 1, axis=-1)
    return Tensor(out)


def _dtype(dtype):
    return np.dtype(dtype) if dtype is not None else get_default_dtype()


class Linear(Module):
    """y = x Wᵀ + b with W of shape (out_features, in_features).

    Initialised as PyTorch: W ~ U(±1/√in_features) (kaiming_uniform_ with a = √5) and
    b ~ U(±1/√in_features); generator= (seed or gg.Generator) makes it reproducible."""

    weight: Parameter
    bias: Parameter | None

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype: DTypeLike | None = None, generator: GeneratorLike = None) -> None:
        super().__init__()
        dtype, generator = _dtype(dtype), numpy_generator(generator)
        self.in_features, self.out_features = in_features, out_features
        # column-major, so that x Wᵀ and the weight gradient are plain row-major products
        # (the layout hand-written NumPy would use) while W keeps PyTorch's (out, in) shape
        self.weight = Parameter(np.empty((out_features, in_features), dtype, order="F"))
        if bias:
            self.bias = Parameter(np.empty(out_features, dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: GeneratorLike = None) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=generator)
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features else 0.0
            init.uniform_(self.bias, -bound, bound, generator)

    def forward(self, input: Tensor) -> Tensor:
        return affine(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Embedding(Module):
    """A lookup table of num_embeddings vectors of size embedding_dim, initialised N(0, 1) as
    PyTorch (the padding_idx row starts at zero and receives no gradient)."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 dtype: DTypeLike | None = None, generator: GeneratorLike = None) -> None:
        super().__init__()
        dtype = _dtype(dtype)
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise IndexError(f"Embedding: padding_idx {padding_idx} is out of range for "
                                 f"{num_embeddings} embeddings")
            padding_idx %= num_embeddings
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = padding_idx
        self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype))
        init.normal_(self.weight, generator=generator)
        if padding_idx is not None:
            with no_grad():
                self.weight[padding_idx] = 0

    def forward(self, input: Tensor) -> Tensor:
        return embedding(input, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        pad = f", padding_idx={self.padding_idx}" if self.padding_idx is not None else ""
        return f"{self.num_embeddings}, {self.embedding_dim}{pad}"


class Dropout(Module):
    """Dropout with probability p while training; the identity in eval mode."""

    def __init__(self, p: float = 0.5, inplace: bool = False,
                 generator: GeneratorLike = None) -> None:
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"Dropout: probability p must be in [0, 1], got {p}")
        self.p = p
        self.generator = numpy_generator(generator) if generator is not None else None

    def forward(self, input: Tensor) -> Tensor:
        return dropout(input, self.p, self.training, self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Flatten(Module):
    """Axes start_dim..end_dim merged into one (by default all but the batch axis)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Tensor) -> Tensor:
        return ops.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Axis `dim` split into the shape `unflattened_size` (the inverse of Flatten)."""

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        shape = tuple(np.shape(input))
        dim = self.dim % len(shape)
        if math.prod(self.unflattened_size) != shape[dim] and -1 not in self.unflattened_size:
            raise ShapeError(f"Unflatten: axis {self.dim} of size {shape[dim]} cannot take the "
                             f"shape {self.unflattened_size}")
        return ops.reshape(input, shape[:dim] + self.unflattened_size + shape[dim + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Identity(Module):
    """Returns its input unchanged (a placeholder; extra arguments are ignored, as PyTorch)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input
