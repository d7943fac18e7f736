"""Hyperbolic and inverse trigonometric functions, atan2, hypot, sinc and the angle conversions.
Torch's names with NumPy's as aliases (arcsin, arctan2, arcsinh, ...); integer operands become
the default float (as PyTorch). Binary operations take (input, other), y and x in atan2's
formulas, x and y in hypot's."""
import math

import numpy as np

from ..primitives import primitive
from ._samples import binary, nonzero, unary, uniform
from .elementwise import cos, sqrt, where
from .promotion import binary_forward, float_forward

_inside = uniform(-0.9, 0.9)


@primitive(examples=unary(), saves=("inputs",), ufunc=float_forward(np.sinh))
def sinh(x):
    """sinh x; ∂/∂x = cosh x"""


@primitive(examples=unary(), saves=("inputs",), ufunc=float_forward(np.cosh))
def cosh(x):
    """cosh x; ∂/∂x = sinh x"""


sinh.defelementwise(lambda v, out, x: v * cosh(x))
cosh.defelementwise(lambda v, out, x: v * sinh(x))


@primitive(examples=unary(_inside), saves=("inputs",), ufunc=float_forward(np.arcsin))
def asin(x):
    """arcsin x; ∂/∂x = 1/√(1 − x²)"""


asin.defelementwise(lambda v, out, x: v / sqrt(1 - x * x))


@primitive(examples=unary(_inside), saves=("inputs",), ufunc=float_forward(np.arccos))
def acos(x):
    """arccos x; ∂/∂x = −1/√(1 − x²)"""


acos.defelementwise(lambda v, out, x: -v / sqrt(1 - x * x))


@primitive(examples=unary(), saves=("inputs",), ufunc=float_forward(np.arcsinh))
def asinh(x):
    """arsinh x; ∂/∂x = 1/√(x² + 1)"""


asinh.defelementwise(lambda v, out, x: v / sqrt(x * x + 1))


@primitive(examples=unary(uniform(1.2, 3.0)), saves=("inputs",), ufunc=float_forward(np.arccosh))
def acosh(x):
    """arcosh x (x ≥ 1); ∂/∂x = 1/√(x² − 1)"""


acosh.defelementwise(lambda v, out, x: v / sqrt(x * x - 1))


@primitive(examples=unary(_inside), saves=("inputs",), ufunc=float_forward(np.arctanh))
def atanh(x):
    """artanh x (|x| < 1); ∂/∂x = 1/(1 − x²)"""


atanh.defelementwise(lambda v, out, x: v / (1 - x * x))


@primitive(examples=binary(sample2=nonzero()), saves=("inputs",),
           ufunc=binary_forward(np.arctan2, to_float=True))
def atan2(input, other):
    """The angle of the point (x, y) = (other, input), in (−π, π]; ∂/∂y = x/(x² + y²),
    ∂/∂x = −y/(x² + y²) (both 0 at the origin, as PyTorch)."""


def _atan2_rule(v, y, x, numerator):
    r2 = x * x + y * y
    origin = r2 == 0
    return where(origin, 0.0, v * numerator / where(origin, 1.0, r2))


atan2.defelementwise(lambda v, out, y, x: _atan2_rule(v, y, x, x),
                     lambda v, out, y, x: _atan2_rule(v, y, x, -y))


@primitive(examples=binary(sample=nonzero()), saves=("inputs", "out"),
           ufunc=binary_forward(np.hypot, to_float=True))
def hypot(input, other):
    """√(x² + y²) without overflow; ∂/∂x = x/hypot, ∂/∂y = y/hypot (NaN at the origin, as
    PyTorch)"""


hypot.defelementwise(lambda v, out, x, y: v * x / out, lambda v, out, x, y: v * y / out)


def _sinc_cases(rng):
    return unary(nonzero(0.1, 2.0))(rng) + [((np.array([0.0, 0.004, -0.5, 1.5]),), {})]


@primitive(examples=_sinc_cases, saves=("inputs",), ufunc=float_forward(np.sinc))
def sinc(x):
    """sin(πx)/(πx), 1 at 0 (normalised, as torch and NumPy); ∂/∂x = (cos(πx) − sinc x)/x,
    by its Taylor series near 0 (so that the second derivative is right there too)."""


#: sinc′(x) = Σ_{k≥1} (−1)^k 2k π^(2k) x^(2k−1)/(2k+1)!, highest power first: nine terms
#: reach float64 precision for |x| < 0.3, where the quotient cancels (in float32 badly)
_SINC_SERIES = tuple((-1) ** k * 2 * k * math.pi ** (2 * k) / math.factorial(2 * k + 1)
                     for k in range(9, 0, -1))


def _sinc_rule(v, out, x):
    small = abs(x) < 0.3
    safe = where(small, 1.0, x)
    x2 = x * x
    series = _SINC_SERIES[0]
    for c in _SINC_SERIES[1:]:
        series = series * x2 + c
    return v * where(small, series * x, (cos(math.pi * safe) - sinc(safe)) / safe)


sinc.defelementwise(_sinc_rule)

_TO_RADIANS = math.pi / 180


@primitive(examples=unary(), saves=(), ufunc=float_forward(np.deg2rad))
def deg2rad(x):
    """x · π/180"""


deg2rad.defelementwise(lambda v, out, x: v * _TO_RADIANS)


@primitive(examples=unary(), saves=(), ufunc=float_forward(np.rad2deg))
def rad2deg(x):
    """x · 180/π"""


rad2deg.defelementwise(lambda v, out, x: v * (1 / _TO_RADIANS))

arcsin, arccos, arctan2, arcsinh, arccosh, arctanh = asin, acos, atan2, asinh, acosh, atanh
