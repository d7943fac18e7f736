"""Operators and methods of Tensor, bound to the operations of graphgrad.ops.

Kept apart from tensor.py so that the Tensor type does not import the operations built on it.
NumPy ufuncs called on tensors (``np.exp(t)``, ``ndarray * t``) dispatch to the same operations.
"""
import numpy as np

from . import autodiff, ops
from .errors import DtypeError
from .ops.elementwise import astype as convert
from .ops.index import plain_index
from .tensor import Tensor, is_float


def _swap(op):
    return lambda self, other: op(other, self)


def astype(x, dtype):
    """x converted to `dtype` (differentiable between float dtypes; x itself if unchanged)."""
    dtype = np.dtype(dtype)
    if np.result_type(x) == dtype:
        return x
    if isinstance(x, Tensor) and x.requires_grad and not is_float(dtype):
        raise DtypeError(f"astype: converting a tensor that requires grad to {dtype} would cut "
                         "the gradient; use .detach().astype(...) if that is intended")
    return convert(x, dtype=dtype)


def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Backward propagation from this tensor: accumulate ∂self/∂leaf into every leaf's .grad.

    gradient: ∂L/∂self for a non-scalar tensor (the vector of the vector-Jacobian product).
    retain_graph: keep saved buffers for another backward (default: create_graph).
    create_graph: record the backward pass itself, for higher-order derivatives.
    inputs: accumulate only into these tensors.
    """
    autodiff.backward(self, gradient, retain_graph, create_graph, inputs)


def _setitem(self, index, value):
    """x[index] = value: an in-place change, allowed on tensors outside the recorded graph."""
    index = plain_index(index)

    def setitem(dst, src, out=None, casting=None):
        dst[index] = src
    self._inplace(setitem, value)


_UFUNCS = {
    np.add: ops.add, np.subtract: ops.sub, np.multiply: ops.mul, np.true_divide: ops.div,
    np.power: ops.pow, np.negative: ops.neg, np.absolute: ops.abs, np.exp: ops.exp,
    np.log: ops.log, np.log1p: ops.log1p, np.expm1: ops.expm1, np.sqrt: ops.sqrt,
    np.sin: ops.sin, np.cos: ops.cos, np.tan: ops.tan, np.tanh: ops.tanh,
    np.maximum: ops.maximum, np.minimum: ops.minimum, np.sign: ops.sign, np.floor: ops.floor,
    np.ceil: ops.ceil, np.rint: ops.round, np.matmul: ops.matmul, np.less: ops.lt,
    np.less_equal: ops.le, np.greater: ops.gt, np.greater_equal: ops.ge, np.equal: ops.eq,
    np.not_equal: ops.ne, np.logical_not: ops.logical_not, np.logical_and: ops.logical_and,
    np.logical_or: ops.logical_or, np.logical_xor: ops.logical_xor, np.bitwise_and: ops.bitwise_and,
    np.bitwise_or: ops.bitwise_or, np.bitwise_xor: ops.bitwise_xor, np.invert: ops.invert,
    np.isfinite: ops.isfinite, np.isnan: ops.isnan, np.isinf: ops.isinf,
}


def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    op = _UFUNCS.get(ufunc)
    if op is None or method != "__call__" or kwargs:
        raise TypeError(f"NumPy's {ufunc.__name__}.{method} has no graphgrad counterpart for "
                        "tensors; call it on t.numpy() (outside the graph) or use gg functions")
    return op(*inputs)


_METHODS = {
    # elementwise
    "exp": ops.exp, "log": ops.log, "log1p": ops.log1p, "expm1": ops.expm1, "sqrt": ops.sqrt,
    "sin": ops.sin, "cos": ops.cos, "tan": ops.tan, "atan": ops.atan, "arctan": ops.atan,
    "tanh": ops.tanh, "sigmoid": ops.sigmoid,
    "relu": ops.relu, "abs": ops.abs, "sign": ops.sign, "floor": ops.floor, "ceil": ops.ceil,
    "round": ops.round, "neg": ops.neg, "clip": ops.clip, "clamp": ops.clip,
    "maximum": ops.maximum, "minimum": ops.minimum, "pow": ops.pow,
    # reductions
    "sum": ops.sum, "mean": ops.mean, "prod": ops.prod, "max": ops.max, "min": ops.min,
    "var": ops.var, "std": ops.std, "logsumexp": ops.logsumexp, "softmax": ops.softmax,
    "log_softmax": ops.log_softmax, "argmax": ops.argmax, "argmin": ops.argmin,
    "any": ops.any, "all": ops.all,
    # shape
    "reshape": ops.reshape, "view": ops.reshape, "transpose": ops.transpose,
    "permute": ops.permute, "swapaxes": ops.swapaxes, "flatten": ops.flatten,
    "squeeze": ops.squeeze, "expand_dims": ops.expand_dims, "unsqueeze": ops.expand_dims,
    "broadcast_to": ops.broadcast_to, "expand": ops.broadcast_to, "split": ops.split,
    # products and indexing
    "matmul": ops.matmul, "dot": ops.dot, "gather": ops.gather,
    "take_along_axis": ops.take_along_axis, "astype": astype, "backward": backward,
}

_OPERATORS = {
    "__add__": ops.add, "__radd__": _swap(ops.add), "__sub__": ops.sub, "__rsub__": _swap(ops.sub),
    "__mul__": ops.mul, "__rmul__": _swap(ops.mul), "__truediv__": ops.div,
    "__rtruediv__": _swap(ops.div), "__pow__": ops.pow, "__rpow__": _swap(ops.pow),
    "__matmul__": ops.matmul, "__rmatmul__": _swap(ops.matmul), "__neg__": ops.neg,
    "__abs__": ops.abs, "__pos__": lambda self: self, "__lt__": ops.lt, "__le__": ops.le,
    "__gt__": ops.gt, "__ge__": ops.ge, "__eq__": ops.eq, "__ne__": ops.ne,
    "__invert__": ops.invert, "__and__": ops.bitwise_and, "__or__": ops.bitwise_or,
    "__xor__": ops.bitwise_xor, "__rand__": _swap(ops.bitwise_and),
    "__ror__": _swap(ops.bitwise_or), "__rxor__": _swap(ops.bitwise_xor),
    "__getitem__": ops.getitem, "__setitem__": _setitem,
    "__array_ufunc__": _array_ufunc,
}


def bind():
    for name, fn in {**_METHODS, **_OPERATORS}.items():
        setattr(Tensor, name, fn)
    Tensor.T = property(lambda self: ops.transpose(self), doc="x with its axes reversed")
    Tensor.mT = property(lambda self: ops.swapaxes(self, -1, -2),
                         doc="x with its last two axes swapped")
    Tensor.float = lambda self: astype(self, np.float32)
    Tensor.double = lambda self: astype(self, np.float64)
    Tensor.to = lambda self, dtype: astype(self, dtype)
    Tensor.__hash__ = object.__hash__


bind()
