"""Rounding, remainders and sign handling: trunc (fix), frac, remainder, fmod, floor_divide,
copysign, sgn, positive, nan_to_num, and lerp. PyTorch's meanings: remainder and floor_divide
round the quotient down (Python's %, //), fmod toward zero (C's fmod); integer division by
zero raises ZeroDivisionError, as PyTorch. Binary operations take (input, other), x and y in the
formulas."""
import numpy as np

from ..errors import DtypeError
from ..primitives import primitive
from ..tensor import Tensor, make
from ._samples import binary, fixed, nonzero, off_integers, unary
from .compare import isfinite
from .elementwise import round as _round
from .elementwise import sign, where, zero_like
from .promotion import binary_forward, promote


def _integer_values(x):
    return x.dtype.kind in "biu" if hasattr(x, "dtype") else isinstance(x, int)


def _no_integer_zero(forward, name):
    """forward, refusing an integer division by zero (NumPy would give 0 with a warning)."""
    def checked(x, y):
        if _integer_values(x) and _integer_values(y) and np.any(np.equal(y, 0)):
            raise ZeroDivisionError(f"{name}: integer division by zero")
        return forward(x, y)
    checked.__name__ = name
    return checked


def round(input, *, decimals=0):
    """Rounded to `decimals` decimal places, halves to even (torch.round): round(x·10ᵈ)/10ᵈ in
    x's dtype (round(x/10⁻ᵈ)·10⁻ᵈ for d < 0), as PyTorch computes it; zero gradient."""
    if not decimals:
        return _round(input)
    dtype = input.dtype if isinstance(input, Tensor) else np.result_type(input)
    if dtype.kind not in "fc":
        raise NotImplementedError(f"round: decimals={decimals} is not implemented for {dtype} "
                                  f"tensors (PyTorch's round_cpu neither)")
    scale = 10.0 ** abs(decimals)
    return _round(input * scale) / scale if decimals > 0 else _round(input / scale) * scale


def _trunc(x):
    return np.array(x) if np.result_type(x).kind in "biu" else np.trunc(x)


@primitive(examples=unary(off_integers()), saves=(), ufunc=_trunc)
def trunc(x):
    """x rounded toward zero (integers unchanged); piecewise constant: zero gradient"""


trunc.defelementwise(lambda v, out, x: zero_like(v))
fix = trunc


@primitive(examples=unary(off_integers()), saves=())
def frac(x):
    """x − trunc(x), with the sign of x; ∂/∂x = 1"""
    return x - np.trunc(x)


frac.defelementwise(lambda v, out, x: v)


# ----------------------------------------------------------------------------- division
def _division_cases(rng):
    """Quotients kept away from integers, where floor and trunc jump."""
    y = rng.choice([-1.0, 1.0], (2, 3)) * rng.uniform(0.5, 1.5, (2, 3))
    q = rng.integers(-3, 3, (2, 3)) + rng.uniform(0.2, 0.8, (2, 3))
    return [((q * y, y), {}), ((q[0] * 1.3, 1.3), {}), ((-2.6, -2.6 / q[1]), {})]


@primitive(examples=_division_cases, saves=("inputs",),
           ufunc=_no_integer_zero(binary_forward(np.remainder), "remainder"))
def remainder(input, other):
    """x − ⌊x/y⌋ y, with the sign of y (Python's %); ∂/∂x = 1, ∂/∂y = −⌊x/y⌋"""


@primitive(examples=_division_cases, saves=("inputs",),
           ufunc=_no_integer_zero(binary_forward(np.fmod), "fmod"))
def fmod(input, other):
    """x − trunc(x/y) y, with the sign of x (C's fmod); ∂/∂x = 1, ∂/∂y = −trunc(x/y)"""


@primitive(examples=_division_cases, saves=(),
           ufunc=_no_integer_zero(binary_forward(np.floor_divide), "floor_divide"))
def floor_divide(input, other):
    """⌊x/y⌋ (rounded down, as Python's // and PyTorch ≥ 1.13); piecewise constant: zero
    gradient (PyTorch defines none and raises)"""


floor_divide.defelementwise(lambda v, out, x, y: zero_like(v),
                            lambda v, out, x, y: zero_like(v))
remainder.defelementwise(lambda v, out, x, y: v, lambda v, out, x, y: -v * floor_divide(x, y))
fmod.defelementwise(lambda v, out, x, y: v, lambda v, out, x, y: -v * trunc(x / y))


# ----------------------------------------------------------------------------- signs
@primitive(examples=binary(sample=nonzero(), sample2=nonzero()), saves=("inputs", "out"),
           ufunc=binary_forward(np.copysign, to_float=True))
def copysign(input, other):
    """|x| with the sign of y (−0.0 counts as negative); ∂/∂x = ±1 (0 at x = 0, as PyTorch),
    ∂/∂y = 0"""


def _copysign_dx(v, out, x, y):
    zero = x == 0
    return where(zero, 0.0, v * (out / where(zero, 1.0, x)))


copysign.defelementwise(_copysign_dx, lambda v, out, x, y: zero_like(v))


def sgn(input):
    """sign(x) for real x (0 for NaN), x/|x| (0 at 0) for complex x, as torch.sgn; no
    gradient (the complex sign is computed outside the graph)."""
    data = input.array if isinstance(input, Tensor) else np.asarray(input)
    if data.dtype.kind != "c":
        return sign(input)
    if isinstance(input, Tensor) and input.requires_grad:
        raise DtypeError("sgn: gradients of complex tensors are not supported; call it on "
                         "x.detach()")
    size = np.abs(data)
    value = np.where(size == 0, 0, data / np.where(size == 0, 1, size))
    return make(value) if isinstance(input, Tensor) else value


def positive(input):
    """input itself, as torch.positive (which refuses bool tensors)."""
    if np.result_type(input.array if isinstance(input, Tensor) else input) == np.bool_:
        raise DtypeError("positive: the unary + is not supported for bool tensors; use ~ or "
                         "logical_not to invert one")
    return input


@primitive(name="nan_to_num", examples=unary(nan=0.0, posinf=None, neginf=None),
           saves=("inputs",))
def _nan_to_num(x, *, nan, posinf, neginf):
    """x with NaN, +∞ and −∞ replaced; ∂/∂x = 1 where x is finite, 0 elsewhere"""
    return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


_nan_to_num.defelementwise(lambda v, out, x, nan, posinf, neginf: where(isfinite(x), v, 0.0))


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """input with NaN → nan, +∞ → posinf, −∞ → neginf (None: the largest finite value of the
    dtype, of either sign), as torch.nan_to_num."""
    return _nan_to_num(input, nan=float(nan), posinf=None if posinf is None else float(posinf),
                       neginf=None if neginf is None else float(neginf))


# ----------------------------------------------------------------------------- lerp
@primitive(examples=fixed(
    (lambda rng: (rng.normal(size=(2, 3)), rng.normal(size=3), rng.uniform(0, 1, (2, 1))), {}),
    (lambda rng: (rng.normal(size=3), rng.normal(size=(2, 3)), 0.3), {}),
    (lambda rng: (rng.normal(size=()), rng.normal(size=()), rng.uniform(0.6, 1, ())), {})),
    saves=("inputs",))
def lerp(input, end, weight):
    """input + weight (end − input), as torch.lerp (end − (end − input)(1 − weight) where
    |weight| ≥ ½, exact at both ends); ∂/∂input = 1 − weight, ∂/∂end = weight,
    ∂/∂weight = end − input."""
    (input, end, weight), _ = promote(input, end, weight)
    diff = end - input
    return np.where(np.abs(weight) < 0.5, input + weight * diff, end - diff * (1 - weight))


lerp.defelementwise(lambda v, out, s, e, w: v * (1 - w), lambda v, out, s, e, w: v * w,
                    lambda v, out, s, e, w: v * (e - s))
