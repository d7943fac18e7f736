"""Operators and methods of Tensor, bound to the operations of graphgrad.ops.

Kept apart from tensor.py so that the Tensor type does not import the operations built on it.
NumPy ufuncs called on tensors (``np.exp(t)``, ``ndarray * t``) dispatch to the same operations.
"""
import numpy as np

from . import autodiff, ops, sampling
from ._tensor_core import METHODS as _CORE_METHODS
from ._tensor_inplace import METHODS as _INPLACE_METHODS
from .errors import DtypeError
from .ops.diagonal import trace
from .ops.elementwise import add as _plus
from .ops.elementwise import astype as convert
from .ops.elementwise import div as _true_div
from .ops.elementwise import sub as _minus
from .ops.joins import repeat
from .ops.shape import dims_arg, expand, expand_as, reshape_as, unfold, view_as
from .ops.tensor_split import view
from .ops.views import matrix_transpose, reversed_dims
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


def numel(input):
    """The number of elements of a tensor (torch.numel: a tensor only, as PyTorch)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"numel(): argument 'input' must be Tensor, not {type(input).__name__}")
    return input.numel()


def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Backward propagation from this tensor: accumulate ∂self/∂leaf into every leaf's .grad.

    gradient: ∂L/∂self for a non-scalar tensor (the vector of the vector-Jacobian product).
    retain_graph: keep saved buffers for another backward (default: create_graph).
    create_graph: record the backward pass itself, for higher-order derivatives.
    inputs: accumulate only into these tensors.
    """
    autodiff.backward(self, gradient, retain_graph, create_graph, inputs)


_UFUNCS = {
    np.add: _plus, np.subtract: _minus, np.multiply: ops.mul, np.true_divide: _true_div,
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
    np.arctan: ops.atan, np.log2: ops.log2, np.log10: ops.log10, np.exp2: ops.exp2,
    np.reciprocal: ops.reciprocal, np.square: ops.square, np.sinh: ops.sinh, np.cosh: ops.cosh,
    np.arcsin: ops.asin, np.arccos: ops.acos, np.arctan2: ops.atan2, np.arcsinh: ops.asinh,
    np.arccosh: ops.acosh, np.arctanh: ops.atanh, np.trunc: ops.trunc, np.remainder: ops.remainder,
    np.fmod: ops.fmod, np.floor_divide: ops.floor_divide, np.logaddexp: ops.logaddexp,
    np.logaddexp2: ops.logaddexp2, np.hypot: ops.hypot, np.copysign: ops.copysign,
    np.deg2rad: ops.deg2rad, np.rad2deg: ops.rad2deg, np.radians: ops.deg2rad,
    np.degrees: ops.rad2deg, np.positive: ops.positive, np.float_power: ops.float_power,
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
    "round": ops.round, "neg": ops.neg, "clip": ops.clip, "clamp": ops.clamp,
    "clamp_min": ops.clamp_min, "clamp_max": ops.clamp_max,
    "maximum": ops.maximum, "minimum": ops.minimum, "pow": ops.pow,
    "log2": ops.log2, "log10": ops.log10, "exp2": ops.exp2, "rsqrt": ops.rsqrt,
    "reciprocal": ops.reciprocal, "square": ops.square, "sinh": ops.sinh, "cosh": ops.cosh,
    "asin": ops.asin, "arcsin": ops.asin, "acos": ops.acos, "arccos": ops.acos,
    "atan2": ops.atan2, "arctan2": ops.atan2, "asinh": ops.asinh, "arcsinh": ops.asinh,
    "acosh": ops.acosh, "arccosh": ops.acosh, "atanh": ops.atanh, "arctanh": ops.atanh,
    "erf": ops.erf, "erfc": ops.erfc, "erfinv": ops.erfinv, "trunc": ops.trunc, "fix": ops.trunc,
    "frac": ops.frac, "remainder": ops.remainder, "fmod": ops.fmod,
    "floor_divide": ops.floor_divide, "logaddexp": ops.logaddexp, "logaddexp2": ops.logaddexp2,
    "lerp": ops.lerp, "hypot": ops.hypot, "copysign": ops.copysign,
    "nan_to_num": ops.nan_to_num, "xlogy": ops.xlogy, "sinc": ops.sinc,
    "deg2rad": ops.deg2rad, "rad2deg": ops.rad2deg, "isclose": ops.isclose,
    "allclose": ops.allclose, "sgn": ops.sgn, "positive": ops.positive,
    "float_power": ops.float_power,
    # reductions
    "sum": ops.sum, "mean": ops.mean, "prod": ops.prod, "max": ops.max, "min": ops.min,
    "var": ops.var, "std": ops.std, "logsumexp": ops.logsumexp, "softmax": ops.softmax,
    "log_softmax": ops.log_softmax, "argmax": ops.argmax, "argmin": ops.argmin,
    "any": ops.any, "all": ops.all,
    "amax": ops.amax, "amin": ops.amin, "nansum": ops.nansum, "nanmean": ops.nanmean,
    "count_nonzero": ops.count_nonzero, "median": ops.median, "nanmedian": ops.nanmedian,
    "mode": ops.mode, "sort": ops.sort, "argsort": ops.argsort, "topk": ops.topk,
    "kthvalue": ops.kthvalue, "cumsum": ops.cumsum, "cumprod": ops.cumprod,
    "logcumsumexp": ops.logcumsumexp, "cummax": ops.cummax, "cummin": ops.cummin,
    "norm": ops.norm,
    # shape
    "reshape": ops.reshape, "view": view, "reshape_as": reshape_as, "view_as": view_as,
    "transpose": ops.transpose, "permute": ops.permute, "swapaxes": ops.swapaxes,
    "swapdims": ops.swapdims, "t": ops.t, "movedim": ops.movedim, "moveaxis": ops.moveaxis,
    "flatten": ops.flatten, "unflatten": ops.unflatten, "squeeze": ops.squeeze,
    "expand_dims": ops.expand_dims, "unsqueeze": ops.unsqueeze,
    "broadcast_to": ops.broadcast_to, "expand": expand, "expand_as": expand_as,
    "split": ops.split, "chunk": ops.chunk, "unbind": ops.unbind, "narrow": ops.narrow,
    "select": ops.select, "unfold": unfold, "flip": ops.flip, "fliplr": ops.fliplr,
    "flipud": ops.flipud, "rot90": ops.rot90, "roll": ops.roll, "repeat": repeat, "tile": ops.tile,
    "repeat_interleave": ops.repeat_interleave, "diag": ops.diag, "diagonal": ops.diagonal,
    "diag_embed": ops.diag_embed, "trace": trace, "tril": ops.tril, "triu": ops.triu,
    # products and indexing
    "matmul": ops.matmul, "dot": ops.dot, "mm": ops.mm, "bmm": ops.bmm, "mv": ops.mv,
    "addmm": ops.addmm, "addmv": ops.addmv, "outer": ops.outer, "inner": ops.inner,
    "kron": ops.kron, "cross": ops.cross, "gather": ops.gather,
    "take_along_axis": ops.take_along_axis, "take_along_dim": ops.take_along_dim,
    "index_select": ops.index_select, "take": ops.take,
    "masked_select": ops.masked_select, "nonzero": ops.nonzero, "argwhere": ops.argwhere,
    "scatter": ops.scatter, "scatter_add": ops.scatter_add, "scatter_reduce": ops.scatter_reduce,
    "index_add": ops.index_add, "index_fill": ops.index_fill, "masked_fill": ops.masked_fill,
    "astype": astype, "backward": backward,
}


def _with_other(op, name):
    """A binary operation as PyTorch's method x.<name>(other)."""
    def method(self, other):
        return op(self, other)
    method.__name__ = name
    method.__doc__ = f"{name}(self, other), as gg.{op.__name__}."
    return method


def is_contiguous(self, memory_format=None):
    """Whether self's memory is C-contiguous (contiguous() returns self exactly then)."""
    return bool(self.array.flags.c_contiguous)


def stride(self, dim=None):
    """The step in elements from one index to the next along each dim (or along dim), as
    PyTorch's: 0 along a broadcast (expanded) dim."""
    steps = tuple(s // self.array.itemsize for s in self.array.strides)
    if dim is None:
        return steps
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"stride(): argument 'dim' must be int, not {type(dim).__name__}")
    return steps[dims_arg(dim, self.ndim, "stride")[0]]


def data_ptr(self):
    """The address of self's first element (equal for a tensor and a view that starts where it
    starts)."""
    return self.array.ctypes.data


def get_device(self):
    """-1: the CPU (PyTorch's answer for a CPU tensor)."""
    return -1


def is_same_size(self, other):
    """Whether self and other have the same shape."""
    return self.shape == other.shape


def _where(self, condition, other):
    """self where condition holds, else other (gg.where(condition, self, other))."""
    return ops.where(condition, self, other)


# PyTorch's method spellings of the operators and predicates
_METHODS.update({
    "add": ops.add, "sub": ops.sub, "div": ops.div, "divide": ops.div, "where": _where,
    "tensor_split": ops.tensor_split, "index_put": ops.index_put,
    "bitwise_not": ops.bitwise_not, "bitwise_left_shift": ops.bitwise_left_shift,
    "bitwise_right_shift": ops.bitwise_right_shift,
    **{name: _with_other(getattr(ops, name), name) for name in (
        "mul", "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor",
        "bitwise_and", "bitwise_or", "bitwise_xor")},
    "logical_not": ops.logical_not, "isfinite": ops.isfinite,
    "isinf": ops.isinf, "isnan": ops.isnan,
    "bernoulli": sampling.bernoulli, "multinomial": sampling.multinomial,
    "is_contiguous": is_contiguous, "stride": stride, "data_ptr": data_ptr,
    "get_device": get_device, "is_same_size": is_same_size,
    "addcmul": ops.addcmul, "addcdiv": ops.addcdiv, "diff": ops.diff, "equal": ops.equal,
    "subtract": ops.subtract, "negative": ops.negative, "absolute": ops.absolute,
    **{name: _with_other(getattr(ops, name), name) for name in (
        "multiply", "true_divide", "greater", "greater_equal", "less", "less_equal",
        "not_equal")},
})

_OPERATORS = {
    "__add__": _plus, "__radd__": _swap(_plus), "__sub__": _minus, "__rsub__": _swap(_minus),
    "__mul__": ops.mul, "__rmul__": _swap(ops.mul), "__truediv__": _true_div,
    "__rtruediv__": _swap(_true_div), "__pow__": ops.pow, "__rpow__": _swap(ops.pow),
    "__floordiv__": ops.floor_divide, "__rfloordiv__": _swap(ops.floor_divide),
    "__mod__": ops.remainder, "__rmod__": _swap(ops.remainder),
    "__matmul__": ops.matmul, "__rmatmul__": _swap(ops.matmul), "__neg__": ops.neg,
    "__abs__": ops.abs, "__pos__": lambda self: self, "__lt__": ops.lt, "__le__": ops.le,
    "__gt__": ops.gt, "__ge__": ops.ge, "__eq__": ops.eq, "__ne__": ops.ne,
    "__invert__": ops.invert, "__and__": ops.bitwise_and, "__or__": ops.bitwise_or,
    "__xor__": ops.bitwise_xor, "__rand__": _swap(ops.bitwise_and),
    "__ror__": _swap(ops.bitwise_or), "__rxor__": _swap(ops.bitwise_xor),
    "__lshift__": ops.bitwise_left_shift, "__rlshift__": _swap(ops.bitwise_left_shift),
    "__rshift__": ops.bitwise_right_shift, "__rrshift__": _swap(ops.bitwise_right_shift),
    "__getitem__": ops.getitem,
    "__array_ufunc__": _array_ufunc,
}


def bind():
    for name, fn in {**_METHODS, **_OPERATORS}.items():
        setattr(Tensor, name, fn)
    Tensor.T = property(reversed_dims, doc="x with its dims reversed (PyTorch warns unless 2-D)")
    Tensor.mT = property(matrix_transpose, doc="x with its last two dims swapped")
    # conversions (to, float(), long(), ...), copies, hooks, in-place methods, NumPy's functions
    for name, fn in {**_CORE_METHODS, **_INPLACE_METHODS}.items():
        setattr(Tensor, name, fn)
    Tensor.__hash__ = object.__hash__


bind()
