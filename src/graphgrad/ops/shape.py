"""Shape primitives (views where NumPy gives views) and the reshaping composites on them.

The primitives are linear, so each JVP is the operation itself applied to the tangent, and each
VJP is the adjoint operation: reshape ↔ reshape back, transpose ↔ inverse permutation,
broadcast_to ↔ sum_to, concatenate ↔ slicing. Names, arguments and errors are PyTorch's
(dim=, with NumPy's axis= accepted where NumPy has the function): views.py permutes and slices,
joins.py joins and splits, padding.py pads.
"""
import math

import numpy as np

from ..errors import ShapeError
from ..grad_fn_names import as_torch
from ..primitives import primitive
from ..tensor import Tensor
from ._samples import fixed
from .layout import c_order


class DimensionError(ShapeError, IndexError):
    """A dim outside [-ndim, ndim - 1]: an IndexError, as in PyTorch, and a ShapeError."""


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


@primitive(name="swapdims", is_view=True, saves=(), vjp_text="{g} with the dims swapped back",
           examples=fixed((lambda r: (_normal(r, (2, 3)),), {"dim0": 1, "dim1": 0}),
                          (lambda r: (_normal(r, (2, 3, 4)),), {"dim0": 0, "dim1": 2}),
                          (lambda r: (_normal(r, ()),), {"dim0": 0, "dim1": 0})))
def _swapdims(x, *, dim0, dim1):
    """Two dims exchanged (PyTorch's transpose; a 0-d tensor unchanged): its own adjoint."""
    return np.swapaxes(x, dim0, dim1) if np.ndim(x) else x[...]


@primitive(name="t", is_view=True, saves=(), vjp_text="{g} transposed back",
           examples=fixed((lambda r: (_normal(r, (2, 3)),), {}),
                          (lambda r: (_normal(r, (3,)),), {}),
                          (lambda r: (_normal(r, ()),), {})))
def _t(x):
    """The transpose of a matrix (torch.t; 0 or 1 dims unchanged): its own adjoint."""
    return np.transpose(x)


_swapdims.defvjp(lambda g, out, x, dim0, dim1: _swapdims(g, dim0=dim0, dim1=dim1))
_swapdims.deflinear()
_t.defvjp(lambda g, out, x: _t(g))
_t.deflinear()


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
    return c_order(np.concatenate(xs, axis=axis))


def _concat_vjp(i, g, out, *xs, axis):
    start = sum(x.shape[axis] for x in xs[:i])
    return g[(slice(None),) * axis + (slice(start, start + xs[i].shape[axis]),)]


_concatenate.defvjp_per_arg(_concat_vjp)
_concatenate.deflinear()


@primitive(name="unfold", is_view=True, saves=(), vjp_text="{g}'s windows added back in place",
           examples=fixed((lambda r: (_normal(r, (2, 5)),), {"dim": 1, "size": 2, "step": 2}),
                          (lambda r: (_normal(r, (4, 3)),), {"dim": 0, "size": 3, "step": 1})))
def _unfold(x, *, dim, size, step):
    """Sliding windows along dim (a view): out[..., i, ..., k] = x[..., i·step + k, ...], the
    window index i in dim's place and the offset k as a new last dim. Overlapping windows
    (step < size) are read-only: a write there lands on elements shared by several windows
    (PyTorch lets such a write through; its result depends on the order of the writes)."""
    writeable = step >= size and x.flags.writeable
    windows = np.lib.stride_tricks.sliding_window_view(x, size, axis=dim, writeable=writeable)
    return windows[(slice(None),) * dim + (slice(None, None, step),)]


@primitive(name="unfold_backward", saves=(), vjp_text="{g} cut into windows",
           examples=fixed((lambda r: (_normal(r, (2, 2, 2)),),
                           {"dim": 1, "size": 2, "step": 2, "length": 5}),
                          (lambda r: (_normal(r, (2, 3, 3)),),
                           {"dim": 0, "size": 3, "step": 1, "length": 4})))
def _unfold_backward(g, *, dim, size, step, length):
    """The adjoint of unfold: each window's entries added back at their places in a dim of
    `length` (overlapping windows sum)."""
    shape = list(g.shape[:-1])
    shape[dim] = length
    out = np.zeros(shape, g.dtype)
    stop = step * (g.shape[dim] - 1) + 1
    for k in range(size):
        out[(slice(None),) * dim + (slice(k, k + stop, step),)] += g[..., k]
    return out


_unfold.defvjp(lambda g, out, x, dim, size, step: _unfold_backward(
    g, dim=dim, size=size, step=step, length=x.shape[dim]))
_unfold.deflinear()
_unfold_backward.defvjp(lambda g, out, x, dim, size, step, length: _unfold(
    g, dim=dim, size=size, step=step))
_unfold_backward.deflinear()


# ------------------------------------------------------------------------------ dims
def _axis(axis, ndim, op=None):
    """A dim wrapped into [0, ndim) as PyTorch does (a 0-d tensor takes -1 and 0)."""
    n = max(ndim, 1)
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{op or 'dim'}: a dimension must be an int, not {axis!r}")
    if not -n <= axis < n:
        raise DimensionError(f"{op + ': ' if op else ''}Dimension out of range (expected to be "
                             f"in range of [{-n}, {n - 1}], but got {axis})")
    return int(axis) % n


def dims_arg(dims, ndim, op):
    """One dim or a sequence of them, wrapped; a repeated dim is an error (PyTorch's)."""
    items = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    wrapped = tuple(_axis(d, ndim, op) for d in items)
    for d in set(wrapped):
        if wrapped.count(d) > 1:
            raise ShapeError(f"{op}: dim {d} appears multiple times in the list of dims")
    return wrapped


def _shape_arg(shape):
    """reshape(x, 2, 3) and reshape(x, (2, 3)) alike: the sizes as a tuple of ints."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, np.ndarray)):
        shape = shape[0]
    return tuple(int(n) for n in shape)


def _one_arg(value, name, default=None):
    """PyTorch's dim, or NumPy's alias axis where given (dim then left at its default)."""
    dim, axis = value
    if axis is None:
        return dim
    if dim is not default:
        raise TypeError(f"{name} and its NumPy alias axis were both given; pass one")
    return axis


def _inferred(shape, size, op):
    """`shape` with its -1 (at most one) inferred from the number of elements, as PyTorch."""
    if shape.count(-1) > 1:
        raise ShapeError(f"{op}: only one dimension can be inferred, got shape {list(shape)}")
    for i, n in enumerate(shape):
        if n < -1:
            raise ShapeError(f"{op}: invalid shape dimension {n} at index {i} of shape "
                             f"{list(shape)}")
    known = int(np.prod([n for n in shape if n != -1], dtype=np.int64))
    if -1 in shape and known and size % known == 0:
        return tuple(size // known if n == -1 else n for n in shape)
    if -1 in shape or known != size:
        raise ShapeError(f"{op}: shape {list(shape)} is invalid for input of size {size}")
    return shape


# ------------------------------------------------------------------------------ reshaping
def _reshaped(x, shape, op):
    """NumPy infers -1 as PyTorch does; where it refuses, PyTorch's message is given (checked
    only then: reshape is on the hot path of models)."""
    shape = _shape_arg(shape)
    if shape and min(shape) < -1:           # NumPy would infer any negative size
        _inferred(shape, int(np.size(x)), op)
    try:
        return _reshape(x, shape=shape)
    except ValueError:
        _inferred(shape, int(np.size(x)), op)
        raise


def reshape(x, *shape):
    """x in a new shape with the same elements; reshape(x, 2, 3) and reshape(x, (2, 3)) both
    work; one -1 is inferred (a view where the strides allow, else a copy)."""
    return _reshaped(x, shape, "reshape")


def view(x, *shape):
    """As reshape, but always a view of x's data: an error where that would need a copy."""
    out = _reshaped(x, shape, "view")
    shape = np.shape(out)
    data, base = (t.array if isinstance(t, Tensor) else np.asarray(t) for t in (out, x))
    if data.size > 1 and not np.may_share_memory(data, base):
        raise ShapeError(f"view: the shape {list(shape)} is not compatible with the strides of "
                         f"the input of shape {list(np.shape(x))} (it would need a copy); use "
                         ".reshape(...) instead")
    return out


def reshape_as(x, other):
    """x reshaped to other's shape."""
    return reshape(x, np.shape(other))


def view_as(x, other):
    """x viewed in other's shape."""
    return view(x, np.shape(other))


def flatten(x, start_dim=0, end_dim=-1):
    """Dims start_dim..end_dim merged into one (all by default; a 0-d tensor becomes (1,))."""
    shape = np.shape(x)
    if not shape:
        return _reshape(x, shape=(1,))
    start, end = _axis(start_dim, len(shape), "flatten"), _axis(end_dim, len(shape), "flatten")
    if start > end:
        raise ShapeError("flatten() has invalid args: start_dim cannot come after end_dim")
    merged = math.prod(shape[start:end + 1])
    return _reshape(x, shape=shape[:start] + (merged,) + shape[end + 1:])


def unflatten(x, dim, sizes):
    """Dim `dim` split into `sizes` (one of them may be -1): the inverse of flatten."""
    shape = np.shape(x)
    d = _axis(dim, len(shape), "unflatten")
    sizes = _shape_arg((sizes,))
    if not sizes:
        raise ShapeError("unflatten: sizes must be non-empty")
    try:
        sizes = _inferred(sizes, shape[d] if shape else 1, "unflatten")
    except ShapeError:
        raise ShapeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size "
                         f"of dim {dim} ({shape[d] if shape else 1}) in the input tensor "
                         f"of shape {list(shape)}") from None
    return _reshape(x, shape=shape[:d] + sizes + shape[d + 1:])


def _squeeze_name(x, dim=None, *, axis=None):
    """SqueezeBackward0 (every size-1 dim), 1 (one dim) or 2 (a tuple), as PyTorch's."""
    dim = dim if axis is None else axis
    return "SqueezeBackward0" if dim is None else \
        "SqueezeBackward2" if isinstance(dim, (tuple, list)) else "SqueezeBackward1"


@as_torch(_squeeze_name)
def squeeze(x, dim=None, *, axis=None):
    """Size-1 dims removed: all of them, or those of `dim` (an int or a tuple) that have size 1;
    a named dim of another size is left as it is (PyTorch's; NumPy would raise)."""
    shape = np.shape(x)
    dim = _one_arg((dim, axis), "squeeze: dim")
    if dim is None:
        drop = {i for i, n in enumerate(shape) if n == 1}
    else:
        drop = {d for d in dims_arg(dim, len(shape), "squeeze") if shape and shape[d] == 1}
    return _reshape(x, shape=tuple(n for i, n in enumerate(shape) if i not in drop))


@as_torch("UnsqueezeBackward0")
def unsqueeze(x, dim):
    """A size-1 dim inserted at position `dim` (in [-ndim - 1, ndim])."""
    shape = list(np.shape(x))
    shape.insert(_axis(dim, len(shape) + 1, "unsqueeze"), 1)
    return _reshape(x, shape=tuple(shape))


def expand_dims(x, axis):
    """NumPy's expand_dims: size-1 axes inserted at `axis` (an int or a tuple)."""
    ndim = np.ndim(x) + (len(axis) if isinstance(axis, (tuple, list)) else 1)
    shape = list(np.shape(x))
    for a in sorted(dims_arg(axis, ndim, "expand_dims")):
        shape.insert(a, 1)
    return _reshape(x, shape=tuple(shape))


def _expanded(shape, sizes, op):
    """The target shape of expand: -1 keeps a size; only size-1 dims grow."""
    lead = len(sizes) - len(shape)
    if lead < 0:
        raise ShapeError(f"{op}: the number of sizes provided ({len(sizes)}) must be greater or "
                         f"equal to the number of dimensions in the tensor ({len(shape)})")
    out = []
    for i, n in enumerate(sizes):
        if i < lead:
            if n < 0:
                raise ShapeError(f"{op}: The expanded size of the tensor ({n}) isn't allowed in "
                                 f"a leading, non-existing dimension {i}")
            out.append(n)
            continue
        old = shape[i - lead]
        n = old if n == -1 else n
        if old != n and old != 1:
            raise ShapeError(f"{op}: The expanded size of the tensor ({n}) must match the "
                             f"existing size ({old}) at non-singleton dimension {i}. Target "
                             f"sizes: {list(sizes)}. Tensor sizes: {list(shape)}")
        out.append(n)
    return tuple(out)


def expand(x, *sizes):
    """x broadcast to `sizes` without copying (PyTorch's expand): -1 keeps a dim's size, new
    dims go in front, only size-1 dims grow."""
    return _broadcast_to(x, shape=_expanded(np.shape(x), _shape_arg(sizes), "expand"))


def broadcast_to(x, *shape):
    """x broadcast to a shape (NumPy's and PyTorch's broadcast_to; -1 keeps a size)."""
    return _broadcast_to(x, shape=_expanded(np.shape(x), _shape_arg(shape), "broadcast_to"))


def broadcast_tensors(*tensors):
    """The tensors broadcast to their common shape (PyTorch's and NumPy's broadcasting rules),
    as expanded views."""
    shape = np.broadcast_shapes(*(np.shape(t) for t in tensors))
    return tuple(expand(t, shape) for t in tensors)


def expand_as(x, other):
    """x expanded to other's shape."""
    return expand(x, np.shape(other))


def sum_to(x, shape):
    """x summed down to `shape`, the shape it was broadcast from."""
    return _sum_to(x, shape=tuple(shape))


def _atleast(tensors, ndim, place):
    items = tensors[0] if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)) \
        else tensors
    out = tuple(x if np.ndim(x) >= ndim else _reshape(x, shape=place(np.shape(x)))
                for x in items)
    return out[0] if len(tensors) == 1 and not isinstance(tensors[0], (list, tuple)) else out


def atleast_1d(*tensors):
    """Each tensor with at least 1 dim (0-d → (1,)); one tensor in, one out, else a tuple."""
    return _atleast(tensors, 1, lambda s: (1,))


def atleast_2d(*tensors):
    """Each tensor with at least 2 dims: () → (1, 1), (n,) → (1, n)."""
    return _atleast(tensors, 2, lambda s: (1,) * (2 - len(s)) + s)


def atleast_3d(*tensors):
    """Each tensor with at least 3 dims: () → (1, 1, 1), (n,) → (1, n, 1), (m, n) → (m, n, 1)."""
    return _atleast(tensors, 3, lambda s: {0: (1, 1, 1), 1: (1,) + s + (1,)}.get(len(s), s + (1,)))


def unfold(x, dimension, size, step):
    """Tensor.unfold: every window of `size` elements along `dimension`, `step` apart, as a new
    last dim; out.shape[dimension] = (n − size) // step + 1. A view; its gradient adds each
    window's back (overlaps sum)."""
    ndim = np.ndim(x)
    dim = _axis(dimension, ndim, "unfold")
    n = np.shape(x)[dim] if ndim else 1
    if size < 0 or size > n:
        raise ShapeError(f"unfold: size is {size} but must be >= 0" if size < 0 else
                         f"unfold: maximum size for tensor at dimension {dim} is {n} but size "
                         f"is {size}")
    if step <= 0:
        raise ShapeError(f"unfold: step is {step} but must be > 0")
    if ndim:
        return _unfold(x, dim=dim, size=int(size), step=int(step))
    # a 0-d tensor is one window of its element (or none): shape (size,), as PyTorch's
    windows = _unfold(_reshape(x, shape=(1,)), dim=0, size=int(size), step=int(step))
    return _reshape(windows, shape=(int(size),))
