"""Layer normalisation as a function and a module (PyTorch's layer_norm and LayerNorm): each
sample is standardised over its last axes, then scaled and shifted by learnt γ and β."""
import numbers

import numpy as np

from ..errors import ShapeError
from ..ops.normalization import _layer_norm
from .layers import _dtype
from .module import Module, Parameter


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """γ ⊙ (x − μ)/√(σ² + ε) + β with μ, σ² over the last len(normalized_shape) axes, which must
    have that shape (as must γ and β when given)."""
    shape = _as_shape(normalized_shape)
    trailing = tuple(np.shape(input))[len(np.shape(input)) - len(shape):] if shape else ()
    if not shape or len(shape) > np.ndim(input) or trailing != shape:
        raise ShapeError(f"layer_norm: normalized_shape {shape} must be the last axes of the "
                         f"input, whose shape is {tuple(np.shape(input))}")
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None and tuple(np.shape(value)) != shape:
            raise ShapeError(f"layer_norm: {name} of shape {tuple(np.shape(value))} for "
                             f"normalized_shape {shape}")
    axes = tuple(range(np.ndim(input) - len(shape), np.ndim(input)))
    return _layer_norm(input, weight, bias, axes=axes, eps=float(eps))


def _as_shape(normalized_shape):
    if isinstance(normalized_shape, numbers.Integral):
        return (int(normalized_shape),)
    return tuple(int(n) for n in normalized_shape)


class LayerNorm(Module):
    """Layer normalisation over the last axes, of shape normalized_shape; with
    elementwise_affine, a learnt scale γ (ones at first) and, with bias, a shift β (zeros)."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 dtype=None):
        super().__init__()
        self.normalized_shape = _as_shape(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        dtype = _dtype(dtype)
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype))
        else:
            self.register_parameter("weight", None)
        if elementwise_affine and bias:
            self.bias = Parameter(np.zeros(self.normalized_shape, dtype))
        else:
            self.register_parameter("bias", None)

    def forward(self, input):
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
