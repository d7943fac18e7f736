"""Padding: NumPy's pad (a (before, after) pair per axis) and torch.nn.functional.pad
(pad_nd: PyTorch's flat tuple, last dim first), in the modes constant, reflect, replicate
(NumPy's 'edge') and circular ('wrap'), and NumPy's 'symmetric'.

Constant padding is a primitive whose adjoint crops. The other modes read x at an index map
(np.pad applied to the positions 0..n-1 of each dim), so they are getitem, whose adjoint adds
each copy's gradient back at its source.
"""
import numpy as np

from ..errors import ShapeError
from ..grad_fn_names import as_torch
from ..primitives import primitive
from ._samples import fixed
from .index import _getitem


@primitive(name="pad", saves=(), vjp_text="{g} cropped to {shape}",
           examples=fixed((lambda r: (r.normal(size=(2, 3)),), {"pad_width": ((1, 0), (2, 1))}),
                          (lambda r: (r.normal(size=(3,)),), {"pad_width": ((0, 2),)})))
def _pad(x, *, pad_width, value=0.0):
    """x surrounded by `value`: pad_width[i] = (before, after) along axis i (NumPy's spelling)."""
    return np.pad(x, pad_width, constant_values=value)


def _crop(x, widths):
    """x without widths[i] = (before, after) entries at the ends of each axis."""
    if not any(before or after for before, after in widths):
        return x
    return _getitem(x, index=tuple(slice(before, n - after)
                                   for (before, after), n in zip(widths, np.shape(x))))


_pad.defvjp(lambda g, out, x, pad_width, value=0.0: _crop(g, pad_width))
_pad.defjvp(lambda t, out, x, pad_width, value=0.0: _pad(t, pad_width=pad_width))

#: The modes by PyTorch's and NumPy's names, as NumPy's.
_MODES = {"constant": "constant", "reflect": "reflect", "symmetric": "symmetric",
          "replicate": "edge", "edge": "edge", "circular": "wrap", "wrap": "wrap"}


def _mapped(x, widths, mode):
    """x padded by an index map per axis: out[i] = x[np.pad(arange(n), width, mode)[i]]."""
    out = x
    for d, (before, after) in enumerate(widths):
        if before or after:
            n = np.shape(out)[d]
            if n == 0:
                raise ShapeError(f"pad: cannot pad the empty dim {d} of a tensor of shape "
                                 f"{list(np.shape(x))} in mode {mode!r}")
            where = np.pad(np.arange(n), (before, after), mode=mode)
            out = _getitem(out, index=(slice(None),) * d + (where,))
    return out


def pad(x, pad_width, mode="constant", value=0.0, *, constant_values=None):
    """NumPy's pad: pad_width is a (before, after) pair per axis, one pair or one int for all;
    modes 'constant' (value, or NumPy's constant_values), 'reflect', 'symmetric', 'edge' and
    'wrap' (PyTorch's 'replicate' and 'circular' accepted). For PyTorch's pad tuple, last dim
    first, use nn.functional.pad (pad_nd)."""
    if mode not in _MODES:
        raise ValueError(f"pad: mode {mode!r} is not one of {sorted(_MODES)}")
    ndim = np.ndim(x)
    try:
        width = np.broadcast_to(np.asarray(pad_width, dtype=int), (ndim, 2))
    except ValueError:
        raise ShapeError(f"pad: pad_width {pad_width} does not fit a tensor of {ndim} dims "
                         "(one (before, after) pair per axis)") from None
    if (width < 0).any():
        raise ShapeError(f"pad: negative pad widths {pad_width} (NumPy's pad only adds)")
    widths = tuple(map(tuple, width.tolist()))
    if _MODES[mode] == "constant":
        return _pad(x, pad_width=widths, value=value if constant_values is None
                    else constant_values)
    if constant_values is not None:
        raise ValueError(f"pad: mode {mode!r} takes no constant_values")
    return _mapped(x, widths, _MODES[mode])


_NON_CONSTANT = ("Supported combinations for non-constant padding:\n"
                 "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
                 "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
                 "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def _check_non_constant(shape, widths, k, mode):
    """PyTorch's limits on reflect, replicate and circular padding (shape: what is padded)."""
    ndim = len(shape)
    if k not in (1, 2, 3) or ndim not in (k + 1, k + 2):
        raise NotImplementedError(f"Padding size {2 * k} is not supported for {ndim}D input "
                                  f"tensor.\n{_NON_CONSTANT}")
    if 0 in (shape[1:] if ndim == k + 2 else shape):
        raise ShapeError(f"pad: expected a tensor with possibly 0 batch size and other non-zero "
                         f"dimensions, but got: {list(shape)}")
    for d in range(ndim - k, ndim):
        (before, after), n = widths[d], shape[d]
        if mode == "reflect" and (before >= n or after >= n):
            raise ShapeError(f"pad: Padding size should be less than the corresponding input "
                             f"dimension, but got: padding ({before}, {after}) at dimension {d} "
                             f"of input {list(shape)}")
        if mode == "circular" and (before > n or after > n):
            raise ShapeError(f"pad: Padding value causes wrapping around more than once: "
                             f"padding ({before}, {after}) at dimension {d} of input "
                             f"{list(shape)}")


def _pad_name(input, pad, mode="constant", value=None):
    """PyTorch's node for F.pad: ReflectionPad<k>D, ReplicationPad<k>D (k = len(pad) / 2),
    CopySlices for circular."""
    k = len(pad) // 2
    return {"reflect": f"ReflectionPad{k}DBackward0", "replicate": f"ReplicationPad{k}DBackward0",
            "circular": "CopySlices"}.get(mode)


@as_torch(_pad_name)
def pad_nd(input, pad, mode="constant", value=None):
    """torch.nn.functional.pad: pad = (left, right) of the last dim, then (top, bottom) of the
    one before, …; negative entries crop. Modes 'constant' (value, 0 by default), 'reflect'
    (mirrored without repeating the edge), 'replicate' (the edge repeated) and 'circular'
    (wrapped around). The gradient of a copied entry goes back to its source."""
    pad = tuple(int(p) for p in pad)
    shape = np.shape(input)
    if len(pad) % 2:
        raise ShapeError(f"pad: Padding length must be divisible by 2, got {len(pad)}")
    k = len(pad) // 2
    if k > len(shape):
        raise ShapeError(f"pad: Padding length should be less than or equal to two times the "
                         f"input dimension but got padding length {len(pad)} and input of "
                         f"dimension {len(shape)}")
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    widths = [(0, 0)] * len(shape)
    for i in range(k):
        widths[len(shape) - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    grow = [(max(b, 0), max(a, 0)) for b, a in widths]
    crop = [(max(-b, 0), max(-a, 0)) for b, a in widths]
    for d, ((b, a), n) in enumerate(zip(crop, shape)):
        if b + a > n:
            raise ShapeError(f"pad: padding {pad} crops {b + a} entries from dim {d} of size {n}")
    if mode == "constant":
        return _pad(_crop(input, crop), pad_width=tuple(grow), value=0.0 if value is None
                    else value)
    if value is not None and value != 0:
        raise ValueError(f'pad: Padding mode "{mode}" doesn\'t take in value argument')
    if mode == "circular":      # PyTorch crops first and wraps what is left
        cropped = _crop(input, crop)
        _check_non_constant(np.shape(cropped), grow, k, mode)
        return _mapped(cropped, grow, "wrap")
    _check_non_constant(shape, grow, k, mode)
    return _crop(_mapped(input, grow, _MODES[mode]), crop)
