"""NumPy's own functions applied to tensors keep NumPy's meaning (Tensor.__array_function__).

``np.std(t)`` is NumPy's std (ddof=0), ``np.transpose(t)`` reverses the axes, ``np.max(t, 0)``
gives values only, ``np.split(t, [1])`` cuts before index 1: whatever gg.std, t.transpose or
gg.max mean (PyTorch's meaning), NumPy's name keeps NumPy's arguments. The result is a tensor.

- Tensors that do not need a gradient (none requires grad while recording, none carries a
  forward-mode tangent): NumPy computes on their arrays, exactly as on ndarrays.
- Tensors that need one: the function is rebuilt from graphgrad's registered primitives (sum,
  var, transpose, concatenate, ...) with NumPy's argument meaning, so the graph is recorded.
  Functions whose result carries no gradient (argmax, shape, allclose, zeros_like, ...) run
  on the arrays. Any other function raises a TypeError: NumPy would silently compute on a
  constant copy and lose the gradient.

``out=`` with an ndarray is written as NumPy writes it and returned.
"""
import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from . import _state
from .primitives import registry
from .tensor import Tensor, make

_NoValue = np._NoValue


def _p(name):
    """The registered primitive `name` (looked up at call time)."""
    return registry[name].call


# ------------------------------------------------------------------------- plumbing
def _tracked(value):
    """Whether value (or an item of a list/tuple) is a tensor that needs a gradient."""
    if isinstance(value, Tensor):
        return (value.requires_grad and _state.grad_enabled) or bool(value._tangents)
    if isinstance(value, (list, tuple)):
        return any(_tracked(v) for v in value)
    return False


def _plain(value):
    if isinstance(value, Tensor):
        return value.array
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    return value


def _wrap(result, out):
    if result is out and out is not None:
        return result
    if isinstance(result, (np.ndarray, np.generic)):
        return make(np.asarray(result))
    if isinstance(result, (list, tuple)) and result and \
            all(isinstance(r, np.ndarray) for r in result):
        return type(result)(make(r) for r in result)
    return result


def on_arrays(func, args, kwargs):
    """func computed by NumPy on the tensors' arrays; array results come back as tensors."""
    out = kwargs.get("out")
    return _wrap(func(*_plain(args), **_plain(kwargs)), out)


def _write_out(result, out):
    """NumPy's out=: the result written into out (an ndarray, or a tensor outside the graph)."""
    if out is None:
        return result
    if isinstance(out, tuple) and len(out) == 1:
        out = out[0]
    if isinstance(out, Tensor):
        with _no_grad():
            out.copy_(result.detach())
        return out
    np.copyto(out, result.array, casting="same_kind")
    return out


class _no_grad:
    def __enter__(self):
        self.saved, _state.grad_enabled = _state.grad_enabled, False

    def __exit__(self, *exc):
        _state.grad_enabled = self.saved


def _refuse(name, extra):
    raise TypeError(f"numpy.{name}: {extra} is not differentiable in graphgrad, and NumPy would "
                    "lose the gradient of this tensor that requires grad; use graphgrad's "
                    "operations, or detach the tensor (t.detach()) to compute outside the graph")


def _check_unsupported(name, options):
    for key, value in options.items():
        if value is not _NoValue and value is not None:
            _refuse(name, f"{key}=")


def _float(a, dtype):
    if dtype is not None and np.dtype(dtype) != a.dtype:
        return _p("astype")(a, dtype=np.dtype(dtype))
    return a


def _axes(a, axis):
    return None if axis is None else tuple(sorted(normalize_axis_tuple(axis, np.ndim(a))))


# ------------------------------------------------------------------------- reductions
def _reduction(name):
    def handler(a, axis=None, dtype=None, out=None, keepdims=False, **options):
        _check_unsupported(name, options)
        x = _float(a, dtype) if name in ("sum", "mean", "prod") else a
        keepdims = False if keepdims is _NoValue else bool(keepdims)
        return _write_out(_p(name)(x, axis=_axes(x, axis), keepdims=keepdims), out)
    return handler


def _extreme(name):
    def handler(a, axis=None, out=None, keepdims=False, initial=_NoValue, where=_NoValue):
        _check_unsupported(name, {"initial": initial, "where": where})
        keepdims = False if keepdims is _NoValue else bool(keepdims)
        return _write_out(_p(name)(a, axis=_axes(a, axis), keepdims=keepdims), out)
    return handler


def _spread(name):
    """var / std with NumPy's ddof (default 0): Σ (x − x̄)² / (n − ddof)."""
    def handler(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *,
                correction=_NoValue, **options):
        _check_unsupported(name, options)
        if correction is not _NoValue:
            ddof = correction
        x = _float(a, dtype)
        keepdims = False if keepdims is _NoValue else bool(keepdims)
        return _write_out(_p(name)(x, axis=_axes(x, axis), correction=ddof,
                                   keepdims=keepdims), out)
    return handler


def _scan(name):
    def handler(a, axis=None, dtype=None, out=None):
        x = _float(a, dtype)
        if axis is None:
            x, axis = _p("reshape")(x, shape=(-1,)), 0
        return _write_out(_p(name)(x, axis=normalize_axis_index(axis, x.ndim)), out)
    return handler


def _norm(x, ord=None, axis=None, keepdims=False):
    """np.linalg.norm: 2-norm of vectors, Frobenius of matrices, p-norms along an axis."""
    nd = np.ndim(x)
    if axis is None and ord is not None and nd == 2 or \
            isinstance(axis, tuple) and len(axis) == 2:
        if ord not in (None, "fro"):
            _refuse("linalg.norm", f"the matrix norm ord={ord!r}")
        ord = 2
    elif ord is None:
        ord = 2
    axes = _axes(x, axis)
    if ord in (np.inf, -np.inf):
        name = "max" if ord > 0 else "min"
        return _p(name)(_p("abs")(x), axis=axes, keepdims=bool(keepdims))
    if isinstance(ord, str) or ord == 0:
        _refuse("linalg.norm", f"ord={ord!r}")
    result = _p("vector_norm")(x, ord=ord, axis=axes, keepdims=bool(keepdims))
    if keepdims and axes is None:
        result = _p("reshape")(result, shape=(1,) * nd)
    return result


# ------------------------------------------------------------------------- shape
def _transpose(a, axes=None):
    if axes is None:
        axes = tuple(range(a.ndim))[::-1]
    return _p("transpose")(a, axes=tuple(normalize_axis_tuple(axes, a.ndim)))


def _reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    if order != "C":
        _refuse("reshape", f"order={order!r}")
    shape = newshape if shape is None else shape
    return _p("reshape")(a, shape=(shape,) if isinstance(shape, int) else tuple(shape))


def _ravel(a, order="C"):
    return _reshape(a, (-1,), order)


def _squeeze(a, axis=None):
    shape = np.shape(a)
    drop = {i for i, n in enumerate(shape) if n == 1} if axis is None else \
        set(normalize_axis_tuple(axis, len(shape)))
    if any(shape[i] != 1 for i in drop):
        raise ValueError("cannot select an axis to squeeze out which has size not equal to one")
    return _p("reshape")(a, shape=tuple(n for i, n in enumerate(shape) if i not in drop))


def _expand_dims(a, axis):
    axes = normalize_axis_tuple(axis, np.ndim(a) + (len(axis) if isinstance(axis, tuple) else 1))
    shape = iter(np.shape(a))
    new = tuple(1 if i in axes else next(shape) for i in range(np.ndim(a) + len(axes)))
    return _p("reshape")(a, shape=new)


def _swapaxes(a, axis1, axis2):
    axes = list(range(a.ndim))
    i, j = normalize_axis_index(axis1, a.ndim), normalize_axis_index(axis2, a.ndim)
    axes[i], axes[j] = axes[j], axes[i]
    return _p("transpose")(a, axes=tuple(axes))


def _moveaxis(a, source, destination):
    source = normalize_axis_tuple(source, a.ndim)
    destination = normalize_axis_tuple(destination, a.ndim)
    order = [n for n in range(a.ndim) if n not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return _p("transpose")(a, axes=tuple(order))


def _concatenate(arrays, axis=0, out=None, dtype=None, casting=_NoValue):
    arrays = list(arrays)
    if axis is None:
        arrays, axis = [_p("reshape")(x, shape=(-1,)) for x in arrays], 0
    if dtype is not None:
        arrays = [_float(x, dtype) for x in arrays]
    result = _p("concatenate")(*arrays, axis=normalize_axis_index(axis, np.ndim(arrays[0])))
    return _write_out(result, out)


def _stack(arrays, axis=0, out=None, *, dtype=None, casting=_NoValue):
    arrays = list(arrays)
    if len({np.shape(x) for x in arrays}) > 1:
        raise ValueError("all input arrays must have the same shape")
    axis = normalize_axis_index(axis, np.ndim(arrays[0]) + 1)
    return _concatenate([_expand_dims(x, axis) for x in arrays], axis, out, dtype)


def _vstack(tup, *, dtype=None, casting=_NoValue):
    return _concatenate([x if np.ndim(x) >= 2 else _p("reshape")(x, shape=(1, -1))
                         for x in tup], 0, dtype=dtype)


def _hstack(tup, *, dtype=None, casting=_NoValue):
    tup = [x if np.ndim(x) else _p("reshape")(x, shape=(1,)) for x in tup]
    return _concatenate(tup, 0 if np.ndim(tup[0]) == 1 else 1, dtype=dtype)


def _pieces(a, bounds, axis):
    lead = (slice(None),) * axis
    return [_p("getitem")(a, index=lead + (slice(lo, hi),)) for lo, hi in bounds]


def _split(ary, indices_or_sections, axis=0, *, equal=True):
    axis = normalize_axis_index(axis, np.ndim(ary))
    n = np.shape(ary)[axis]
    if np.ndim(indices_or_sections) == 0:
        sections = int(indices_or_sections)
        if equal and n % sections:
            raise ValueError("array split does not result in an equal division")
        size, extra = divmod(n, sections)
        cuts = np.cumsum([0] + [size + 1] * extra + [size] * (sections - extra)).tolist()
        bounds = list(zip(cuts[:-1], cuts[1:]))
    else:
        cuts = [0] + list(indices_or_sections) + [n]
        bounds = list(zip(cuts[:-1], cuts[1:]))
    return _pieces(ary, bounds, axis)


def _array_split(ary, indices_or_sections, axis=0):
    return _split(ary, indices_or_sections, axis, equal=False)


def _flip(m, axis=None):
    axes = range(np.ndim(m)) if axis is None else normalize_axis_tuple(axis, np.ndim(m))
    index = tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(m.ndim))
    return _p("getitem")(m, index=index)


# ------------------------------------------------------------------------- values and products
def _where(condition, x=_NoValue, y=_NoValue):
    if x is _NoValue and y is _NoValue:
        return on_arrays(np.where, (condition,), {})
    return _p("where")(_plain(condition), x, y)


def _clip(a, a_min=_NoValue, a_max=_NoValue, out=None, *, min=_NoValue, max=_NoValue,
          **kwargs):
    low = min if a_min is _NoValue else a_min
    high = max if a_max is _NoValue else a_max
    low, high = (None if v is _NoValue else v for v in (low, high))
    if low is None and high is None:
        raise ValueError("One of max or min must be given")
    return _write_out(_p("clip")(a, low, high), out)


def _dot(a, b, out=None):
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return _write_out(_p("mul")(a, b), out)
    if np.ndim(a) > 2 or np.ndim(b) > 2:
        _refuse("dot", "an operand with more than two axes")
    return _write_out(_p("matmul")(a, b), out)


def _outer(a, b, out=None):
    column = _p("reshape")(a, shape=(-1, 1))
    return _write_out(_p("mul")(column, _p("reshape")(b, shape=(1, -1))), out)


def _trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    if np.ndim(a) != 2:
        _refuse("trace", "an operand that is not a matrix")
    rows, cols = np.shape(a)
    start_r, start_c = (0, offset) if offset >= 0 else (-offset, 0)
    n = max(0, min(rows - start_r, cols - start_c))
    index = (np.arange(start_r, start_r + n), np.arange(start_c, start_c + n))
    return _write_out(_p("sum")(_float(_p("getitem")(a, index=index), dtype), axis=None,
                                keepdims=False), out)



def _round(a, decimals=0, out=None):
    if decimals == 0:
        return _write_out(_p("round")(a), out)
    scale = 10.0 ** decimals
    return _write_out(_p("div")(_p("round")(_p("mul")(a, scale)), scale), out)


def _copy(a, order="K", subok=False):
    return _p("clone")(a)


def _broadcast_to(array, shape, subok=False):
    return _p("broadcast_to")(array, shape=(shape,) if isinstance(shape, int) else tuple(shape))


_HANDLERS = {
    np.sum: _reduction("sum"), np.mean: _reduction("mean"), np.prod: _reduction("prod"),
    np.max: _extreme("max"), np.amax: _extreme("max"), np.min: _extreme("min"),
    np.amin: _extreme("min"), np.var: _spread("var"), np.std: _spread("std"),
    np.cumsum: _scan("cumsum"), np.cumprod: _scan("cumprod"), np.linalg.norm: _norm,
    np.transpose: _transpose, np.reshape: _reshape, np.ravel: _ravel, np.squeeze: _squeeze,
    np.expand_dims: _expand_dims, np.swapaxes: _swapaxes, np.moveaxis: _moveaxis,
    np.concatenate: _concatenate, np.stack: _stack, np.vstack: _vstack, np.hstack: _hstack,
    np.split: _split, np.array_split: _array_split, np.flip: _flip, np.where: _where,
    np.clip: _clip, np.dot: _dot, np.outer: _outer, np.trace: _trace, np.round: _round,
    np.around: _round, np.copy: _copy, np.broadcast_to: _broadcast_to,
}

#: Functions whose results carry no gradient: computed on the arrays even while recording.
_NO_GRADIENT = {
    np.shape, np.ndim, np.size, np.result_type, np.may_share_memory, np.shares_memory,
    np.iscomplexobj, np.isrealobj, np.argmax, np.argmin, np.argsort, np.argwhere, np.nonzero,
    np.flatnonzero, np.count_nonzero, np.array_equal, np.array_equiv, np.allclose, np.isclose,
    np.searchsorted, np.any, np.all, np.zeros_like, np.ones_like, np.empty_like, np.full_like,
    np.unique, np.bincount, np.digitize, np.histogram, np.can_cast, np.min_scalar_type,
}

#: Inspection NumPy calls often (graphgrad's own code included): answered without the detour.
_FAST = {np.shape: lambda a: a.shape, np.ndim: lambda a: a.ndim,
         np.size: lambda a: a.array.size}


def array_function(self, func, types, args, kwargs):
    """NumPy's function `func` on tensors, with NumPy's meaning (see the module doc)."""
    fast = _FAST.get(func)
    if fast is not None and len(args) == 1 and not kwargs and isinstance(args[0], Tensor):
        return fast(args[0])
    if not (_tracked(args) or _tracked(list(kwargs.values()))) or func in _NO_GRADIENT:
        return on_arrays(func, args, kwargs)
    handler = _HANDLERS.get(func)
    if handler is None:
        raise TypeError(f"numpy.{func.__name__} has no differentiable counterpart in graphgrad: "
                        "NumPy would compute it on a constant copy of this tensor that requires "
                        "grad and lose the gradient. Use graphgrad's operations, or detach the "
                        "tensor (t.detach()) to compute outside the graph")
    return handler(*args, **kwargs)
