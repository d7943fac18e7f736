"""The error function, its complement and its inverse as primitives (torch.erf, erfc, erfinv).
Computed in float64 by special.py and rounded once to the operand's float dtype (integers give
the default float)."""
import math

import numpy as np

from ..primitives import primitive
from ..tensor import get_default_dtype
from . import special
from ._samples import unary, uniform
from .elementwise import exp

_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)
_SQRT_PI_OVER_2 = math.sqrt(math.pi) / 2


def _float_dtype(x):
    dtype = np.result_type(x)
    return dtype if dtype.kind == "f" else get_default_dtype()


def _in_float64(fn):
    def forward(x):
        dtype = _float_dtype(x)
        return np.asarray(fn(np.asarray(x, np.float64), dtype)).astype(dtype, copy=False)
    forward.__name__ = fn.__name__
    return forward


def _erf(x, dtype):
    return special.erf(x)


def _erfc(x, dtype):
    return special.erfc(x, exact=dtype == np.float64)


def _erfinv(x, dtype):
    return special.erfinv(x)


@primitive(examples=unary(uniform(-2.5, 2.5)), saves=("inputs",), ufunc=_in_float64(_erf))
def erf(x):
    """erf x = (2/√π) ∫₀ˣ e^(−t²) dt; ∂/∂x = (2/√π) e^(−x²)"""


erf.defelementwise(lambda v, out, x: v * (_TWO_OVER_SQRT_PI * exp(-x * x)))


@primitive(examples=unary(uniform(-2.5, 2.5)), saves=("inputs",), ufunc=_in_float64(_erfc))
def erfc(x):
    """erfc x = 1 − erf x, accurate where erf x is near 1; ∂/∂x = −(2/√π) e^(−x²)"""


erfc.defelementwise(lambda v, out, x: v * (-_TWO_OVER_SQRT_PI * exp(-x * x)))


@primitive(examples=unary(uniform(-0.95, 0.95)), saves=("out",), ufunc=_in_float64(_erfinv))
def erfinv(x):
    """The inverse of erf on (−1, 1) (±∞ at ±1, NaN beyond); ∂/∂x = (√π/2) e^(erfinv(x)²)"""


erfinv.defelementwise(lambda v, out, x: v * (_SQRT_PI_OVER_2 * exp(out * out)))
