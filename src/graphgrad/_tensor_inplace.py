"""Tensor's in-place operations (add_, mul_, clamp_, exp_, copy_, fill_, zero_, the random
fills normal_, uniform_, ...), its shape changes in place (unsqueeze_, squeeze_, t_,
transpose_) and its indexing writes (x[i] = v, index_put_, scatter_, scatter_reduce_,
index_add_, index_fill_, masked_fill_), where PyTorch allows them and as it records them.

Outside the graph (under no_grad, or when nothing involved requires grad) x.add_(y) is NumPy's
x += y on x's memory, fast (optimizers step this way). While recording:

- a leaf that requires grad is refused, with PyTorch's error;
- a non-leaf tensor x (or a tensor meeting an operand that requires grad) is recorded as
  x ← op(x_old, y): the new value is written into x's memory, and x's node becomes the new
  operation's, so backward goes through it. Earlier nodes that saved x's old value see x's
  version counter move and refuse a backward through them (InplaceError), as PyTorch does.
- a view, or a tensor that has views, is recorded through the view's root, whose node and
  its views' nodes are made afresh, as PyTorch's CopySlices does (_tensor_views.py).

An indexing write is recorded the same way, as x ← (x_old with the write), PyTorch's
CopySlices: x[i] = v is ops.index_put.assigned(x_old, i, v), so no gradient reaches x_old where
v was written and v gets the gradient there; index_put_(..., accumulate=True) and index_add_ add.
"""
import inspect

import numpy as np

from . import _state, ops
from ._tensor_views import rebase, refresh, views_to_refresh, writable_view
from .errors import DtypeError, InplaceError, ShapeError
from .ops.elementwise import astype as convert
from .ops.index import plain_index
from .ops.index_put import assigned, index_put
from .random import numpy_generator
from .tensor import Tensor, assign, inplace_refusal, make
from .view_tracking import extend


def _traced(self, *operands):
    """Whether self ← op(self, operands) must be recorded: something requires grad while
    recording, or carries a forward-mode tangent inside jvp."""
    if _state.grad_enabled and (self.requires_grad or any(
            isinstance(a, Tensor) and a.requires_grad for a in operands)):
        return True
    return bool(_state.fwd_levels) and (bool(self._tangents) or any(
        isinstance(a, Tensor) and a._tangents for a in operands))


def _record(self, name, op, operands):
    """self ← op(self_old, *operands), recorded; self keeps its memory (see module doc)."""
    if self.requires_grad and self._node is None and _state.grad_enabled:
        raise InplaceError(inplace_refusal(self))
    view = writable_view(self, name)
    root, views = views_to_refresh(self, view, name)
    old = make(self.array.copy(), self.requires_grad)
    old._node = self._node
    old._tangents = self._tangents
    result = op(old, *operands)
    if result.shape != self.shape:
        raise ShapeError(f"{name}: output with shape {list(self.shape)} doesn't match the "
                         f"broadcast shape {list(result.shape)}")
    if result.dtype != self.dtype:
        if not np.can_cast(result.dtype, self.dtype, "same_kind"):
            raise InplaceError(f"{name}: result type {result.dtype} can't be cast to the "
                               f"desired output type {self.dtype}")
        result = convert(result, dtype=self.dtype)
    self._bump_version()
    if view is None:
        np.copyto(self.array, result.array)
        self._node = result._node
        self.requires_grad = result.requires_grad
        self._tangents = result._tangents
    else:
        rebase(view, result)
    refresh(root, views)
    if self._node is not None and self._name is not None:
        self._node.label = self._name
    return self


def _dense(a):
    """Whether a's elements fill its memory span without gaps or repeats (some order of its
    axes is contiguous): what PyTorch can compare for overlap."""
    expected = a.itemsize
    for stride, n in sorted((abs(s), n) for s, n in zip(a.strides, a.shape) if n != 1):
        if stride != expected:
            return False
        expected *= n
    return True


def _refuse_partial_overlap(self, other, name):
    """PyTorch's check before self ← op(self, other): other may be self itself (the same
    elements in the same places), but not another dense view of self's memory that overlaps
    it (x[1:].add_(x[:-1]), x.add_(x.t())), whose result would depend on the order of the
    writes."""
    b = other.array if isinstance(other, Tensor) else other
    a = self.array
    if b.__class__ is not np.ndarray or b is a or a.base is None and b.base is None:
        return          # (two arrays that own their memory cannot overlap)
    if not np.may_share_memory(a, b) or not (_dense(a) and _dense(b)):
        return
    if a.__array_interface__["data"][0] == b.__array_interface__["data"][0] and \
            a.strides == b.strides and a.shape == b.shape:
        return
    raise InplaceError(f"{name}: unsupported operation: some elements of the input tensor and "
                       f"the written-to tensor refer to a single memory location. Please "
                       f"clone() the tensor before performing the operation.")


def _binary(name, op, ufunc):
    def method(self, other):
        _refuse_partial_overlap(self, other, name)
        if _traced(self, other):
            return _record(self, name, op, (other,))
        return self._inplace(ufunc, other)
    method.__name__ = name
    method.__doc__ = f"self ← {op.__name__}(self, other), in place (see the module doc)."
    return method


def _scaled(name, op, ufunc):
    plain = _binary(name, op, ufunc)

    def method(self, other, *, alpha=1):
        return plain(self, other if alpha == 1 else other * alpha)
    method.__name__ = name
    method.__doc__ = f"self ← self {'+' if op is ops.add else '−'} alpha·other, in place."
    return method


def _unary(name, op, raw):
    """An in-place unary method; raw(dst) writes the new value into dst outside the graph."""
    def apply(dst, _, out=None, casting="same_kind"):
        raw(dst)
    apply.__name__ = name

    def method(self):
        if _traced(self):
            return _record(self, name, op, ())
        return self._inplace(apply, None)
    method.__name__ = name
    method.__doc__ = f"self ← {op.__name__}(self), in place."
    return method


def _ufunc(ufunc):
    return lambda dst: ufunc(dst, out=dst, casting="same_kind")


def _sigmoid(dst):
    if dst.dtype.kind != "f":
        raise TypeError(f"sigmoid_ needs a floating-point tensor, not {dst.dtype}")
    np.negative(dst, out=dst)
    np.exp(dst, out=dst)
    np.add(dst, 1, out=dst)
    np.reciprocal(dst, out=dst)


def _relu(dst):
    np.maximum(dst, 0, out=dst, casting="same_kind")


def clamp_(self, min=None, max=None):
    """self ← min(max(self, min), max), in place (either bound may be None)."""
    if min is None and max is None:
        raise ValueError("clamp_: at least one of 'min' or 'max' must not be None")
    if _traced(self, min, max):
        return _record(self, "clamp_", lambda x: ops.clamp(x, min, max), ())

    def clip(dst, _, out=None, casting="same_kind"):
        lo = min.array if isinstance(min, Tensor) else min
        hi = max.array if isinstance(max, Tensor) else max
        np.clip(dst, lo, hi, out=out, casting=casting)
    clip.__name__ = "clamp_"
    return self._inplace(clip, None)


def _set(self, name, value):
    """self ← value (fill_, zero_, copy_); recorded, the old value gets no gradient:
    where(False, old, value) keeps self in the graph with a zero derivative there."""
    if _traced(self, value):
        return _record(self, name, lambda old: ops.where(np.zeros(old.shape, bool), old, value),
                       ())
    return self._inplace(assign, value)


def fill_(self, value):
    """Every element set to value (a number or a 0-d tensor)."""
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                           f"{value.ndim} dimensions.")
    return _set(self, "fill_", value)


def zero_(self):
    """Every element set to 0."""
    return _set(self, "zero_", 0)


def copy_(self, src, non_blocking=False):
    """The elements of src (broadcast to self's shape, converted to self's dtype) copied in."""
    return _set(self, "copy_", src)


def _sampled(name, draw, floats_only=True):
    """A random fill in place, self ← draw(NumPy generator, shape, *args) in self's dtype (as
    PyTorch, recorded as a fill: the old value gets no gradient)."""
    def method(self, *args, generator=None, **kwargs):
        if floats_only and self.dtype.kind not in "fc":
            raise DtypeError(f"{name}: needs a floating-point tensor, not {self.dtype}")
        values = draw(numpy_generator(generator), self.shape, *map(_array, args),
                      **{k: _array(v) for k, v in kwargs.items()})
        return _set(self, name, np.asarray(values).astype(self.dtype))
    method.__name__ = name
    method.__doc__ = draw.__doc__
    own = list(inspect.signature(draw).parameters.values())[2:]      # after rng and shape
    keyword = inspect.Parameter("generator", inspect.Parameter.KEYWORD_ONLY, default=None)
    by_kind = sorted(own + [keyword], key=lambda p: p.kind)
    method.__signature__ = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)] + by_kind)
    return method


def _normal(rng, shape, mean=0.0, std=1.0):
    """self filled with samples of N(mean, std²)."""
    if std < 0:
        raise RuntimeError(f"normal_ expects std >= 0.0, but found std {std}")
    return rng.normal(mean, std, shape)


def _uniform(rng, shape, low=0.0, high=1.0, **bounds):
    """self filled with samples of U(low, high) (PyTorch's keywords from= and to= too)."""
    low, high = bounds.pop("from", low), bounds.pop("to", high)
    if bounds:
        raise TypeError(f"uniform_() got unexpected keyword arguments {sorted(bounds)}")
    if low > high:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={low} > to={high}")
    return rng.uniform(low, high, shape)


def _bernoulli(rng, shape, p=0.5):
    """self filled with 1 with probability p (a number or a tensor broadcast to self), else 0."""
    p = np.asarray(p)
    if np.any((p < 0) | (p > 1)):
        raise RuntimeError("bernoulli_ expects p to be in [0, 1]")
    return rng.random(shape) < p


def _exponential(rng, shape, lambd=1.0):
    """self filled with samples of the exponential distribution of rate lambd."""
    if lambd <= 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return rng.exponential(1.0 / lambd, shape)


def _array(value):
    """An argument of an in-place write as NumPy takes it (tensors inside tuples too)."""
    if isinstance(value, Tensor):
        return value.array
    if isinstance(value, tuple):
        return tuple(_array(v) for v in value)
    return value


def _exactly(name):
    def write(dst, src, out=None, casting=None):
        if np.shape(src) != dst.shape:
            raise ShapeError(f"{name}: output with shape {list(dst.shape)} doesn't match the "
                             f"broadcast shape {list(np.shape(src))}")
        if not np.can_cast(np.result_type(src), dst.dtype, "same_kind"):
            raise InplaceError(f"{name}: result type {np.result_type(src)} can't be cast to "
                               f"the desired output type {dst.dtype}")
        np.copyto(dst, src, casting="unsafe")
    write.__name__ = name
    return write


def _write(name, out_of_place):
    """The in-place form of an operation, self ← out_of_place(self, *args) (indexing writes,
    addcmul_, floor_, ...): recorded while something involved requires grad (see the module
    doc), else computed on the arrays and written into self's memory (bumping its version
    counter)."""
    def method(self, *args, **kwargs):
        if _traced(self, *args, *kwargs.values()):
            return _record(self, name, lambda old: out_of_place(old, *args, **kwargs), ())
        result = out_of_place(self.array, *map(_array, args),
                              **{k: _array(v) for k, v in kwargs.items()})
        return self._inplace(_exactly(name), _array(result))
    method.__name__ = name
    method.__doc__ = f"{out_of_place.__name__}, in place (recorded as it, see the module doc)."
    method.__signature__ = inspect.signature(out_of_place)
    return method


def _reshaped(name, op):
    """An in-place shape change, self ← op(self) (unsqueeze_, squeeze_, t_, transpose_): self
    becomes a view of the same memory in the new shape, and its version counter moves, so that
    a node that saved self's old value refuses its backward (PyTorch's rules). While recording,
    self's node becomes the view's; a leaf that requires grad is refused. Views of self keep
    their shapes (no value changes, so they stay valid); if self is a view, the way it was made
    gets the new step (view_tracking.extend)."""
    def method(self, *args, **kwargs):
        if self.requires_grad and self._node is None and _state.grad_enabled:
            raise InplaceError(inplace_refusal(self, name))
        if self._node is not None and not _state.grad_enabled:
            raise InplaceError(f"{name}: this tensor of shape {self.shape} was made by a "
                               f"recorded operation ({self._node.torch_name}) and grad mode is "
                               f"off, so its node would keep the old shape (PyTorch's backward "
                               f"then fails); call it outside no_grad, or on x.detach()")
        traced = _traced(self)
        result = op(self, *args, **kwargs)  # shares self's version cell (a view)
        self._bump_version()
        extend(self, result)
        self.array = result.array
        if not traced:
            return self
        self._node, self._tangents = result._node, result._tangents
        if self._node is not None and self._name is not None:
            self._node.label = self._name
        return self
    method.__name__ = name
    method.__doc__ = f"{op.__name__}, in place: self's shape changes, its memory stays."
    own = list(inspect.signature(op).parameters.values())[1:]
    method.__signature__ = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)] + own)
    return method


def __setitem__(self, index, value):
    """x[index] = value: recorded while x or value takes part in the graph (x ← x with
    x[index] = value; no gradient reaches x's old value there, value gets g[index]), else a
    plain write into x's memory."""
    if _traced(self, value):
        _record(self, "setitem", lambda old: assigned(old, index, value), ())
        return
    index = plain_index(index)

    def setitem(dst, src, out=None, casting=None):
        dst[index] = src
    self._inplace(setitem, value)


METHODS = {
    "add_": _scaled("add_", ops.add, np.add), "sub_": _scaled("sub_", ops.sub, np.subtract),
    "mul_": _binary("mul_", ops.mul, np.multiply), "div_": _binary("div_", ops.div, np.divide),
    "pow_": _binary("pow_", ops.pow, np.power),
    "neg_": _unary("neg_", ops.neg, _ufunc(np.negative)),
    "abs_": _unary("abs_", ops.abs, _ufunc(np.absolute)),
    "exp_": _unary("exp_", ops.exp, _ufunc(np.exp)),
    "log_": _unary("log_", ops.log, _ufunc(np.log)),
    "sqrt_": _unary("sqrt_", ops.sqrt, _ufunc(np.sqrt)),
    "tanh_": _unary("tanh_", ops.tanh, _ufunc(np.tanh)),
    "sin_": _unary("sin_", ops.sin, _ufunc(np.sin)),
    "cos_": _unary("cos_", ops.cos, _ufunc(np.cos)),
    "sigmoid_": _unary("sigmoid_", ops.sigmoid, _sigmoid),
    "relu_": _unary("relu_", ops.relu, _relu),
    "clamp_": clamp_, "clip_": clamp_, "fill_": fill_, "zero_": zero_, "copy_": copy_,
    "__setitem__": __setitem__, "scatter_": _write("scatter_", ops.scatter),
    "scatter_add_": _write("scatter_add_", ops.scatter_add),
    "scatter_reduce_": _write("scatter_reduce_", ops.scatter_reduce),
    "index_add_": _write("index_add_", ops.index_add),
    "index_fill_": _write("index_fill_", ops.index_fill),
    "masked_fill_": _write("masked_fill_", ops.masked_fill),
    "index_put_": _write("index_put_", index_put),
    **{f"{name}_": _reshaped(f"{name}_", getattr(ops, name)) for name in (
        "unsqueeze", "squeeze", "t", "transpose")},
    **{f"{name}_": _write(f"{name}_", getattr(ops, name)) for name in (
        "addcmul", "addcdiv", "lerp", "clamp_min", "clamp_max", "floor", "ceil", "round",
        "trunc", "frac", "sign", "reciprocal", "rsqrt", "square", "log1p", "expm1", "log2",
        "log10", "erf", "remainder", "fmod", "floor_divide", "nan_to_num")},
    "normal_": _sampled("normal_", _normal), "uniform_": _sampled("uniform_", _uniform),
    "bernoulli_": _sampled("bernoulli_", _bernoulli, floats_only=False),
    "exponential_": _sampled("exponential_", _exponential),
}


def _operator(name):
    method = METHODS[name]

    def operator(self, other, /):
        return method(self, other)
    operator.__name__ = f"__i{name[:-1]}__"
    return operator


METHODS.update(__iadd__=_operator("add_"), __isub__=_operator("sub_"),
               __imul__=_operator("mul_"), __itruediv__=_operator("div_"))
