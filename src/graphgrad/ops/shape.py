"""Shape primitives (views where NumPy gives views) and the composites built on them.

All are linear, so each JVP is the operation itself applied to the tangent, and each VJP is the
adjoint operation: reshape ↔ reshape back, transpose ↔ inverse permutation,
broadcast_to ↔ sum_to, concatenate ↔ slicing, pad ↔ cropping.
"""
import numpy as np

from ..errors import ShapeError
from ..primitives import primitive
from ._samples import fixed


def _normal(rng, shape):
    return rng.normal(size=shape)


@primitive(name="reshape", is_view=True, saves=(), vjp_text="{g} reshaped to {shape}",
           examples=fixed((lambda r: (_normal(r, (2, 3)),), {"shape": (3, 2)}),
                                        (lambda r: (_normal(r, (4,)),), {"shape": (2, 1, 2)}),
                                        (lambda r: (_normal(r, ()),), {"shape": (1, 1)})))
def _reshape(x, *, shape):
    """The same elements in a new shape (a view when possible)."""
    return np.reshape(x, shape)


_reshape.defvjp(lambda g, out, x, shape: _reshape(g, shape=x.shape))
_reshape.deflinear()


@primitive(name="transpose", is_view=True, saves=(), vjp_text="{g} transposed back",
           examples=fixed((lambda r: (_normal(r, (2, 3)),), {"axes": (1, 0)}),
                                        (lambda r: (_normal(r, (2, 3, 4)),), {"axes": (2, 0, 1)})))
def _transpose(x, *, axes):
    """Axes permuted: out.shape[i] = x.shape[axes[i]]."""
    return np.transpose(x, axes)


_transpose.defvjp(lambda g, out, x, axes: _transpose(g, axes=tuple(np.argsort(axes))))
_transpose.deflinear()


@primitive(name="broadcast_to", is_view=True, saves=(), vjp_text="{g} summed to {shape}",
           examples=fixed((lambda r: (_normal(r, (3,)),), {"shape": (2, 3)}),
                                        (lambda r: (_normal(r, (2, 1)),), {"shape": (2, 4)}),
                                        (lambda r: (_normal(r, ()),), {"shape": (2, 2)})))
def _broadcast_to(x, *, shape):
    """x repeated along new leading axes and size-1 axes (a read-only view)."""
    return np.broadcast_to(x, shape)


@primitive(name="sum_to", saves=(), vjp_text="{g} broadcast to {shape}",
           examples=fixed((lambda r: (_normal(r, (2, 3)),), {"shape": (3,)}),
                          (lambda r: (_normal(r, (2, 4)),), {"shape": (2, 1)}),
                          (lambda r: (_normal(r, (2, 2)),), {"shape": ()})))
def _sum_to(x, *, shape):
    """Sum x down to a shape it was broadcast from (the adjoint of broadcast_to)."""
    if x.shape == shape:
        return x
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape)
                                      if n == 1 and x.shape[lead + i] != 1)
    return np.reshape(np.sum(x, axis=axes, keepdims=True), shape)


_broadcast_to.defvjp(lambda g, out, x, shape: _sum_to(g, shape=x.shape))
_broadcast_to.deflinear()
_sum_to.defvjp(lambda g, out, x, shape: _broadcast_to(g, shape=x.shape))
_sum_to.deflinear()


def _concat_cases(rng):
    return [((_normal(rng, (2, 3)), _normal(rng, (1, 3))), {"axis": 0}),
            ((_normal(rng, (2, 1)), _normal(rng, (2, 2)), _normal(rng, (2, 3))), {"axis": 1})]


@primitive(name="concatenate", examples=_concat_cases, saves=(),
           vjp_text="the slice of {g} for this operand")
def _concatenate(*xs, axis):
    """The operands joined along an existing axis."""
    return np.concatenate(xs, axis=axis)


def _concat_vjp(i, g, out, *xs, axis):
    start = sum(x.shape[axis] for x in xs[:i])
    return g[(slice(None),) * axis + (slice(start, start + xs[i].shape[axis]),)]


_concatenate.defvjp_per_arg(_concat_vjp)
_concatenate.deflinear()


@primitive(name="pad", saves=(), vjp_text="{g} cropped to {shape}",
           examples=fixed((lambda r: (_normal(r, (2, 3)),), {"pad_width": ((1, 0), (2, 1))}),
                          (lambda r: (_normal(r, (3,)),), {"pad_width": ((0, 2),)})))
def _pad(x, *, pad_width, value=0.0):
    """x surrounded by `value`: pad_width[i] = (before, after) along axis i (NumPy's spelling)."""
    return np.pad(x, pad_width, constant_values=value)


def _crop(g, pad_width):
    return g[tuple(slice(before, n - after) for (before, after), n in zip(pad_width, g.shape))]


_pad.defvjp(lambda g, out, x, pad_width, value=0.0: _crop(g, pad_width))
_pad.defjvp(lambda t, out, x, pad_width, value=0.0: _pad(t, pad_width=pad_width))


# ------------------------------------------------------------------------------ composites
def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _axis(axis, ndim):
    if not -ndim <= axis < max(ndim, 1):
        raise ShapeError(f"axis {axis} is out of range for a tensor with {ndim} dimensions")
    return axis % ndim if ndim else 0


def reshape(x, *shape):
    """x in a new shape; reshape(x, 2, 3) and reshape(x, (2, 3)) both work; -1 is inferred."""
    return _reshape(x, shape=_shape_arg(shape))


def permute(x, *axes):
    """Axes reordered (PyTorch's permute, NumPy's transpose with axes)."""
    axes = _shape_arg(axes)
    if sorted(a % x.ndim for a in axes) != list(range(x.ndim)):
        raise ShapeError(f"permute: {axes} is not a permutation of the {x.ndim} axes of a tensor "
                         f"of shape {tuple(x.shape)}")
    return _transpose(x, axes=tuple(a % x.ndim for a in axes))


def transpose(x, *axes):
    """NumPy's transpose: reverse the axes, or permute them as given."""
    return permute(x, *axes) if axes else _transpose(x, axes=tuple(range(x.ndim))[::-1])


def swapaxes(x, axis1, axis2):
    """Two axes exchanged (PyTorch: transpose(dim0, dim1))."""
    axes = list(range(x.ndim))
    a, b = _axis(axis1, x.ndim), _axis(axis2, x.ndim)
    axes[a], axes[b] = axes[b], axes[a]
    return _transpose(x, axes=tuple(axes))


def expand_dims(x, axis):
    """A new size-1 axis inserted at `axis` (PyTorch: unsqueeze)."""
    ndim = np.ndim(x) + 1
    axes = sorted(_axis(a, ndim) for a in (axis if isinstance(axis, tuple) else (axis,)))
    shape = list(np.shape(x))
    for a in axes:
        shape.insert(a, 1)
    return _reshape(x, shape=tuple(shape))


def squeeze(x, axis=None):
    """Size-1 axes removed (all of them, or those named)."""
    shape = np.shape(x)
    if axis is None:
        drop = {i for i, n in enumerate(shape) if n == 1}
    else:
        drop = {_axis(a, len(shape)) for a in (axis if isinstance(axis, tuple) else (axis,))}
        if any(shape[a] != 1 for a in drop):
            raise ShapeError(f"squeeze: axis {axis} of shape {shape} does not have size 1")
    return _reshape(x, shape=tuple(n for i, n in enumerate(shape) if i not in drop))


def flatten(x, start_dim=0, end_dim=-1):
    """Axes start_dim..end_dim merged into one (all of them by default)."""
    shape = np.shape(x)
    if not shape:
        return _reshape(x, shape=(1,))
    start, end = _axis(start_dim, len(shape)), _axis(end_dim, len(shape))
    return _reshape(x, shape=shape[:start] + (-1,) + shape[end + 1:])


def broadcast_to(x, *shape):
    """x broadcast to a shape (NumPy's broadcast_to; as PyTorch's expand, -1 keeps a size)."""
    shape = _shape_arg(shape)
    lead = len(shape) - np.ndim(x)
    shape = tuple(np.shape(x)[i - lead] if n == -1 else n for i, n in enumerate(shape))
    return _broadcast_to(x, shape=shape)


def sum_to(x, shape):
    """x summed down to `shape`, the shape it was broadcast from."""
    return _sum_to(x, shape=tuple(shape))


def concatenate(tensors, axis=0, *, dim=None):
    """Tensors joined along an existing axis (NumPy: concatenate, PyTorch: cat)."""
    tensors = tuple(tensors)
    if not tensors:
        raise ValueError("concatenate needs at least one tensor")
    axis = _axis(axis if dim is None else dim, np.ndim(tensors[0]))
    return _concatenate(*tensors, axis=axis)


def stack(tensors, axis=0, *, dim=None):
    """Tensors of one shape joined along a new axis."""
    tensors = tuple(tensors)
    if not tensors:
        raise ValueError("stack needs at least one tensor")
    shapes = {tuple(np.shape(t)) for t in tensors}
    if len(shapes) > 1:
        raise ShapeError(f"stack: all tensors need the same shape, got {sorted(shapes)}")
    axis = _axis(axis if dim is None else dim, np.ndim(tensors[0]) + 1)
    return _concatenate(*(expand_dims(t, axis) for t in tensors), axis=axis)


def split(x, indices_or_sections, axis=0):
    """Pieces of x along an axis, as NumPy: n equal sections, or cut before the given indices."""
    axis = _axis(axis, np.ndim(x))
    n = np.shape(x)[axis]
    if isinstance(indices_or_sections, int):
        if n % indices_or_sections:
            raise ShapeError(f"split: axis {axis} of size {n} does not divide into "
                             f"{indices_or_sections} equal sections")
        step = n // indices_or_sections
        cuts = list(range(step, n, step))
    else:
        cuts = list(indices_or_sections)
    bounds = zip([0] + cuts, cuts + [n])
    return [x[(slice(None),) * axis + (slice(a, b),)] for a, b in bounds]


def pad(x, pad_width, mode="constant", value=0.0, *, constant_values=None):
    """x padded with a constant (NumPy's spelling: pad_width per axis, or one int/pair)."""
    if mode != "constant":
        raise ValueError(f"pad: only mode='constant' is differentiable here, got {mode!r}")
    ndim = np.ndim(x)
    width = np.broadcast_to(np.asarray(pad_width, dtype=int), (ndim, 2))
    value = value if constant_values is None else constant_values
    return _pad(x, pad_width=tuple(map(tuple, width.tolist())), value=value)
