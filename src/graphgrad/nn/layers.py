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
from ..grad_fn_names import as_torch
from ..grad_mode import no_grad
from ..ops.linear import linear as affine
from ..random import numpy_generator
from ..tensor import Tensor, get_default_dtype, leaf
from . import init
from .conversion import array_of, check_device
from .module import Module, Parameter

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, DTypeLike

    from ..random import GeneratorLike


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x Wᵀ + b for input (..., in_features), weight (out_features, in_features), bias
    (out_features,) or None."""
    return affine(input, weight, bias)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False, *,
            generator: GeneratorLike = None) -> Tensor:
    """Zero each element with probability p and scale the rest by 1/(1 − p) (so the expected
    value is unchanged); the identity when not training or p = 0. The mask is drawn from
    `generator` (a seed, gg.Generator or None for the global one)."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1 (p in [0, 1]), but "
                         f"got {p}")
    if not training or p == 0:
        return input
    keep = numpy_generator(generator).random(np.shape(input)) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    return input * (keep * scale).astype(array_of(input).dtype)


def _indices(input, num_embeddings, who):
    index = np.asarray(input)
    if index.dtype.kind not in "iu":
        raise TypeError(f"{who}: indices must be integers, got dtype {index.dtype}")
    if index.size and (index.min() < 0 or index.max() >= num_embeddings):
        raise IndexError(f"{who}: index out of range: indices must lie in [0, {num_embeddings}), "
                         f"got values from {index.min()} to {index.max()}")
    return index


def _padding_index(padding_idx, num_embeddings, who):
    """padding_idx in [0, num_embeddings) (a negative one counts from the end), or None."""
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(f"{who}: padding_idx {padding_idx} must be within num_embeddings "
                         f"({num_embeddings})")
    return padding_idx % num_embeddings


def _renorm_(weight, index, max_norm, norm_type):
    """PyTorch's embedding_renorm_: each row that `index` picks whose norm exceeds max_norm is
    scaled in place by max_norm / (norm + 1e-7) (outside the graph)."""
    rows = np.unique(index)
    data = array_of(weight)
    norms = np.linalg.norm(data[rows].astype(np.float64), ord=norm_type, axis=-1)
    over = norms > max_norm
    if not over.any():
        return
    rows, scale = rows[over], (max_norm / (norms[over] + 1e-7))[:, None]
    scaled = (data[rows] * scale).astype(data.dtype)
    if isinstance(weight, Tensor):
        with no_grad():
            weight[rows] = scaled
    else:
        data[rows] = scaled


@as_torch("EmbeddingBackward0")
def embedding(input: Tensor | ArrayLike, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of `weight` picked by the integer `input`: out[..., :] = weight[input[...], :].

    Gradients of repeated indices add up; the row padding_idx receives no gradient. With
    max_norm, the picked rows whose norm_type-norm exceeds it are first scaled down to it, in
    place, as PyTorch. sparse=True is accepted and gives the same (dense) gradient.
    scale_grad_by_freq=True is refused: its gradient is not a derivative of the output."""
    if scale_grad_by_freq:
        raise ValueError("embedding: scale_grad_by_freq=True is not supported (it rescales the "
                         "gradient, which is then no derivative of the output)")
    index = _indices(input, weight.shape[0], "embedding")
    padding_idx = _padding_index(padding_idx, weight.shape[0], "embedding")
    if max_norm is not None:
        _renorm_(weight, index, max_norm, norm_type)
    rows = weight[index]
    if padding_idx is None:
        return rows
    frozen = weight.detach()[index] if isinstance(weight, Tensor) else rows
    return ops.where((index != padding_idx)[..., None], rows, frozen)


def one_hot(input: Tensor | ArrayLike, num_classes: int = -1) -> Tensor:
    """Integer class labels as indicator vectors (int64, a new last axis of num_classes;
    num_classes=-1: one more than the largest label)."""
    index = np.asarray(input)
    if index.dtype.kind not in "iu":
        raise RuntimeError(f"one_hot is only applicable to index tensor of integer type, got "
                           f"dtype {index.dtype}")
    if index.size and index.min() < 0:
        raise RuntimeError("one_hot: Class values must be non-negative.")
    if num_classes < 0:
        if not index.size:
            raise RuntimeError("one_hot: Can not infer total number of classes from empty "
                               "tensor; give num_classes")
        num_classes = int(index.max()) + 1
    elif index.size and index.max() >= num_classes:
        raise RuntimeError(f"one_hot: Class values must be smaller than num_classes "
                           f"({num_classes}), got {index.max()}")
    out = np.zeros(index.shape + (num_classes,), np.int64)
    np.put_along_axis(out, index[..., None], 1, axis=-1)
    return leaf(out)


def _dtype(dtype, device=None, who="graphgrad"):
    """The dtype of a new layer's parameters (the default float unless given); `device` must be
    the CPU."""
    check_device(device, who)
    return np.dtype(dtype) if dtype is not None else get_default_dtype()


class Linear(Module):
    """y = x Wᵀ + b with W of shape (out_features, in_features).

    Initialised as PyTorch: W ~ U(±1/√in_features) (kaiming_uniform_ with a = √5) and
    b ~ U(±1/√in_features); generator= (seed or gg.Generator) makes it reproducible."""

    weight: Parameter
    bias: Parameter | None

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: DTypeLike | None = None, *,
                 generator: GeneratorLike = None) -> None:
        super().__init__()
        dtype, generator = _dtype(dtype, device, "Linear"), numpy_generator(generator)
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(np.empty((out_features, in_features), dtype))
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
    PyTorch (the padding_idx row starts at zero and receives no gradient), or given as
    _weight (frozen with _freeze). max_norm, norm_type, sparse: see embedding()."""

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False,
                 _weight: Tensor | ArrayLike | None = None, _freeze: bool = False,
                 device: Any = None, dtype: DTypeLike | None = None, *,
                 generator: GeneratorLike = None) -> None:
        super().__init__()
        dtype = _dtype(dtype, device, "Embedding")
        if scale_grad_by_freq:
            embedding(np.zeros(0, np.int64), np.zeros((1, 1)), scale_grad_by_freq=True)
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = _padding_index(padding_idx, num_embeddings, "Embedding")
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype),
                                    requires_grad=not _freeze)
            self.reset_parameters(generator)
        else:
            if tuple(np.shape(_weight)) != (num_embeddings, embedding_dim):
                raise ValueError(f"Embedding: shape of weight {tuple(np.shape(_weight))} does not "
                                 f"match num_embeddings and embedding_dim "
                                 f"({num_embeddings}, {embedding_dim})")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self, generator: GeneratorLike = None) -> None:
        init.normal_(self.weight, generator=generator)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0

    @classmethod
    def from_pretrained(cls, embeddings: Tensor | ArrayLike, freeze: bool = True,
                        padding_idx: int | None = None, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        """An Embedding whose weight is `embeddings` (2-D; shared, not copied), frozen unless
        freeze=False."""
        if np.ndim(embeddings) != 2:
            raise ValueError(f"Embeddings parameter is expected to be 2-dimensional, got shape "
                             f"{tuple(np.shape(embeddings))}")
        rows, dim = np.shape(embeddings)
        return cls(rows, dim, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=embeddings, _freeze=freeze)

    def forward(self, input: Tensor) -> Tensor:
        return embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                         self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.sparse:
            text += ", sparse=True"
        return text


class Dropout(Module):
    """Dropout with probability p while training; the identity in eval mode."""

    def __init__(self, p: float = 0.5, inplace: bool = False, *,
                 generator: GeneratorLike = None) -> None:
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability has to be between 0 and 1 (p in [0, 1]), but "
                         f"got {p}")
        self.p, self.inplace = p, inplace
        self.generator = numpy_generator(generator) if generator is not None else None

    def forward(self, input: Tensor) -> Tensor:
        return dropout(input, self.p, self.training, generator=self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


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
