"""Powers, exponentials and logarithms beyond elementwise.py's: log2, log10, exp2, rsqrt,
reciprocal, square, logaddexp, logaddexp2, xlogy, float_power. Integer operands of the
float-valued ones become the default float first (as PyTorch)."""
import math

import numpy as np

from ..primitives import primitive
from ..tensor import Tensor
from ._samples import binary, nonzero, unary, uniform
from .elementwise import astype, exp, pow, where
from .promotion import binary_forward, float_forward, promote

_LN2, _LN10 = math.log(2.0), math.log(10.0)
_positive = uniform(0.2, 2.0)


@primitive(examples=unary(_positive), saves=("inputs",), ufunc=float_forward(np.log2))
def log2(x):
    """log₂ x; ∂/∂x = 1 / (x ln 2)"""


log2.defelementwise(lambda v, out, x: v / (x * _LN2))


@primitive(examples=unary(_positive), saves=("inputs",), ufunc=float_forward(np.log10))
def log10(x):
    """log₁₀ x; ∂/∂x = 1 / (x ln 10)"""


log10.defelementwise(lambda v, out, x: v / (x * _LN10))


@primitive(examples=unary(), saves=("out",), ufunc=float_forward(np.exp2))
def exp2(x):
    """2^x; ∂/∂x = 2^x ln 2"""


exp2.defelementwise(lambda v, out, x: v * (out * _LN2))


def _rsqrt(x):
    return 1 / np.sqrt(x)


@primitive(examples=unary(_positive), saves=("out",), ufunc=float_forward(_rsqrt))
def rsqrt(x):
    """1/√x; ∂/∂x = −½ (1/√x)³"""


rsqrt.defelementwise(lambda v, out, x: v * (-0.5 * out * out * out))


@primitive(examples=unary(nonzero()), saves=("out",), ufunc=float_forward(np.reciprocal))
def reciprocal(x):
    """1/x (integers give the default float); ∂/∂x = −1/x²"""


reciprocal.defelementwise(lambda v, out, x: -v * (out * out))


@primitive(examples=unary(), saves=("inputs",), ufunc=np.square)
def square(x):
    """x² (integers stay integers); ∂/∂x = 2x"""


square.defelementwise(lambda v, out, x: v * (2 * x))


# ----------------------------------------------------------------------------- log-sum-exp
@primitive(examples=binary(uniform(-3.0, 3.0)), saves=("inputs",),
           ufunc=binary_forward(np.logaddexp, to_float=True))
def logaddexp(input, other):
    """ln(eˣ + eʸ), without overflow; ∂/∂x = 1/(1 + e^(y−x)) (NaN where x = y = ±∞, as
    PyTorch)"""


logaddexp.defelementwise(lambda v, out, x, y: v / (1 + exp(y - x)),
                         lambda v, out, x, y: v / (1 + exp(x - y)))


@primitive(examples=binary(uniform(-3.0, 3.0)), saves=("inputs",),
           ufunc=binary_forward(np.logaddexp2, to_float=True))
def logaddexp2(input, other):
    """log₂(2ˣ + 2ʸ); ∂/∂x = 1/(1 + 2^(y−x))"""


logaddexp2.defelementwise(lambda v, out, x, y: v / (1 + exp2(y - x)),
                          lambda v, out, x, y: v / (1 + exp2(x - y)))


# ----------------------------------------------------------------------------- x log y
def _xlogy_cases(rng):
    cases = binary(uniform(-2.0, 2.0), _positive)(rng)
    return cases + [((np.array([0.0, 1.5, -0.5]), rng.uniform(0.2, 2.0, 3)), {})]


@primitive(examples=_xlogy_cases, saves=("inputs",))
def xlogy(input, other):
    """x ln y for x = input, y = other, 0 where x = 0 (unless y is NaN), as torch.xlogy;
    ∂/∂x = ln y (0 where x = 0 and y ≤ 0), ∂/∂y = x/y."""
    (x, y), _ = promote(input, other, to_float=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((x == 0) & ~np.isnan(y), 0, x * np.log(y))


# xlogy(v, y) = v ln y with 0 where v = 0: an incoming 0 never meets ln 0 = −∞ (as PyTorch)
xlogy.defelementwise(lambda v, out, x, y: where((x == 0) & (y <= 0), 0.0, xlogy(v, y)),
                     lambda v, out, x, y: v * x / y)


# ----------------------------------------------------------------------------- float_power
def _as_double(x):
    """x in float64 (complex128 if complex), differentiably for tensors."""
    if isinstance(x, (bool, int, float)):
        return float(x)
    if isinstance(x, complex):
        return x
    kind = x.dtype.kind if isinstance(x, Tensor) else np.asarray(x).dtype.kind
    dtype = np.dtype(np.complex128 if kind == "c" else np.float64)
    if isinstance(x, Tensor):
        return x if x.dtype == dtype else astype(x, dtype=dtype)
    return np.asarray(x, dtype)


def float_power(input, exponent):
    """input^exponent computed in float64 (complex128 for complex operands), as
    torch.float_power; the derivatives are pow's."""
    return pow(_as_double(input), _as_double(exponent))
