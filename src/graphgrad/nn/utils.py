"""Gradient utilities (torch.nn.utils): clipping by norm or value, and flattening parameters
into one vector and back."""
import math

import numpy as np

from ..grad_mode import no_grad
from ..tensor import Tensor, leaf


def _with_grads(parameters):
    parameters = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p for p in parameters if p.grad is not None]


def norm_and_factor(grads, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """(‖(g_1, ..., g_n)‖_p of the gradient arrays, summed in float64; the clipping factor
    min(max_norm / (norm + 10⁻⁶), 1)), as clip_grad_norm_ computes them."""
    norm_type = float(norm_type)
    if norm_type == math.inf:
        total = max(float(np.max(np.abs(g))) if g.size else 0.0 for g in grads)
    else:
        total = sum(float(np.sum(np.abs(g.astype(np.float64)) ** norm_type)) for g in grads)
        total = total ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total gradient norm of order {norm_type} is "
                           f"{total}; pass error_if_nonfinite=False to clip anyway")
    return total, min(max_norm / (total + 1e-6), 1.0)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scale all gradients together so that their joint norm ‖(g_1, ..., g_n)‖_p is at most
    max_norm (a no-op below it); returns the norm before clipping, as a float Tensor.

    Uses PyTorch's factor max_norm / (norm + 10⁻⁶), clamped at 1."""
    found = _with_grads(parameters)
    if not found:
        return leaf(np.zeros((), np.float32))
    total, factor = norm_and_factor([p.grad.array for p in found], max_norm, norm_type,
                                    error_if_nonfinite)
    if factor < 1.0:
        with no_grad():
            for p in found:
                p.grad.mul_(factor)
    return leaf(np.asarray(total, dtype=found[0].grad.dtype))


def clip_grad_value_(parameters, clip_value):
    """Clamp every gradient entry into [−clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    with no_grad():
        for p in _with_grads(parameters):
            np.clip(p.grad.array, -clip_value, clip_value, out=p.grad.array)


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated into one 1-D tensor (a copy)."""
    return leaf(np.concatenate([np.ravel(p.array) for p in parameters]))


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of a 1-D vector back into the parameters (in place)."""
    values = vec.array if isinstance(vec, Tensor) else np.asarray(vec)
    offset = 0
    with no_grad():
        for p in parameters:
            p.copy_(values[offset:offset + p.size].reshape(p.shape))
            offset += p.size
    if offset != values.size:
        raise ValueError(f"vector_to_parameters: the vector has {values.size} entries, the "
                         f"parameters {offset}")
