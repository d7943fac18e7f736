"""Elementwise primitives. Each states one rule per operand, v ↦ v ⊙ ∂y/∂x_i: with v = ∂L/∂y it
is the backward rule, with v = ẋ_i the forward one (NumPy broadcasting applies; the engine sums a
broadcast gradient back to each operand's shape).

Where a function is locally constant its rule selects 0 with ``where`` rather than multiplying
by a 0/1 mask, so that an infinite incoming v gives 0 there, not ∞·0 = NaN (as PyTorch). The
arithmetic promotes dtypes as PyTorch (ops/promotion.py).
"""
import numpy as np

from ..primitives import primitive
from ._samples import binary, nonzero, off_integers, unary, uniform
from .promotion import binary_forward, float_forward

positive = uniform(0.2, 2.0)


# ----------------------------------------------------------------------------- arithmetic
@primitive(examples=binary(), saves=(), ufunc=binary_forward(np.add), notation="+")
def add(x, y):
    """x + y"""


add.defelementwise(lambda v, out, x, y: v, lambda v, out, x, y: v)


@primitive(examples=binary(), saves=(), ufunc=binary_forward(np.subtract), notation="-")
def sub(x, y):
    """x - y"""


sub.defelementwise(lambda v, out, x, y: v, lambda v, out, x, y: -v)


@primitive(examples=binary(), saves=("other",), ufunc=binary_forward(np.multiply),
           notation="*")
def mul(x, y):
    """x · y"""


mul.defelementwise(lambda v, out, x, y: v * y, lambda v, out, x, y: v * x)


@primitive(examples=binary(sample2=nonzero()), notation="/",
           ufunc=binary_forward(np.true_divide, to_float=True))
def div(x, y):
    """x / y (true division: integers give the default float)"""


div.defelementwise(lambda v, out, x, y: v / y, lambda v, out, x, y: -v * out / y)


@primitive(examples=binary(sample=positive, scalar=2.5), ufunc=binary_forward(np.power),
           notation="**")
def pow(x, y):
    """x^y; ∂/∂x = y·x^(y−1) (0 where y = 0, even at x = ±∞ or NaN), ∂/∂y = x^y·ln x (0 where
    x = 0 ≤ y; −∞ where x = 0 > y), as PyTorch."""


def zero_like(v):
    """Zeros of v's shape and dtype (recorded, with a zero derivative, when v is a tensor)."""
    return where(False, v, 0.0)


def _dpow_dx(v, out, x, y):
    if isinstance(y, (int, float)):
        if y == 0:
            return zero_like(v)
        return v * (y * x) if y == 2 else v * (y * x ** (y - 1))
    flat = y == 0            # x^0 = 1: flat in x; the other branch kept finite there
    safe_x, safe_y = where(flat, 1.0, x), where(flat, 1.0, y)
    return where(flat, 0.0, v * (safe_y * safe_x ** (safe_y - 1)))


def _dpow_dy(v, out, x, y):
    flat = (x == 0) & (y >= 0)
    return where(flat, 0.0, v * (out * log(where(flat, 1.0, x))))


pow.defelementwise(_dpow_dx, _dpow_dy)


@primitive(examples=unary(), is_view=True, saves=())
def identity(x):
    """x itself, as a new node (transforms watch their inputs through it)."""
    return x


identity.defelementwise(lambda v, out, x: v)


@primitive(examples=unary(), saves=(), ufunc=np.negative, notation="-")
def neg(x):
    """−x"""


neg.defelementwise(lambda v, out, x: -v)


# ----------------------------------------------------------------------------- unary math
@primitive(examples=unary(nonzero()), saves=("inputs",), ufunc=np.absolute)
def abs(x):
    """|x|; ∂/∂x = sign(x) (0 at 0, as PyTorch)"""


abs.defelementwise(lambda v, out, x: v * sign(x))


@primitive(examples=unary(), saves=("out",), ufunc=float_forward(np.exp))
def exp(x):
    """e^x; ∂/∂x = e^x"""


exp.defelementwise(lambda v, out, x: v * out)


@primitive(examples=unary(positive), saves=("inputs",), ufunc=float_forward(np.log))
def log(x):
    """ln x; ∂/∂x = 1/x"""


log.defelementwise(lambda v, out, x: v / x)


@primitive(examples=unary(uniform(-0.8, 2.0)), saves=("inputs",), ufunc=float_forward(np.log1p))
def log1p(x):
    """ln(1 + x), accurate near 0; ∂/∂x = 1/(1 + x)"""


log1p.defelementwise(lambda v, out, x: v / (1 + x))


@primitive(examples=unary(), saves=("out",), ufunc=float_forward(np.expm1))
def expm1(x):
    """e^x − 1, accurate near 0; ∂/∂x = e^x"""


expm1.defelementwise(lambda v, out, x: v * (out + 1))


@primitive(examples=unary(positive), saves=("out",), ufunc=float_forward(np.sqrt))
def sqrt(x):
    """√x; ∂/∂x = 1/(2√x)"""


sqrt.defelementwise(lambda v, out, x: 0.5 * v / out)


@primitive(examples=unary(), saves=("inputs",), ufunc=float_forward(np.sin))
def sin(x):
    """sin x; ∂/∂x = cos x"""


sin.defelementwise(lambda v, out, x: v * cos(x))


@primitive(examples=unary(), saves=("inputs",), ufunc=float_forward(np.cos))
def cos(x):
    """cos x; ∂/∂x = −sin x"""


cos.defelementwise(lambda v, out, x: -v * sin(x))


@primitive(examples=unary(uniform(-1.2, 1.2)), saves=("out",), ufunc=float_forward(np.tan))
def tan(x):
    """tan x; ∂/∂x = 1 + tan² x"""


tan.defelementwise(lambda v, out, x: v * (1 + out * out))


@primitive(examples=unary(), saves=("inputs",), ufunc=float_forward(np.arctan))
def atan(x):
    """arctan x; ∂/∂x = 1 / (1 + x²)."""


atan.defelementwise(lambda v, out, x: v / (1 + x * x))
arctan = atan


@primitive(examples=unary(), saves=("out",), ufunc=float_forward(np.tanh))
def tanh(x):
    """tanh x; ∂/∂x = 1 − tanh² x"""


tanh.defelementwise(lambda v, out, x: v * (1 - out * out))


def _sigmoid(x):
    return np.exp(-np.logaddexp(0, -x))


@primitive(examples=unary(uniform(-4.0, 4.0)), saves=("out",), ufunc=float_forward(_sigmoid))
def sigmoid(x):
    """σ(x) = 1/(1 + e^−x), computed as exp(−log(1 + e^−x)) so that it never overflows;
    ∂/∂x = σ(x)(1 − σ(x))"""


sigmoid.defelementwise(lambda v, out, x: v * (out * (1 - out)))


@primitive(examples=unary(nonzero()), saves=("out",))
def relu(x):
    """max(x, 0); ∂/∂x = 0 where y = 0 (at 0 too), else 1 (NaN passes, as PyTorch; read off
    the output, so that the input can be freed)"""
    return np.maximum(x, 0)


relu.defelementwise(lambda v, out, x: where(out != 0, v, 0.0))


def _piecewise_constant(ufunc, name, doc):
    """sign, floor, ceil, round: flat almost everywhere, so their gradient is zero (a zero
    tensor, as PyTorch's)."""
    def declaration(x):
        pass
    declaration.__doc__ = doc + " (piecewise constant: zero gradient)"
    fn = primitive(name=name, examples=unary(off_integers()), saves=(), ufunc=ufunc)(declaration)
    fn.defelementwise(lambda v, out, x: zero_like(v))
    return fn


def _sign(x):
    s = np.sign(x)
    return np.where(s == s, s, 0) if s.dtype.kind == "f" else s


sign = _piecewise_constant(_sign, "sign", "−1, 0 or 1 by the sign of x (0 for NaN, as PyTorch)")
floor = _piecewise_constant(np.floor, "floor", "largest integer ≤ x")
ceil = _piecewise_constant(np.ceil, "ceil", "smallest integer ≥ x")


def _rint(x):
    x = np.asarray(x)
    return np.rint(x) if x.dtype.kind in "fc" else x.copy()    # integers stay (as PyTorch)


round = _piecewise_constant(_rint, "round", "nearest integer, halves to even")


# ----------------------------------------------------------------------------- selection
def _unless_beaten(v, x, y):
    """v where x wins (or either is NaN, as PyTorch), v/2 on ties (split, as PyTorch), 0 where
    y wins: ∂max(x, y)/∂x applied to v."""
    return where(x < y, 0.0, where(x == y, 0.5 * v, v))


@primitive(examples=binary(scalar=0.3), saves=("inputs",), ufunc=binary_forward(np.maximum))
def maximum(x, y):
    """elementwise max(x, y) (NaN if either is NaN)"""


maximum.defelementwise(lambda v, out, x, y: _unless_beaten(v, x, y),
                       lambda v, out, x, y: _unless_beaten(v, y, x))


@primitive(examples=binary(scalar=0.3), saves=("inputs",), ufunc=binary_forward(np.minimum))
def minimum(x, y):
    """elementwise min(x, y) (NaN if either is NaN)"""


minimum.defelementwise(lambda v, out, x, y: _unless_beaten(v, y, x),
                       lambda v, out, x, y: _unless_beaten(v, x, y))


def _where_cases(rng):
    cond = rng.random((2, 3)) > 0.5
    return [((cond, rng.normal(size=(2, 3)), rng.normal(size=(3,))), {}),
            ((cond[0], rng.normal(size=(2, 3)), 0.5), {})]


@primitive(examples=_where_cases, saves=("inputs",))
def where(condition, x, y):
    """x where condition holds, else y; the gradient goes to the branch that was taken."""
    if y.__class__ is float and y == 0.0 and x.__class__ is np.ndarray \
            and x.dtype.itemsize in _BITS and x.dtype.kind == "f" \
            and condition.__class__ is np.ndarray and condition.dtype.kind == "b":
        # the rules' where(kept, v, 0.0), ~4x quicker than np.where with a scalar: x's bits
        # AND a mask of all ones where kept, all zeros (+0.0) elsewhere (exact for -0, ∞, NaN)
        # (the AND written into the mask: a third array of this size costs page faults)
        bits = _BITS[x.dtype.itemsize]
        mask = np.subtract(0, condition, dtype=bits)
        if mask.__class__ is not np.ndarray or mask.shape != x.shape:   # 0-d, or broadcast
            return np.bitwise_and(mask, x.view(bits)).view(x.dtype)
        np.bitwise_and(mask, x.view(bits), out=mask)
        return mask.view(x.dtype)
    return np.where(condition, x, y)


_BITS = {2: np.uint16, 4: np.uint32, 8: np.uint64}     # an unsigned integer of a float's width


def selected_times(v, w):
    """v ⊙ w for a weight w that is 0 off the selected entries (max, min, median): v is
    selected away there first, so an infinite v gives 0, not ∞·0 = NaN."""
    return where(w != 0, v, 0.0) * w


where.defvjp(None, lambda g, out, c, x, y: where(c, g, 0.0),
             lambda g, out, c, x, y: where(c, 0.0, g))
where.defjvp_all(lambda ts, out, c, x, y: None if ts[1] is None and ts[2] is None else
                 where(c, 0.0 if ts[1] is None else ts[1], 0.0 if ts[2] is None else ts[2]))


@primitive(examples=unary(dtype="float64"), saves=(), vjp_text="{g} cast to {dtype}")
def astype(x, *, dtype):
    """x converted to another dtype; the gradient is converted back."""
    return x.astype(dtype)


astype.defvjp(lambda g, out, x, dtype: astype(g, dtype=x.dtype))
astype.deflinear()
