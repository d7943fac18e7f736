"""Elementwise primitives. Each states one rule per operand, v ↦ v ⊙ ∂y/∂x_i: with v = ∂L/∂y it
is the backward rule, with v = ẋ_i the forward one (NumPy broadcasting applies; the engine sums a
broadcast gradient back to each operand's shape)."""
import numpy as np

from ..primitives import primitive
from ._samples import binary, fixed, nonzero, off_integers, unary, uniform

positive = uniform(0.2, 2.0)


# ----------------------------------------------------------------------------- arithmetic
@primitive(examples=binary(), saves=(), ufunc=np.add, notation="+")
def add(x, y):
    """x + y"""


add.defelementwise(lambda v, out, x, y: v, lambda v, out, x, y: v)


@primitive(examples=binary(), saves=(), ufunc=np.subtract, notation="-")
def sub(x, y):
    """x - y"""


sub.defelementwise(lambda v, out, x, y: v, lambda v, out, x, y: -v)


@primitive(examples=binary(), saves=("other",), ufunc=np.multiply, notation="*")
def mul(x, y):
    """x · y"""


mul.defelementwise(lambda v, out, x, y: v * y, lambda v, out, x, y: v * x)


@primitive(examples=binary(sample2=nonzero()), ufunc=np.true_divide, notation="/")
def div(x, y):
    """x / y"""


div.defelementwise(lambda v, out, x, y: v / y, lambda v, out, x, y: -v * out / y)


@primitive(examples=binary(sample=positive, scalar=2.5), ufunc=np.power, notation="**")
def pow(x, y):
    """x^y; ∂/∂x = y·x^(y−1) (0 where y = 0), ∂/∂y = x^y·ln x (0 where x = 0 ≤ y, as PyTorch)."""


def _dpow_dx(out, x, y):
    if isinstance(y, (int, float)):
        return 0.0 * x if y == 0 else (y * x if y == 2 else y * x ** (y - 1))
    return where(y == 0, 0.0, y * x ** (y - 1))


def _dpow_dy(out, x, y):
    return where((x == 0) & (y >= 0), 0.0, out * log(where(x == 0, 1.0, x)))


pow.defelementwise(lambda v, out, x, y: v * _dpow_dx(out, x, y),
                       lambda v, out, x, y: v * _dpow_dy(out, x, y))


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


@primitive(examples=unary(), saves=("out",), ufunc=np.exp)
def exp(x):
    """e^x; ∂/∂x = e^x"""


exp.defelementwise(lambda v, out, x: v * out)


@primitive(examples=unary(positive), saves=("inputs",), ufunc=np.log)
def log(x):
    """ln x; ∂/∂x = 1/x"""


log.defelementwise(lambda v, out, x: v / x)


@primitive(examples=unary(uniform(-0.8, 2.0)), saves=("inputs",), ufunc=np.log1p)
def log1p(x):
    """ln(1 + x), accurate near 0; ∂/∂x = 1/(1 + x)"""


log1p.defelementwise(lambda v, out, x: v / (1 + x))


@primitive(examples=unary(), saves=("out",), ufunc=np.expm1)
def expm1(x):
    """e^x − 1, accurate near 0; ∂/∂x = e^x"""


expm1.defelementwise(lambda v, out, x: v * (out + 1))


@primitive(examples=unary(positive), saves=("out",), ufunc=np.sqrt)
def sqrt(x):
    """√x; ∂/∂x = 1/(2√x)"""


sqrt.defelementwise(lambda v, out, x: 0.5 * v / out)


@primitive(examples=unary(), saves=("inputs",), ufunc=np.sin)
def sin(x):
    """sin x; ∂/∂x = cos x"""


sin.defelementwise(lambda v, out, x: v * cos(x))


@primitive(examples=unary(), saves=("inputs",), ufunc=np.cos)
def cos(x):
    """cos x; ∂/∂x = −sin x"""


cos.defelementwise(lambda v, out, x: -v * sin(x))


@primitive(examples=unary(uniform(-1.2, 1.2)), saves=("out",), ufunc=np.tan)
def tan(x):
    """tan x; ∂/∂x = 1 + tan² x"""


tan.defelementwise(lambda v, out, x: v * (1 + out * out))


@primitive(examples=unary(), saves=("inputs",), ufunc=np.arctan)
def atan(x):
    """arctan x; ∂/∂x = 1 / (1 + x²)."""


atan.defelementwise(lambda v, out, x: v / (1 + x * x))
arctan = atan


@primitive(examples=unary(), saves=("out",), ufunc=np.tanh)
def tanh(x):
    """tanh x; ∂/∂x = 1 − tanh² x"""


tanh.defelementwise(lambda v, out, x: v * (1 - out * out))


@primitive(examples=unary(uniform(-4.0, 4.0)), saves=("out",))
def sigmoid(x):
    """σ(x) = 1/(1 + e^−x), computed as exp(−log(1 + e^−x)) so that it never overflows;
    ∂/∂x = σ(x)(1 − σ(x))"""
    return np.exp(-np.logaddexp(0, -x))


sigmoid.defelementwise(lambda v, out, x: v * (out * (1 - out)))


@primitive(examples=unary(nonzero()), saves=("out",))
def relu(x):
    """max(x, 0); ∂/∂x = [y > 0] (0 at 0, as PyTorch; read off the output, so that the input
    can be freed)"""
    return np.maximum(x, 0)


relu.defelementwise(lambda v, out, x: v * (out > 0))


def _piecewise_constant(ufunc, name, doc):
    """sign, floor, ceil, round: flat almost everywhere, so their gradient is zero."""
    def declaration(x):
        pass
    declaration.__doc__ = doc + " (piecewise constant: zero gradient)"
    fn = primitive(name=name, examples=unary(off_integers()), saves=(), ufunc=ufunc)(declaration)
    fn.defelementwise(None)
    return fn


sign = _piecewise_constant(np.sign, "sign", "−1, 0 or 1 by the sign of x")
floor = _piecewise_constant(np.floor, "floor", "largest integer ≤ x")
ceil = _piecewise_constant(np.ceil, "ceil", "smallest integer ≥ x")
round = _piecewise_constant(np.rint, "round", "nearest integer, halves to even")


# ----------------------------------------------------------------------------- selection
def _winner(x, y):
    """1 where x wins, ½ on ties (the gradient is split, as PyTorch), 0 where y wins."""
    return where(x == y, 0.5, where(x > y, 1.0, 0.0))


@primitive(examples=binary(scalar=0.3), saves=("inputs",), ufunc=np.maximum)
def maximum(x, y):
    """elementwise max(x, y)"""


maximum.defelementwise(lambda v, out, x, y: v * _winner(x, y),
                       lambda v, out, x, y: v * _winner(y, x))


@primitive(examples=binary(scalar=0.3), saves=("inputs",), ufunc=np.minimum)
def minimum(x, y):
    """elementwise min(x, y)"""


minimum.defelementwise(lambda v, out, x, y: v * _winner(y, x),
                       lambda v, out, x, y: v * _winner(x, y))


def _where_cases(rng):
    cond = rng.random((2, 3)) > 0.5
    return [((cond, rng.normal(size=(2, 3)), rng.normal(size=(3,))), {}),
            ((cond[0], rng.normal(size=(2, 3)), 0.5), {})]


@primitive(examples=_where_cases, saves=("inputs",))
def where(condition, x, y):
    """x where condition holds, else y; the gradient goes to the branch that was taken."""
    return np.where(condition, x, y)


where.defvjp(None, lambda g, out, c, x, y: where(c, g, 0.0),
             lambda g, out, c, x, y: where(c, 0.0, g))
where.defjvp_all(lambda ts, out, c, x, y: None if ts[1] is None and ts[2] is None else
                 where(c, 0.0 if ts[1] is None else ts[1], 0.0 if ts[2] is None else ts[2]))


@primitive(examples=fixed((lambda rng: (rng.uniform(-2, 2, (2, 3)), -0.5, 0.7), {}),
                          (lambda rng: (rng.uniform(-2, 2, (3,)), None, 0.4), {}),
                          (lambda rng: (rng.uniform(-2, 2, (2, 3)), rng.uniform(-1.5, -0.1, 3),
                                        rng.uniform(0.1, 1.5, (2, 1))), {})), saves=("inputs",))
def clip(x, low, high):
    """min(max(x, low), high), low or high may be None; the gradient flows to whichever of
    x, low, high the output equals (to x at the boundary, as PyTorch's clamp)."""
    return np.clip(x, low, high)


def _inside(x, low, high):
    if low is None:
        return x <= high
    if high is None:
        return x >= low
    return (x >= low) & (x <= high)


clip.defelementwise(lambda v, out, x, lo, hi: v * _inside(x, lo, hi),
                    lambda v, out, x, lo, hi: v * (x < lo),
                    lambda v, out, x, lo, hi: v * (x > hi))


@primitive(examples=unary(dtype="float64"), saves=(), vjp_text="{g} cast to {dtype}")
def astype(x, *, dtype):
    """x converted to another dtype; the gradient is converted back."""
    return x.astype(dtype)


astype.defvjp(lambda g, out, x, dtype: astype(g, dtype=x.dtype))
astype.deflinear()
