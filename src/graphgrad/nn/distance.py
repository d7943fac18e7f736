"""Norms, similarities and distances between vectors, as torch.nn.functional's normalize,
cosine_similarity and pairwise_distance and the modules CosineSimilarity and PairwiseDistance.

The norms are ops.vector_norm's ‖x‖_p = (Σ|x_i|^p)^(1/p), whose gradient at a zero vector is 0
(PyTorch's choice), so that normalize and pairwise_distance of zero vectors have PyTorch's
gradients too."""
from __future__ import annotations

import numpy as np

from .. import ops
from ..grad_fn_names import as_torch
from ..tensor import Tensor
from .module import Module


def _axis(dim, ndim, who):
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(f"{who}: Dimension out of range (expected to be in range of "
                         f"[{-max(ndim, 1)}, {max(ndim, 1) - 1}], but got {dim})")
    return dim % max(ndim, 1) if ndim else None


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """x / max(‖x‖_p, ε) along `dim` (vectors of norm below ε are divided by ε)."""
    axis = _axis(dim, np.ndim(input), "normalize")
    norm = ops.vector_norm(input, p, axis, keepdim=True)
    return input / ops.maximum(norm, eps)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Σ (x1 / max(‖x1‖, ε)) (x2 / max(‖x2‖, ε)) along `dim`, the inputs broadcast together
    (each norm is clamped on its own, as PyTorch)."""
    shape = np.broadcast_shapes(np.shape(x1), np.shape(x2))
    axis = _axis(dim, len(shape), "cosine_similarity")
    if axis is None:
        raise RuntimeError("cosine_similarity: the inputs need at least one dimension")
    x1, x2 = (x if np.shape(x) == shape else ops.broadcast_to(x, shape) for x in (x1, x2))
    n1 = ops.maximum(ops.vector_norm(x1, 2.0, axis, keepdim=True), eps)
    n2 = ops.maximum(ops.vector_norm(x2, 2.0, axis, keepdim=True), eps)
    return ops.sum((x1 / n1) * (x2 / n2), axis=axis)


@as_torch("NormBackward1")
def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """‖x1 − x2 + ε‖_p along the last axis (PyTorch adds ε to the difference to keep the
    distance of equal vectors differentiable); the inputs broadcast together."""
    difference = x1 - x2 + eps
    if not np.ndim(difference):
        raise RuntimeError("pairwise_distance: the inputs need at least one dimension")
    return ops.vector_norm(difference, p, -1, keepdim)


class CosineSimilarity(Module):
    """cosine_similarity(x1, x2, dim, eps) as a module."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """pairwise_distance(x1, x2, p, eps, keepdim) as a module."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
