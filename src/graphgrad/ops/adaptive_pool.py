"""Adaptive pooling (torch.nn.functional's adaptive_avg_pool1d/2d, adaptive_max_pool1d/2d):
output_size windows spread evenly over each of the last k dims, window i covering
[⌊i·n/o⌋, ⌈(i+1)·n/o⌉) (PyTorch's rule; neighbouring windows may overlap by one).

Both are composites of primitives, so every derivative comes from theirs:

    avg:  y = A_H x A_Wᵀ, with A[i, j] = 1/|window i| for j in window i (two matmuls)
    max:  the argmax of each window is chosen on the values (no gradient flows through a
          choice), y = x gathered there (take_along_axis over the flat (H, W) plane, whose
          adjoint adds ∂L/∂y back at the chosen entries)
"""
import numpy as np

from ..errors import ShapeError
from ..grad_fn_names import as_torch
from ..tensor import Tensor, leaf
from .index import take_along_axis
from .linalg import matmul
from .shape import reshape


def _sizes(input, k, op, output_size):
    """The output's last k sizes (None keeps the input's), after PyTorch's checks."""
    shape = tuple(np.shape(input))
    if len(shape) not in (k + 1, k + 2):
        dims = " or ".join(f"{n}D" for n in (k + 1, k + 2))
        raise ShapeError(f"{op}(): Expected {dims} tensor, but got {list(shape)}")
    if 0 in shape[-k - 1:]:
        raise ShapeError(f"{op}(): Expected input to have non-zero size for non-batch "
                         f"dimensions, but input has sizes {list(shape)}")
    if isinstance(output_size, (int, np.integer)) or output_size is None:
        output_size = (output_size,) * k
    output_size = tuple(output_size)
    if len(output_size) != k:
        raise ShapeError(f"{op}(): output_size must be {k} ints (or None), got {output_size} "
                         f"for input of shape {list(shape)}")
    sizes = tuple(n if o is None else int(o) for n, o in zip(shape[-k:], output_size))
    if min(sizes) < 0:
        raise ShapeError(f"{op}(): elements of output_size must be greater than or equal to 0 "
                         f"but received {sizes}")
    return shape, sizes


def windows(n, o):
    """(start, end) of the o windows over n entries: [⌊i·n/o⌋, ⌈(i+1)·n/o⌉)."""
    i = np.arange(o)
    return (i * n) // o, -((-(i + 1) * n) // o)


def average_matrix(n, o, dtype):
    """A (o, n): row i averages window i."""
    start, end = windows(n, o)
    j = np.arange(n)
    inside = (j >= start[:, None]) & (j < end[:, None])
    return (inside / np.maximum(end - start, 1)[:, None]).astype(dtype)


def _adaptive_avg(input, k, op, output_size):
    shape, sizes = _sizes(input, k, op, output_size)
    dtype = input.dtype if isinstance(input, Tensor) else np.result_type(input, np.float32)
    right = average_matrix(shape[-1], sizes[-1], dtype).T
    out = matmul(input, right)
    if k == 2:
        out = matmul(average_matrix(shape[-2], sizes[-2], dtype), out)
    return out


@as_torch("AdaptiveAvgPool2DBackward0")
def adaptive_avg_pool2d(input, output_size):
    """The mean over each of output_size (H_out, W_out) evenly spread windows of input
    (N, C, H, W) or (C, H, W); an int for both, None to keep a size."""
    return _adaptive_avg(input, 2, "adaptive_avg_pool2d", output_size)


@as_torch("SqueezeBackward1")
def adaptive_avg_pool1d(input, output_size):
    """The mean over each of output_size evenly spread windows of input (N, C, L) or (C, L)."""
    return _adaptive_avg(input, 1, "adaptive_avg_pool1d", output_size)


def _table(n, o):
    """Window i's entries in a row, padded to the widest window with its first entry (a copy
    never beats the first of equal entries)."""
    start, end = windows(n, o)
    idx = start[:, None] + np.arange(max(int((end - start).max(initial=0)), 1))
    return np.where(idx < end[:, None], idx, start[:, None])


def argmax_indices(raw, sizes):
    """The flat (H, W)-plane index of each window's first maximum (NaN counts as largest)."""
    k = len(sizes)
    spatial = raw.shape[-k:]
    if k == 1:
        rows = _table(spatial[0], sizes[0])                         # (o, K)
        return rows[np.arange(sizes[0]), np.argmax(raw[..., rows], axis=-1)]
    th, tw = _table(spatial[0], sizes[0]), _table(spatial[1], sizes[1])
    win = raw[..., th[:, :, None, None], tw[None, None, :, :]]      # (…, Ho, Kh, Wo, Kw)
    win = np.moveaxis(win, -3, -2)                                  # (…, Ho, Wo, Kh, Kw)
    found = np.argmax(win.reshape(win.shape[:-2] + (-1,)), axis=-1)
    a, b = np.divmod(found, tw.shape[1])
    h = th[np.arange(sizes[0])[:, None], a]
    w = tw[np.arange(sizes[1])[None, :], b]
    return h * spatial[1] + w


def _adaptive_max(input, k, op, output_size, return_indices):
    shape, sizes = _sizes(input, k, op, output_size)
    if min(sizes) == 0:
        raise ShapeError(f"{op}(): output_size {sizes} must be positive for input of shape "
                         f"{list(shape)}")
    raw = input.array if isinstance(input, Tensor) else np.asarray(input)
    flat = argmax_indices(raw, sizes).astype(np.int64)
    plane = reshape(input, shape[:-k] + (-1,))
    values = reshape(take_along_axis(plane, flat.reshape(shape[:-k] + (-1,)), -1),
                     shape[:-k] + sizes)
    if not return_indices:
        return values
    return values, (leaf(flat) if isinstance(input, Tensor) else flat)


@as_torch("AdaptiveMaxPool2DBackward0")
def adaptive_max_pool2d(input, output_size, return_indices=False):
    """The maximum over each of output_size evenly spread windows of input (N, C, H, W) or
    (C, H, W); with return_indices also its flat index in the (H, W) plane."""
    return _adaptive_max(input, 2, "adaptive_max_pool2d", output_size, return_indices)


@as_torch("SqueezeBackward1")
def adaptive_max_pool1d(input, output_size, return_indices=False):
    """The maximum over each of output_size evenly spread windows of input (N, C, L) or
    (C, L); with return_indices also its index."""
    return _adaptive_max(input, 1, "adaptive_max_pool1d", output_size, return_indices)


def torch_adaptive_max_pool1d(input, output_size):
    """torch.adaptive_max_pool1d (gg.adaptive_max_pool1d): always (values, indices), unlike
    torch.nn.functional's, which gives the indices only with return_indices=True."""
    return _adaptive_max(input, 1, "adaptive_max_pool1d", output_size, True)
