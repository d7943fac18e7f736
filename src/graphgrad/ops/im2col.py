"""im2col and col2im: the sliding windows of an image as the columns of a matrix, and back.

For x of shape (N, C, H, W), kernel (kh, kw), stride s, dilation d and zero padding p, the
window at output position (i, j) reads x_pad[n, c, i·s₀ + a·d₀, j·s₁ + b·d₁] for a < kh,
b < kw. im2col lays these out as cols[n, (c, a, b), (i, j)], a (N, C·kh·kw, L) array with
L = Ho·Wo positions, Ho = ⌊(H + p_top + p_bottom − d₀(kh − 1) − 1) / s₀⌋ + 1. For unfold it is
one strided view of the padded input (numpy.lib.stride_tricks.as_strided: no loop over pixels)
copied once; for a convolution, whose GEMM reads the (C·kh·kw, N·L) layout, one strided slice
of x per kernel offset is copied into a scratch column buffer (reused from step to step), its
border zeroed where the tap reads padding, so x is never copied into a padded array. col2im is
the adjoint: each column entry is added back where it was read, one strided slice per kernel
offset (a loop over kh·kw, never over the batch or pixels).

unfold (torch.nn.functional.unfold) is im2col; fold is col2im; each is the other's transpose.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..errors import ShapeError
from ..primitives import primitive
from . import scratch
from .shape import reshape


# ------------------------------------------------------------------------------ geometry
def ntuple(value, n, name, op):
    """An int or a sequence of n ints as a tuple of n ints (PyTorch's _pair / _single)."""
    if isinstance(value, (int, np.integer)):
        return (int(value),) * n
    value = tuple(value)
    if len(value) == 1 and n > 1:
        value = value * n
    if len(value) != n or not all(isinstance(v, (int, np.integer)) for v in value):
        raise ShapeError(f"{op}: expected {name} to be a single integer value or a list of {n} "
                         f"values to match the convolution dimensions, but got {name}="
                         f"{list(value)}")
    return tuple(int(v) for v in value)


def out_length(size, k, stride, before, after, dilation):
    """⌊(size + before + after − dilation·(k − 1) − 1) / stride⌋ + 1 windows along one axis."""
    return (size + before + after - dilation * (k - 1) - 1) // stride + 1


def out_shape(hw, kernel, stride, padding, dilation):
    """(Ho, Wo) for spatial size hw and padding ((top, bottom), (left, right))."""
    return tuple(out_length(n, k, s, p[0], p[1], d)
                 for n, k, s, p, d in zip(hw, kernel, stride, padding, dilation))


# ------------------------------------------------------------------------------ on ndarrays
def padded(x, padding):
    """x (N, C, H, W) inside a zero border ((top, bottom), (left, right))."""
    (pt, pb), (pl, pr) = padding
    if not (pt or pb or pl or pr):
        return x
    n, c, h, w = x.shape
    out = np.zeros((n, c, h + pt + pb, w + pl + pr), x.dtype)
    out[:, :, pt:pt + h, pl:pl + w] = x
    return out


def windows(xp, kernel, stride, dilation, out_hw):
    """The read-only view (N, C, kh, kw, Ho, Wo) of the windows of a padded xp."""
    n, c = xp.shape[:2]
    sn, sc, sh, sw = xp.strides
    return as_strided(xp, (n, c) + tuple(kernel) + tuple(out_hw),
                      (sn, sc, dilation[0] * sh, dilation[1] * sw, stride[0] * sh,
                       stride[1] * sw), writeable=False)


def _inside(n, o, k_offset, stride, before):
    """(first, end) output positions whose tap at k_offset (= a·dilation) reads inside the
    input of length n, and the input index of the first: r = i·stride − before + k_offset."""
    first = max(0, -(-(before - k_offset) // stride))
    end = min(o, (n - 1 + before - k_offset) // stride + 1)
    return first, max(first, end), first * stride - before + k_offset


def _taps(hw, out_hw, kernel, stride, padding, dilation):
    """Per kernel offset (a, b): the output rows and columns whose tap lies inside the input
    (slices into the output grid) and the strided slices of the input they read."""
    (h, w), (ho, wo), (s0, s1), (d0, d1) = hw, out_hw, stride, dilation
    for a in range(kernel[0]):
        i0, i1, r = _inside(h, ho, a * d0, s0, padding[0][0])
        for b in range(kernel[1]):
            j0, j1, c = _inside(w, wo, b * d1, s1, padding[1][0])
            yield (a, b, (slice(i0, i1), slice(j0, j1)),
                   (slice(r, r + s0 * (i1 - i0 - 1) + 1, s0),
                    slice(c, c + s1 * (j1 - j0 - 1) + 1, s1)), (i0, i1, j0, j1))


def _zero_border(block, bounds):
    """Zero what a tap reads from the padding: block (…, Ho, Wo) outside rows i0:i1, cols
    j0:j1."""
    i0, i1, j0, j1 = bounds
    block[..., :i0, :] = 0
    block[..., i1:, :] = 0
    block[..., i0:i1, :j0] = 0
    block[..., i0:i1, j1:] = 0


def im2col(x, kernel, stride, padding, dilation, channels_first=False):
    """cols (N, C·kh·kw, Ho·Wo) from x (N, C, H, W), one strided copy; channels_first: laid
    out (C·kh·kw, N·Ho·Wo) instead, the one matrix a convolution's single GEMM reads, in a
    scratch buffer (reused from step to step) filled tap by tap straight from x, the zero
    padding written where a tap falls outside (no padded copy of x)."""
    n, c, h, w = x.shape
    ho, wo = out_shape((h, w), kernel, stride, padding, dilation)
    k = c * kernel[0] * kernel[1]
    if not channels_first:
        view = windows(padded(x, padding), kernel, stride, dilation, (ho, wo))
        cols = np.empty(view.shape, x.dtype)
        np.copyto(cols, view)
        return cols.reshape(n, k, ho * wo)
    cols = column_buffer(x, kernel, stride, padding, dilation)
    fill_columns(cols, x, kernel, stride, padding, dilation)
    return cols


def column_buffer(x, kernel, stride, padding, dilation):
    """The uninitialised scratch buffer (C·kh·kw, N·Ho·Wo) of x's channels-first columns."""
    n, c, h, w = x.shape
    ho, wo = out_shape((h, w), kernel, stride, padding, dilation)
    return scratch.scratch((c * kernel[0] * kernel[1], n * ho * wo), x.dtype)


def fill_columns(cols, x, kernel, stride, padding, dilation, batch=slice(None)):
    """Fill the columns of the samples `batch` of the channels-first cols from x[batch]: one
    strided copy per kernel offset, the zero padding written where a tap falls outside."""
    n, c, h, w = x.shape
    ho, wo = out_shape((h, w), kernel, stride, padding, dilation)
    cols = cols.reshape((c,) + tuple(kernel) + (n, ho, wo))[:, :, :, batch]
    source = x[batch].transpose(1, 0, 2, 3)
    for a, b, out, read, bounds in _taps((h, w), (ho, wo), kernel, stride, padding, dilation):
        block = cols[:, a, b]
        np.copyto(block[(..., *out)], source[(..., *read)])
        _zero_border(block, bounds)


def col2im(cols, channels, hw, kernel, stride, padding, dilation, channels_first=False,
           out=None):
    """The adjoint of im2col: x (N, C, H, W) with every column entry added back where im2col
    read it (overlapping windows sum; what fell on the padding dropped), a loop over the
    kh·kw kernel offsets only, accumulated straight into x (or added into out, in place)."""
    kh, kw = kernel
    ho, wo = out_shape(hw, kernel, stride, padding, dilation)
    if channels_first:      # columns (C, kh, kw, N, Ho, Wo)
        c6 = cols.reshape(channels, kh, kw, -1, ho, wo)
        n = c6.shape[3]
    else:                   # columns (N, C, kh, kw, Ho, Wo)
        n = cols.shape[0]
        c6 = cols.reshape(n, channels, kh, kw, ho, wo).transpose(1, 2, 3, 0, 4, 5)
    x = np.zeros((n, channels) + tuple(hw), cols.dtype) if out is None else out
    target = x.transpose(1, 0, 2, 3)
    for a, b, out, read, _ in _taps(hw, (ho, wo), kernel, stride, padding, dilation):
        target[(..., *read)] += c6[(slice(None), a, b, Ellipsis, *out)]
    return x


# ------------------------------------------------------------------------------ primitives
def _sym(padding):
    return tuple((p, p) for p in padding)


def _unfold_cases(rng):
    n = rng.normal
    return [((n(size=(2, 2, 5, 4)),), {"kernel_size": (2, 3), "dilation": (1, 1),
                                      "padding": (1, 0), "stride": (2, 1)}),
            ((n(size=(1, 1, 4, 4)),), {"kernel_size": (2, 2), "dilation": (2, 1),
                                      "padding": (0, 1), "stride": (1, 2)})]


@primitive(name="im2col", saves=(), examples=_unfold_cases, vjp_text="fold({g})")
def _unfold(x, *, kernel_size, dilation, padding, stride):
    """im2col: (N, C, H, W) → (N, C·kh·kw, L), the sliding windows as columns."""
    return im2col(x, kernel_size, stride, _sym(padding), dilation)


def _fold_cases(rng):
    n = rng.normal
    return [((n(size=(2, 12, 6)),), {"output_size": (5, 4), "kernel_size": (2, 3),
                                    "dilation": (1, 1), "padding": (1, 0), "stride": (2, 1)}),
            ((n(size=(1, 4, 16)),), {"output_size": (3, 3), "kernel_size": (2, 2),
                                   "dilation": (1, 1), "padding": (1, 1), "stride": (1, 1)})]


@primitive(name="col2im", saves=(), examples=_fold_cases, vjp_text="unfold({g})")
def _fold(cols, *, output_size, kernel_size, dilation, padding, stride):
    """col2im: (N, C·kh·kw, L) → (N, C, H, W), overlapping entries summed."""
    channels = cols.shape[1] // (kernel_size[0] * kernel_size[1])
    return col2im(cols, channels, output_size, kernel_size, stride, _sym(padding), dilation)


_unfold.defvjp(lambda g, out, x, kernel_size, dilation, padding, stride: _fold(
    g, output_size=tuple(np.shape(x)[2:]), kernel_size=kernel_size, dilation=dilation,
    padding=padding, stride=stride))
_unfold.deflinear()
_fold.defvjp(lambda g, out, cols, output_size, kernel_size, dilation, padding, stride: _unfold(
    g, kernel_size=kernel_size, dilation=dilation, padding=padding, stride=stride))
_fold.deflinear()


def _params(kernel_size, dilation, padding, stride, op):
    k, d = ntuple(kernel_size, 2, "kernel_size", op), ntuple(dilation, 2, "dilation", op)
    p, s = ntuple(padding, 2, "padding", op), ntuple(stride, 2, "stride", op)
    if min(k) <= 0 or min(d) <= 0 or min(s) <= 0 or min(p) < 0:
        raise ShapeError(f"{op}: kernel_size, dilation and stride must be positive and padding "
                         f"non-negative, got kernel_size={k}, dilation={d}, padding={p}, "
                         f"stride={s}")
    return k, d, p, s


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """torch.nn.functional.unfold (im2col): (N, C, H, W) → (N, C·Π kernel_size, L), each column
    one sliding window, L = Π_d ⌊(size_d + 2·padding_d − dilation_d·(k_d − 1) − 1) / stride_d⌋
    + 1. An unbatched (C, H, W) input gives (C·Π kernel_size, L)."""
    k, d, p, s = _params(kernel_size, dilation, padding, stride, "unfold")
    shape = tuple(np.shape(input))
    if len(shape) not in (3, 4):
        raise ShapeError(f"unfold: Input Error: Only 3D or 4D input Tensors are supported "
                         f"(got {len(shape)}D), input of shape {list(shape)}")
    if 0 in shape[-3:]:
        raise ShapeError(f"unfold: expected non-empty channel and spatial dims, got input of "
                         f"shape {list(shape)}")
    blocks = out_shape(shape[-2:], k, s, _sym(p), d)
    if min(blocks) < 1:
        raise ShapeError(f"unfold: Given input with spatial size {tuple(shape[-2:])}, "
                         f"kernel_size={k}, dilation={d}, padding={p}, calculated shape of the "
                         f"array of sliding blocks as {blocks}, but its components must be at "
                         f"least one.")
    x = input if len(shape) == 4 else reshape(input, (1,) + shape)
    out = _unfold(x, kernel_size=k, dilation=d, padding=p, stride=s)
    return out if len(shape) == 4 else reshape(out, np.shape(out)[1:])


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """torch.nn.functional.fold (col2im), unfold's adjoint: (N, C·Π kernel_size, L) →
    (N, C, *output_size), entries of overlapping windows summed. An unbatched (C·Π k, L)
    input gives (C, *output_size)."""
    op = "fold"
    size = ntuple(output_size, 2, "output_size", op)
    k, d, p, s = _params(kernel_size, dilation, padding, stride, op)
    shape = tuple(np.shape(input))
    if len(shape) not in (2, 3):
        raise ShapeError(f"fold: Expected 2D or 3D (batch mode) tensor for input with possibly "
                         f"0 batch size and non-zero dimensions for input, but got input of "
                         f"shape {list(shape)}")
    if shape[-2] % (k[0] * k[1]) or shape[-2] == 0:
        raise ShapeError(f"fold: Expected size of input's dimension {len(shape) - 2} to be "
                         f"divisible by the product of kernel_size, but got input.size"
                         f"({len(shape) - 2})={shape[-2]} and kernel_size={k}.")
    blocks = out_shape(size, k, s, _sym(p), d)
    if min(blocks) < 1 or blocks[0] * blocks[1] != shape[-1]:
        raise ShapeError(f"fold: Given output_size={size}, kernel_size={k}, dilation={d}, "
                         f"padding={p}, stride={s}, expected size of input's dimension "
                         f"{len(shape) - 1} to match the calculated number of sliding blocks "
                         f"{blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got input."
                         f"size({len(shape) - 1})={shape[-1]}.")
    x = input if len(shape) == 3 else reshape(input, (1,) + shape)
    out = _fold(x, output_size=size, kernel_size=k, dilation=d, padding=p, stride=s)
    return out if len(shape) == 3 else reshape(out, np.shape(out)[1:])
