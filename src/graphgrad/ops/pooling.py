"""Max and average pooling over the last k = 1 or 2 dims (torch.nn.functional's max_pool1d/2d,
avg_pool1d/2d), as primitives on strided windows.

A window's entries are reached through one strided slice per kernel offset a (each slice
holds, for every output position o, the entry at o·stride − padding + a·dilation), so the
loops run over the k_h·k_w offsets only, never over pixels or the batch:

    max:  y_o = max_a x[o·s − p + a·d],   code_o = the first a that attains it
          ∂L/∂x = Σ_a scatter_a(∂L/∂y ⊙ [code = a])     (window_scatter; its adjoint gathers)
          ẏ_o = ẋ[o·s − p + code_o·d]                    (window_gather)
    avg:  y_o = Σ_a x[o·s − p + a] / n_o,   ∂L/∂x = Σ_a scatter_a(∂L/∂y / n_o)   (linear)

n_o counts the window's entries (with or without the zero padding, PyTorch's rules), or is
divisor_override. PyTorch's indices (return_indices) are flat per (H, W) plane.
"""
import itertools
import math

import numpy as np

from ..errors import ShapeError
from ..primitives import primitive
from ..tensor import Tensor, leaf
from . import scratch


# ------------------------------------------------------------------------------- geometry
def as_tuple(value, k, op, what):
    """An int or a sequence of 1 or k ints as a k-tuple (PyTorch's _single / _pair)."""
    if isinstance(value, (int, np.integer)):
        return (int(value),) * k
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * k
    if len(value) != k:
        raise ValueError(f"{op}: {what} must be an int or a tuple of {k} ints, got {value}")
    return value


def out_size(n, k, s, p, d, ceil_mode):
    """PyTorch's pooling_output_shape: ⌊(n + 2p − d(k − 1) − 1)/s⌋ + 1 (⌈⌉ with ceil_mode,
    where the last window must start inside the input or its left padding)."""
    out = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def geometry(x, k, op, kernel_size, stride, padding, dilation, ceil_mode):
    """(kernel, stride, padding, dilation, out) as k-tuples, after PyTorch's checks."""
    shape = tuple(np.shape(x))
    if len(shape) not in (k + 1, k + 2) or 0 in shape[-k - 1:]:
        dims = " or ".join(f"{n}-D" for n in (k + 1, k + 2))
        raise ShapeError(f"{op}: expected a non-empty {dims} (batch mode) input, got shape "
                         f"{list(shape)}")
    kernel = as_tuple(kernel_size, k, op, "kernel_size")
    stride = kernel if stride is None or stride == [] or stride == () else \
        as_tuple(stride, k, op, "stride")
    padding, dilation = as_tuple(padding, k, op, "padding"), as_tuple(dilation, k, op, "dilation")
    on = f" (input of shape {list(shape)})"
    if min(kernel) <= 0:
        raise ValueError(f"{op}: kernel size should be greater than zero, but got {kernel}{on}")
    if min(stride) <= 0:
        raise ValueError(f"{op}: stride should be greater than zero, but got {stride}{on}")
    if min(dilation) <= 0:
        raise ValueError(f"{op}: dilation should be greater than zero, but got {dilation}{on}")
    for kk, p, d in zip(kernel, padding, dilation):
        if p < 0 or p > kk // 2:
            raise ValueError(f"{op}: pad should be at most half of effective kernel size, but "
                             f"got pad={p}, kernel_size={kk} and dilation={d}{on}")
    out = tuple(out_size(n, kk, s, p, d, ceil_mode)
                for n, kk, s, p, d in zip(shape[-k:], kernel, stride, padding, dilation))
    if min(out) < 1:
        raise ShapeError(f"{op}: Given input size: {list(shape)}, kernel_size={kernel}, "
                         f"stride={stride}, padding={padding}, dilation={dilation}. Calculated "
                         f"output size: {list(shape[:-k]) + list(out)}. Output size is too small")
    return kernel, stride, padding, dilation, out


def _high_pads(spatial, geom):
    """Padding needed after each dim so that every window lies inside (ceil_mode reaches past
    the right padding)."""
    kernel, stride, padding, dilation, out = geom
    return tuple(max(0, (o - 1) * s + d * (kk - 1) + 1 - p - n)
                 for n, kk, s, p, d, o in zip(spatial, kernel, stride, padding, dilation, out))


def _padded(x, geom, fill):
    """x with `fill` around its last k dims (the padding, and room for ceil_mode's windows)."""
    k = len(geom[0])
    spatial = x.shape[-k:]
    high = _high_pads(spatial, geom)
    if not any(geom[2]) and not any(high):
        return x
    shape = x.shape[:-k] + tuple(p + n + h for p, n, h in zip(geom[2], spatial, high))
    out = np.full(shape, fill, x.dtype)
    out[(...,) + tuple(slice(p, p + n) for p, n in zip(geom[2], spatial))] = x
    return out


def _cropped(xp, geom, spatial):
    return xp[(...,) + tuple(slice(p, p + n) for p, n in zip(geom[2], spatial))]


def _offsets(geom):
    """One strided slice per kernel offset a (row-major over the kernel): the entries at
    o·stride + a·dilation of the padded input, for every output position o."""
    kernel, stride, _, dilation, out = geom
    return [(...,) + tuple(slice(a * d, a * d + s * (o - 1) + 1, s)
                           for a, s, d, o in zip(offs, stride, dilation, out))
            for offs in itertools.product(*map(range, kernel))]


def _tiles(geom, spatial):
    """Whether the windows tile the input exactly (each entry in one window, none left over,
    no padding): then a scatter writes every entry and needs no zeroed start."""
    kernel, stride, padding, dilation, out = geom
    return all(s == kk and d == 1 and p == 0 and o * s == n
               for n, kk, s, p, d, o in zip(spatial, kernel, stride, padding, dilation, out))


def _overlapping(geom):
    kernel, stride, _, dilation, _ = geom
    return any(s < d * (kk - 1) + 1 for kk, s, d in zip(kernel, stride, dilation))


# ------------------------------------------------------------------------------- max pooling
def max_code(x, geom):
    """(y, code): each window's maximum and the offset a of its first maximum (NaN counts as
    the largest, the last NaN of a window chosen, as in PyTorch). Whole-array passes only:
    y by np.maximum, then code = Σ_a Π_{b≤a} [x_b ≠ y], the number of entries before the
    first maximum, counted in the smallest integer type that holds it."""
    fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    xp = _padded(x, geom, fill)
    slices = _offsets(geom)
    best = xp[slices[0]].copy()
    for where in slices[1:]:
        np.maximum(best, xp[where], out=best)
    k = len(slices)
    code = np.empty(best.shape, np.int8 if k < 2 ** 7 else np.int16 if k < 2 ** 15 else np.int32)
    before = scratch.scratch(best.shape, bool)      # no maximum among the offsets so far
    np.not_equal(xp[slices[0]], best, out=before)
    np.copyto(code, before)
    if k > 2:
        differs = scratch.scratch(best.shape, bool)
        for where in slices[1:-1]:
            np.not_equal(xp[where], best, out=differs)
            np.logical_and(before, differs, out=before)
            np.add(code, before, out=code, casting="unsafe")
    if x.dtype.kind == "f" and np.isnan(best).any():
        for a, where in enumerate(slices):
            np.copyto(code, a, where=np.isnan(xp[where]))
    if xp is not x:         # a window whose maximum is the fill: PyTorch's first entry inside
        lost = best == fill
        if lost.any():
            _first_inside(code, lost, geom, x.shape[-len(geom[0]):])
    return best, code


def _first_inside(code, lost, geom, spatial):
    """code ← the first offset inside the input, where `lost`."""
    kernel, stride, padding, dilation, out = geom
    for offs in reversed(list(itertools.product(*map(range, kernel)))):
        inside = np.ones((), bool)
        for n, a, s, p, d, o in zip(spatial, offs, stride, padding, dilation, out):
            at = np.arange(o) * s - p + a * d
            inside = np.logical_and.outer(inside, (at >= 0) & (at < n))
        a = int(np.ravel_multi_index(offs, kernel))
        np.copyto(code, a, where=lost & inside)


def flat_indices(code, geom, spatial):
    """PyTorch's indices: the flat position in the (H, W) plane of each window's maximum."""
    kernel, stride, padding, dilation, out = geom
    k = len(kernel)
    plane = [math.prod(spatial[i + 1:]) for i in range(k)]
    base = np.zeros(out, np.int64)
    for i in range(k):
        at = (np.arange(out[i]) * stride[i] - padding[i]) * plane[i]
        base = base + at.reshape((-1,) + (1,) * (k - 1 - i))
    table = np.array([sum(a * d * m for a, d, m in zip(offs, dilation, plane))
                      for offs in itertools.product(*map(range, kernel))], np.int64)
    return base + table[code]


def _pool_cases(rng):
    n = rng.normal
    g2 = ((2, 2), (2, 2), (0, 0), (1, 1), (2, 2))
    g_pad = ((3, 2), (2, 1), (1, 1), (1, 1), (3, 4))
    g1 = ((3,), (2,), (1,), (2,), (2,))
    return [((n(size=(2, 4, 4)),), {"geom": g2}), ((n(size=(1, 2, 4, 4)),), {"geom": g_pad}),
            ((n(size=(2, 5)),), {"geom": g1})]


def _gather_cases(rng):
    return [((rng.normal(size=(2, 4, 4)), rng.integers(0, 4, (2, 2, 2))),
             {"geom": ((2, 2), (2, 2), (0, 0), (1, 1), (2, 2))}),
            ((rng.normal(size=(1, 2, 4, 4)), rng.integers(0, 6, (1, 2, 3, 4))),
             {"geom": ((3, 2), (2, 1), (1, 1), (1, 1), (3, 4))})]


def _scatter_cases(rng):
    return [((rng.normal(size=(2, 2, 2)), rng.integers(0, 4, (2, 2, 2))),
             {"geom": ((2, 2), (2, 2), (0, 0), (1, 1), (2, 2)), "shape": (5, 4)}),
            ((rng.normal(size=(1, 2, 3, 4)), rng.integers(0, 6, (1, 2, 3, 4))),
             {"geom": ((3, 2), (2, 1), (1, 1), (1, 1), (3, 4)), "shape": (4, 4)})]


@primitive(name="window_gather", saves=("other",), examples=_gather_cases,
           vjp_text="{g} added back at the chosen window entries")
def window_gather(x, code, *, geom):
    """y_o = x[o·s − p + code_o·d]: the entry at offset code_o of each window (linear in x)."""
    xp = _padded(x, geom, 0)
    out = np.zeros(code.shape, x.dtype)
    for a, where in enumerate(_offsets(geom)):
        np.copyto(out, xp[where], where=code == a)
    return out


@primitive(name="window_scatter", saves=("other",), examples=_scatter_cases,
           vjp_text="{g} gathered at the chosen window entries")
def window_scatter(g, code, *, geom, shape):
    """The adjoint of window_gather: g_o added at x[o·s − p + code_o·d], x of spatial `shape`."""
    k = len(shape)
    high = _high_pads(shape, geom)
    full = g.shape[:-k] + tuple(p + n + h for p, n, h in zip(geom[2], shape, high))
    add = _overlapping(geom)
    out = (np.empty if _tiles(geom, shape) else np.zeros)(full, g.dtype)
    chosen = scratch.scratch(code.shape, bool)
    finite = g.dtype.kind != "f" or np.isfinite(g).all()    # else ∞·0 = NaN off the argmax
    for a, where in enumerate(_offsets(geom)):
        np.equal(code, a, out=chosen)
        if not finite:
            term = np.where(chosen, g, 0)
            out[where] = out[where] + term if add else term
        elif add:        # windows overlap: an entry collects from several
            out[where] += g * chosen
        else:            # each entry in one window at most: write in place
            np.multiply(g, chosen, out=out[where])
    return _cropped(out, geom, shape)


window_gather.defvjp(
    lambda g, out, x, code, geom: window_scatter(g, code, geom=geom, shape=tuple(x.shape[-len(
        geom[0]):])), None)
window_gather.defjvp(lambda t, out, x, code, geom: window_gather(t, code, geom=geom), None)
window_scatter.defvjp(lambda g, out, y, code, geom, shape: window_gather(g, code, geom=geom),
                      None)
window_scatter.defjvp(
    lambda t, out, y, code, geom, shape: window_scatter(t, code, geom=geom, shape=shape), None)


@primitive(name="max_pool", saves=("inputs", "residual"), examples=_pool_cases,
           vjp_text="{g} to each window's maximum")
def max_pool(x, *, geom):
    """y_o = max over the window o of x (padding never chosen); keeps each window's argmax."""
    return max_code(x, geom)


def _code(saved, x, geom):
    """The argmax offsets: kept by the forward, or found again on x's values."""
    if saved is not None:
        return saved
    return max_code(x.array if isinstance(x, Tensor) else np.asarray(x), geom)[1]


max_pool.defvjp(lambda g, saved, x, geom: window_scatter(
    g, _code(saved, x, geom), geom=geom, shape=tuple(x.shape[-len(geom[0]):])))
max_pool.defjvp(lambda t, out, x, geom: window_gather(t, _code(None, x, geom), geom=geom))


def _max_pool_nd(k, op, input, kernel_size, stride, padding, dilation, ceil_mode,
                 return_indices):
    geom = geometry(input, k, op, kernel_size, stride, padding, dilation, ceil_mode)
    if not return_indices:
        return max_pool(input, geom=geom)
    raw = input.array if isinstance(input, Tensor) else np.asarray(input)
    code = max_code(raw, geom)[1]
    indices = flat_indices(code, geom, raw.shape[-k:])
    values = window_gather(input, code, geom=geom)
    return values, (leaf(indices) if isinstance(input, Tensor) else indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """The maximum of each kernel_size window of input (N, C, H, W) or (C, H, W), windows
    `stride` apart (kernel_size by default), `dilation` apart inside, over an input padded by
    -∞ (`padding` ≤ kernel/2 each side); ceil_mode keeps a last partial window. With
    return_indices, also each maximum's flat index in its (H, W) plane."""
    return _max_pool_nd(2, "max_pool2d", input, kernel_size, stride, padding, dilation,
                        ceil_mode, return_indices)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """max_pool2d over the last dim of input (N, C, L) or (C, L)."""
    return _max_pool_nd(1, "max_pool1d", input, kernel_size, stride, padding, dilation,
                        ceil_mode, return_indices)


# ------------------------------------------------------------------------------- avg pooling
def divisor(spatial, geom, count_include_pad, divisor_override):
    """n_o per output position: the window's size clipped at the padded input's end, or the
    count of its entries inside the input (count_include_pad=False), or divisor_override."""
    kernel, stride, padding, _, out = geom
    if divisor_override:
        return float(divisor_override)
    total = np.ones((), np.float64)
    for n, kk, s, p, o in zip(spatial, kernel, stride, padding, out):
        start = np.arange(o) * s - p
        end = np.minimum(start + kk, n + p)
        size = end - start if count_include_pad else \
            np.minimum(end, n) - np.maximum(start, 0)
        total = np.multiply.outer(total, size.astype(np.float64))
    return total


def _avg_cases(rng):
    n = rng.normal
    return [((n(size=(2, 4, 4)),), {"geom": ((2, 2), (2, 2), (0, 0), (1, 1), (2, 2))}),
            ((n(size=(1, 2, 4, 5)),), {"geom": ((3, 2), (2, 1), (1, 1), (1, 1), (3, 6)),
                                       "count_include_pad": False}),
            ((n(size=(2, 5)),), {"geom": ((3,), (2,), (1,), (1,), (3,)),
                                 "divisor_override": 2})]


@primitive(name="avg_pool", saves=(), examples=_avg_cases, vjp_text="{g} / n spread over "
           "each window")
def avg_pool(x, *, geom, count_include_pad=True, divisor_override=None):
    """y_o = Σ_a x[o·s − p + a] / n_o (zero padding; integers divided with truncation, as in
    PyTorch)."""
    xp = _padded(x, geom, 0)
    slices = _offsets(geom)
    integer = x.dtype.kind in "iub"
    dtype = np.int64 if integer else x.dtype
    out = (np.add(xp[slices[0]], xp[slices[1]], dtype=dtype, order="C") if len(slices) > 1
           else xp[slices[0]].astype(dtype, order="C", copy=True))     # C order, as PyTorch's
    for where in slices[2:]:
        out += xp[where]
    n = divisor(x.shape[-len(geom[0]):], geom, count_include_pad, divisor_override)
    if integer:
        n = np.asarray(n).astype(np.int64)
        return (np.sign(out) * (np.abs(out) // n)).astype(x.dtype)
    out /= n
    return out


@primitive(name="avg_pool_adjoint", saves=(), examples=lambda rng: [
    ((rng.normal(size=(2, 2, 2)),), {"geom": ((2, 2), (2, 2), (0, 0), (1, 1), (2, 2)),
                                     "shape": (4, 5)}),
    ((rng.normal(size=(1, 3, 6)),), {"geom": ((3, 2), (2, 1), (1, 1), (1, 1), (3, 6)),
                                     "shape": (4, 5), "count_include_pad": False})],
    vjp_text="{g} averaged over each window")
def avg_pool_adjoint(g, *, geom, shape, count_include_pad=True, divisor_override=None):
    """The adjoint of avg_pool: g_o / n_o added to every entry of window o (x of spatial
    `shape`)."""
    k = len(shape)
    high = _high_pads(shape, geom)
    out = np.zeros(g.shape[:-k] + tuple(p + n + h for p, n, h in zip(geom[2], shape, high)),
                   g.dtype)
    share = g / divisor(shape, geom, count_include_pad, divisor_override)
    share = share.astype(g.dtype, copy=False)
    add = _overlapping(geom)
    for where in _offsets(geom):
        if add:
            out[where] += share
        else:           # each entry in one window at most
            out[where] = share
    return _cropped(out, geom, shape)


avg_pool.defvjp(lambda g, out, x, geom, count_include_pad=True, divisor_override=None:
                avg_pool_adjoint(g, geom=geom, shape=tuple(x.shape[-len(geom[0]):]),
                                 count_include_pad=count_include_pad,
                                 divisor_override=divisor_override))
avg_pool.deflinear()
avg_pool_adjoint.defvjp(lambda g, out, y, geom, shape, count_include_pad=True,
                        divisor_override=None:
                        avg_pool(g, geom=geom, count_include_pad=count_include_pad,
                                 divisor_override=divisor_override))
avg_pool_adjoint.deflinear()


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """The mean of each kernel_size window of input (N, C, H, W) or (C, H, W), windows `stride`
    apart (kernel_size by default), over an input padded by zeros; count_include_pad=False
    divides by the entries inside the input only, divisor_override by a fixed number."""
    if divisor_override is not None and divisor_override == 0:
        raise ValueError("avg_pool2d: divisor must be not zero")
    geom = geometry(input, 2, "avg_pool2d", kernel_size, stride, padding, 1, ceil_mode)
    return avg_pool(input, geom=geom, count_include_pad=bool(count_include_pad),
                    divisor_override=divisor_override)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """avg_pool2d over the last dim of input (N, C, L) or (C, L)."""
    geom = geometry(input, 1, "avg_pool1d", kernel_size, stride, padding, 1, ceil_mode)
    return avg_pool(input, geom=geom, count_include_pad=bool(count_include_pad))


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False):
    """torch.max_pool1d_with_indices: max_pool1d's (values, indices)."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)
