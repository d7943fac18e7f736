"""Resampling (torch.nn.functional's interpolate, pixel_shuffle, pixel_unshuffle).

interpolate is separable: each spatial dim of length n is mapped to o by its own linear map,
applied one dim after the other, so every mode is a composite of primitives whose rules give
all derivatives:

    nearest         y_i = x_{src(i)}, src(i) = min(⌊i·s⌋, n − 1)  (nearest-exact: ⌊(i + ½)·s⌋)
                    a gather (getitem), whose adjoint adds the gradient back (index_add)
    linear modes    y = M x with M (o, n) holding the weights of PyTorch's source index
                    src = s·(i + ½) − ½ (or s·i with align_corners): two taps (1 − λ, λ) for
                    linear/bilinear/trilinear, four cubic-convolution taps (A = −0.75, indices
                    clamped at the border) for bicubic
    area            M averages PyTorch's adaptive windows (adaptive_avg_pool)

s is 1/scale_factor when scale_factor is given (and not recomputed), else n/o; with
align_corners, (n − 1)/(o − 1). pixel_shuffle is a reshape, a permutation and a reshape.
"""
import math
import numbers

import numpy as np

from ..errors import ShapeError
from ..grad_fn_names import as_torch
from ..tensor import Tensor
from .adaptive_pool import average_matrix
from .clone import fresh
from .index import getitem
from .linalg import matmul
from .shape import reshape
from .views import permute

_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")
_LINEAR = {"linear": 3, "bilinear": 4, "trilinear": 5, "bicubic": 4}


def _output_sizes(shape, size, scale_factor, recompute_scale_factor, mode):
    """(output sizes, the scales PyTorch passes to its kernels or None per dim)."""
    dim, spatial = len(shape) - 2, list(shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("interpolate: only one of size or scale_factor should be defined")
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("interpolate: recompute_scale_factor is not meaningful with an "
                             "explicit size.")
        sizes = list(size) if isinstance(size, (list, tuple)) else [size] * dim
        if len(sizes) != dim:
            raise ValueError(f"interpolate: Input and output must have the same number of "
                             f"spatial dimensions, but got input with spatial dimensions of "
                             f"{spatial} and output size of {size}. Please provide input tensor "
                             f"in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, "
                             f"...,oK) format.")
        if not all(isinstance(s, numbers.Integral) for s in sizes):
            raise TypeError(f"interpolate: expected size to be one of int or Tuple[int], but "
                            f"got size with types {[type(s) for s in sizes]}")
        return [int(s) for s in sizes], [None] * dim
    if scale_factor is None:
        raise ValueError("interpolate: either size or scale_factor should be defined")
    scales = list(scale_factor) if isinstance(scale_factor, (list, tuple)) else \
        [scale_factor] * dim
    if len(scales) != dim:
        raise ValueError(f"interpolate: Input and scale_factor must have the same number of "
                         f"spatial dimensions, but got input with spatial dimensions of "
                         f"{spatial} and scale_factor of shape {scale_factor}. Please provide "
                         f"input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in "
                         f"(s1, s2, ...,sK) format.")
    sizes = [int(math.floor(float(n) * float(s))) for n, s in zip(spatial, scales)]
    if recompute_scale_factor or mode == "area":
        return sizes, [None] * dim
    return sizes, [float(s) for s in scales]


def _nearest_index(n, o, scale, exact):
    """PyTorch's nearest source indices, computed in float32 as its kernels do."""
    i = np.arange(o)
    if not exact and o == n:
        return i
    if not exact and o == 2 * n:
        return i >> 1
    s = np.float32(1.0 / scale) if scale is not None and scale > 0 else \
        np.float32(n) / np.float32(o)
    src = np.floor((i.astype(np.float32) + np.float32(0.5 if exact else 0.0)) * s)
    return np.minimum(src.astype(np.int64), n - 1)


def _cubic(t, a=-0.75):
    """The four cubic-convolution weights of taps −1, 0, 1, 2 at fraction t (Keys 1981)."""
    def near(x):
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], axis=-1)


def interpolation_matrix(n, o, scale, align_corners, mode, dtype):
    """M (o, n): y = M x along one dim, for the linear modes (PyTorch's source index and
    weights, computed in the input's float type as its kernels do)."""
    ft = np.float32 if dtype == np.float32 else np.float64
    i = np.arange(o).astype(ft)
    if align_corners:
        s = ft((n - 1) / (o - 1)) if o > 1 else ft(0)
        src = s * i
    else:
        s = ft(1.0 / scale) if scale is not None and scale > 0 else ft(n) / ft(o)
        src = s * (i + ft(0.5)) - ft(0.5)
    m = np.zeros((o, n), np.float64)
    rows = np.arange(o)[:, None]
    if mode == "bicubic":
        low = np.floor(src)
        taps = np.clip(low.astype(np.int64)[:, None] + np.arange(-1, 3), 0, n - 1)
        np.add.at(m, (rows, taps), _cubic((src - low).astype(np.float64)))
        return m.astype(dtype)
    src = np.maximum(src, ft(0))
    low = np.minimum(np.floor(src).astype(np.int64), n - 1)
    lam = np.clip(src - low, 0, 1).astype(np.float64)
    high = low + (low < n - 1)
    np.add.at(m, (rows, np.stack([low, high], 1)), np.stack([1 - lam, lam], 1))
    return m.astype(dtype)


def _along(x, axis, matrix):
    """matrix (o, n) applied along `axis` (negative) of x: the later dims merged into one
    so that one matmul does it."""
    if axis == -1:
        return matmul(x, matrix.T)
    shape = tuple(np.shape(x))
    merged = reshape(x, shape[:axis] + (shape[axis], math.prod(shape[axis + 1:])))
    return reshape(matmul(matrix, merged), shape[:axis] + (matrix.shape[0],) + shape[axis + 1:])


def _check(input, mode, align_corners, antialias):
    ndim = np.ndim(input)
    if mode not in _MODES:
        raise NotImplementedError(f"interpolate: mode {mode!r} is not one of {_MODES}")
    if ndim not in (3, 4, 5):
        raise NotImplementedError(f"interpolate: Input Error: Only 3D, 4D and 5D input Tensors "
                                  f"supported (got {ndim}D, shape {list(np.shape(input))}) for "
                                  f"the modes: {' | '.join(_MODES)} (got {mode})")
    if mode in _LINEAR and _LINEAR[mode] != ndim:
        raise NotImplementedError(f"interpolate: Got {ndim}D input of shape "
                                  f"{list(np.shape(input))}, but {mode} mode needs "
                                  f"{_LINEAR[mode]}D input")
    if mode not in _LINEAR and align_corners is not None:
        raise ValueError("interpolate: align_corners option can only be set with the "
                         "interpolating modes: linear | bilinear | bicubic | trilinear")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not implemented in graphgrad")


_UPSAMPLE = {"nearest": "Nearest", "nearest-exact": "NearestExact", "linear": "Linear",
             "bilinear": "Bilinear", "bicubic": "Bicubic", "trilinear": "Trilinear"}


def _upsample_name(input, size=None, scale_factor=None, mode="nearest", *args, **kwargs):
    """PyTorch's node: Upsample<Mode><k>DBackward0 for input (N, C, d₁, …, d_k)."""
    if mode not in _UPSAMPLE:
        return None
    return f"Upsample{_UPSAMPLE[mode]}{np.ndim(input) - 2}DBackward0"


@as_torch(_upsample_name)
def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """input (N, C, d₁, …, d_k), k = 1, 2, 3, resampled to `size` or ⌊d·scale_factor⌋ per dim
    by mode 'nearest', 'nearest-exact', 'linear' (k = 1), 'bilinear' (k = 2), 'bicubic'
    (k = 2), 'trilinear' (k = 3) or 'area'; align_corners (linear modes) maps the corner
    pixels' centres onto each other."""
    _check(input, mode, align_corners, antialias)
    shape = tuple(np.shape(input))
    sizes, scales = _output_sizes(shape, size, scale_factor, recompute_scale_factor, mode)
    if min(sizes) <= 0 or 0 in shape[1:]:
        raise ShapeError(f"interpolate: input {list(shape)} and output sizes {sizes} should be "
                         f"greater than 0")
    dtype = input.dtype if isinstance(input, Tensor) else np.result_type(input, np.float32)
    out = input
    for d, (n, o, scale) in enumerate(zip(shape[2:], sizes, scales)):
        axis = d - len(sizes)
        if mode in ("nearest", "nearest-exact"):
            index = _nearest_index(n, o, scale, mode == "nearest-exact")
            if o != n or not np.array_equal(index, np.arange(n)):
                out = getitem(out, (Ellipsis, index) + (slice(None),) * (-axis - 1))
        elif mode == "area":
            out = _along(out, axis, average_matrix(n, o, dtype))
        else:
            out = _along(out, axis, interpolation_matrix(n, o, scale, bool(align_corners), mode,
                                                         dtype))
    return fresh(out, input)        # new memory, as PyTorch's, at any size


@as_torch("PixelShuffleBackward0")
def pixel_shuffle(input, upscale_factor):
    """(*, C·r², H, W) → (*, C, H·r, W·r): out[…, c, h·r + i, w·r + j] = in[…, c·r² + i·r + j,
    h, w] with r = upscale_factor."""
    shape, r = tuple(np.shape(input)), int(upscale_factor)
    if len(shape) < 3:
        raise ShapeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got "
                         f"input with {len(shape)} dimension(s) (shape {list(shape)})")
    if r <= 0:
        raise ValueError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    if shape[-3] % (r * r):
        raise ShapeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible "
                         f"by the square of upscale_factor, but input.size(-3)={shape[-3]} is "
                         f"not divisible by {r * r} (input of shape {list(shape)})")
    lead, (c, h, w) = shape[:-3], shape[-3:]
    k = len(lead)
    x = reshape(input, lead + (c // (r * r), r, r, h, w))
    x = permute(x, tuple(range(k)) + tuple(k + i for i in (0, 3, 1, 4, 2)))
    return reshape(x, lead + (c // (r * r), h * r, w * r))


@as_torch("PixelUnshuffleBackward0")
def pixel_unshuffle(input, downscale_factor):
    """The inverse of pixel_shuffle: (*, C, H·r, W·r) → (*, C·r², H, W)."""
    shape, r = tuple(np.shape(input)), int(downscale_factor)
    if len(shape) < 3:
        raise ShapeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got "
                         f"input with {len(shape)} dimension(s) (shape {list(shape)})")
    if r <= 0:
        raise ValueError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    for name, n in (("height", shape[-2]), ("width", shape[-1])):
        if n % r:
            raise ShapeError(f"pixel_unshuffle expects {name} to be divisible by "
                             f"downscale_factor, but input.size({-2 if name == 'height' else -1})"
                             f"={n} is not divisible by {r} (input of shape {list(shape)})")
    lead, (c, h, w) = shape[:-3], shape[-3:]
    k = len(lead)
    x = reshape(input, lead + (c, h // r, r, w // r, r))
    x = permute(x, tuple(range(k)) + tuple(k + i for i in (0, 2, 4, 1, 3)))
    return reshape(x, lead + (c * r * r, h // r, w // r))
