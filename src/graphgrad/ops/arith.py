"""PyTorch's arithmetic functions with their keywords: add and sub with alpha=, div and divide
with rounding_mode=, addcmul and addcdiv with value=, diff, the bitwise functions bitwise_not,
bitwise_left_shift and bitwise_right_shift, and PyTorch's other spellings of the arithmetic and
comparisons (multiply, subtract, true_divide, negative, absolute, greater, less_equal, ...),
and PyTorch's promotion queries result_type and promote_types.

The primitives add, sub and div (elementwise.py) stay what the operators call; these functions
are the thin keyword layer of gg.add, gg.sub and gg.div, which calls the primitive at once where
no keyword is given:

    add(x, y, alpha=a) = x + a·y       sub(x, y, alpha=a) = x − a·y
    div(x, y, rounding_mode='trunc')   = trunc(x / y)  (C's integer division for integers)
    div(x, y, rounding_mode='floor')   = ⌊x / y⌋       (floor_divide)

A rounded quotient is piecewise constant: zero gradient, as PyTorch's. addcmul, addcdiv and
diff are composites of the primitives, so their derivatives are the primitives' rules.
"""
import inspect

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor, make
from .clone import fresh
from .compare import ge, gt, invert, le, lt, ne
from .elementwise import abs as _abs
from .elementwise import add as _add
from .elementwise import astype
from .elementwise import div as _div
from .elementwise import mul as _mul
from .elementwise import neg as _neg
from .elementwise import sub as _sub
from .joins import cat
from .promotion import cast, result_type
from .promotion import promote_types as _promote_types
from .rounding import floor_divide, trunc
from .views import narrow


class IntegerDivisionByZero(ZeroDivisionError, RuntimeError):
    """An integer division by zero (PyTorch's RuntimeError 'ZeroDivisionError')."""


def _scaled(other, alpha, dtype, name):
    """alpha · other in the result's dtype (other converted first, as PyTorch computes it),
    refusing a float alpha for an integral result (as PyTorch)."""
    if dtype.kind in "biu" and isinstance(alpha, float):
        raise TypeError(f"{name}: for integral input tensors, argument alpha must not be a "
                        f"floating point number (got alpha={alpha})")
    if dtype.kind != "b" and isinstance(alpha, bool):
        raise TypeError(f"{name}: boolean alpha only supported for Boolean results")
    if isinstance(other, Tensor) and other.dtype != dtype and dtype.kind in "fc":
        other = astype(other, dtype=dtype)
    return other * alpha


_ONE = 1
_NOT_GIVEN = object()

# gg.add(x, y) is the primitive with one Python call in front. alpha is keyword-only in PyTorch,
# but a function with keyword-only parameters misses CPython's fast call path (≈ 50 ns more
# per call, measured on the 1-element add): so the layer takes positional defaults, a third
# positional argument lands in _positional and is refused as PyTorch refuses it, and
# __signature__ states the keyword-only signature (help(), inspect, the stub test).


def add(input, other, _positional=_NOT_GIVEN, alpha=_ONE):
    """input + alpha · other (∂/∂input = 1, ∂/∂other = alpha)."""
    if alpha is _ONE and _positional is _NOT_GIVEN:
        return _add(input, other)
    return _with_alpha(_add, "add", input, other, _positional, alpha)


def sub(input, other, _positional=_NOT_GIVEN, alpha=_ONE):
    """input − alpha · other (∂/∂input = 1, ∂/∂other = −alpha)."""
    if alpha is _ONE and _positional is _NOT_GIVEN:
        return _sub(input, other)
    return _with_alpha(_sub, "sub", input, other, _positional, alpha)


def _no_third(name, positional):
    if positional is not _NOT_GIVEN:
        raise TypeError(f"{name}() takes 2 positional arguments but 3 were given (its options "
                        "are keyword-only)")


def _with_alpha(prim, name, input, other, positional, alpha):
    _no_third(name, positional)
    return prim(input, _scaled(other, alpha, result_type(input, other), name))


def div(input, other, _positional=_NOT_GIVEN, rounding_mode=None):
    """input / other; rounding_mode None (true division: integers give the default float),
    'trunc' (rounded toward 0) or 'floor' (rounded down), both in the promoted dtype."""
    if rounding_mode is None and _positional is _NOT_GIVEN:
        return _div(input, other)
    _no_third("div", positional=_positional)
    if rounding_mode is None:
        return _div(input, other)
    if rounding_mode == "floor":
        _integer_zero_check(input, other, "floor")
        return floor_divide(input, other)
    if rounding_mode == "trunc":
        dtype = result_type(input, other)
        if dtype.kind in "fc":
            return trunc(_div(input, other))
        return _trunc_integers(input, other, dtype)
    raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                     f"found '{rounding_mode}'")


add.__signature__ = inspect.signature(lambda input, other, *, alpha=1: None)
sub.__signature__ = add.__signature__
div.__signature__ = inspect.signature(lambda input, other, *, rounding_mode=None: None)
divide = div


def _raw(x):
    return x.array if isinstance(x, Tensor) else x


def _integer_zero_check(input, other, mode):
    if result_type(input, other).kind in "biu" and np.any(np.asarray(_raw(other)) == 0):
        raise IntegerDivisionByZero(f"div(rounding_mode='{mode}'): ZeroDivisionError (an "
                                    "integer divided by zero)")


def _trunc_integers(input, other, dtype):
    """The quotient rounded toward 0 of integers (C's a / b), outside the graph."""
    if dtype.kind == "b":
        raise TypeError("div(rounding_mode='trunc') is not implemented for two bool tensors")
    _integer_zero_check(input, other, "trunc")
    a, b = cast(_raw(input), dtype), cast(_raw(other), dtype)
    q = np.floor_divide(a, b)
    q = q + ((np.remainder(a, b) != 0) & ((a < 0) != (b < 0)))
    q = np.asarray(q).astype(dtype, copy=False)
    return make(q) if isinstance(input, Tensor) or isinstance(other, Tensor) else q


# ------------------------------------------------------------------------------ addc*, diff
def _value(value, dtype):
    """addcmul's value in the result's dtype (an integral result truncates it, as PyTorch)."""
    return int(value) if dtype.kind in "iu" else value


def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value · tensor1 · tensor2 (broadcast, promoted as PyTorch)."""
    product = _mul(tensor1, tensor2)
    if value != 1:
        product = _mul(product, _value(value, result_type(input, tensor1, tensor2)))
    return _add(input, product)


def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value · tensor1 / tensor2; integer tensor1 and tensor2 are refused (PyTorch
    refuses their integer division)."""
    if result_type(tensor1, tensor2).kind in "biu":
        raise TypeError("addcdiv: integer division with addcdiv is not supported (as in "
                        "PyTorch); convert tensor1 or tensor2 to a float dtype first")
    quotient = _div(tensor1, tensor2)
    return _add(input, quotient if value == 1 else _mul(quotient, value))


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along dim, out[i] = x[i+1] − x[i] applied n times (x[i+1] ≠
    x[i] for bools), of input with prepend and append joined before and after it along dim."""
    ndim = np.ndim(_raw(input))
    if ndim == 0:
        raise ShapeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise ValueError(f"diff: order must be non-negative but got {n}")
    parts = [p for p in (prepend, input, append) if p is not None]
    if any(np.ndim(_raw(p)) != ndim for p in parts):
        raise ShapeError(f"diff expects prepend and append to have input's number of "
                         f"dimensions ({ndim}), got shapes "
                         f"{[np.shape(_raw(p)) for p in parts]}")
    x = cat(parts, dim) if len(parts) > 1 else input
    for _ in range(n):
        length = np.shape(_raw(x))[dim]
        if length == 0:
            break
        later, earlier = narrow(x, dim, 1, length - 1), narrow(x, dim, 0, length - 1)
        x = ne(later, earlier) if result_type(x).kind == "b" else _sub(later, earlier)
    return fresh(x, input)


# ------------------------------------------------------------------------------ bitwise
def _integral(x, name):
    dtype = result_type(x)
    if dtype.kind not in "biu":
        raise TypeError(f"{name}: not implemented for {dtype} tensors (integers and bools only)")


def bitwise_not(input):
    """~input: the bits flipped for integers, logical not for bools (no gradient)."""
    _integral(input, "bitwise_not")
    return invert(input)


def _shift(ufunc, name):
    def shift(input, other):
        dtype = result_type(input, other)
        if dtype.kind not in "iu":
            raise TypeError(f"{name}: not implemented for {dtype} (integer tensors only)")
        out = ufunc(cast(_raw(input), dtype), cast(_raw(other), dtype))
        out = np.asarray(out).astype(dtype, copy=False)
        return make(out) if isinstance(input, Tensor) or isinstance(other, Tensor) else out
    shift.__name__ = shift.__qualname__ = name
    return shift


bitwise_left_shift = _shift(np.left_shift, "bitwise_left_shift")
bitwise_left_shift.__doc__ = "input · 2^other for integers (<<), outside the graph."
bitwise_right_shift = _shift(np.right_shift, "bitwise_right_shift")
bitwise_right_shift.__doc__ = "input >> other (arithmetic shift: the sign is kept), outside " \
    "the graph."


# ------------------------------------------------------------------------------ other spellings
multiply, subtract, true_divide, negative, absolute = _mul, sub, _div, _neg, _abs
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


# ------------------------------------------------------------------------------ promotion
def promote_types(type1, type2):
    """The dtype that tensors of dtypes type1 and type2 promote to, as torch.promote_types."""
    return _promote_types(np.dtype(type1), np.dtype(type2))
