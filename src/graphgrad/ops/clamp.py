"""clamp (PyTorch's name; clip is its alias): min(max(x, min), max) with tensor or number bounds,
either of which may be None; clamp_min and clamp_max.

The derivative goes to whichever of x, min, max the output equals: to x where min ≤ x ≤ max
(the boundary included), to max where the bounds are crossed (min > max: the output is max, as
PyTorch), else to min where x < min and to max where x > max. Where x is NaN nothing gets it, as
in PyTorch's backward rule (and its forward rule with number bounds). PyTorch's backward rule
also gives nothing where x < min = max; this rule gives min its one-sided derivative 1 there, as
PyTorch's forward rule does (tests/ops/test_clamp.py pins both).
"""
import numpy as np

from ..grad_fn_names import as_torch
from ..primitives import primitive
from ._samples import fixed
from .compare import logical_not
from .elementwise import where
from .promotion import cast, result_type


def _bounds_examples():
    u = lambda rng, shape, lo=-2.0, hi=2.0: rng.uniform(lo, hi, shape)  # noqa: E731
    return fixed((lambda rng: (u(rng, (2, 3)), -0.5, 0.7), {}),
                 (lambda rng: (u(rng, (3,)), None, 0.4), {}),
                 (lambda rng: (u(rng, (3,)), -0.4, None), {}),
                 (lambda rng: (u(rng, (2, 3)), u(rng, 3, -1.5, -0.1), u(rng, (2, 1), 0.1, 1.5)),
                  {}),
                 (lambda rng: (u(rng, (2, 3)), u(rng, 3, 0.6, 1.5), u(rng, (2, 1), -1.5, 0.4)),
                  {}))                                                  # crossed bounds


@primitive(name="clip", examples=_bounds_examples(), saves=("inputs",))
def _clip(x, low, high):
    """min(max(x, low), high), low or high may be None (max where low > high)."""
    dtype = result_type(x, low, high)
    return np.clip(cast(x, dtype), cast(low, dtype), cast(high, dtype))


def _dx(v, out, x, low, high):
    if low is None:
        inside = x <= high
    elif high is None:
        inside = x >= low
    else:
        inside = (x >= low) & (x <= high)        # never where the bounds are crossed
    return where(inside, v, 0.0)


def _dlow(v, out, x, low, high):
    below = x < low
    if high is not None:
        below = below & logical_not(low > high)
    return where(below, v, 0.0)


def _dhigh(v, out, x, low, high):
    above = x > high
    if low is not None:
        above = above | (low > high)
    return where(above, v, 0.0)


_clip.defelementwise(_dx, _dlow, _dhigh)


def clamp(input, min=None, max=None):
    """min(max(input, min), max) elementwise, as torch.clamp: min and max are tensors or
    numbers, either may be None (not both); where min > max the result is max. The result
    dtype promotes input with the bounds (an integer tensor clamped by 0.5 is float)."""
    if min is None and max is None:
        raise TypeError("clamp: at least one of 'min' or 'max' must not be None")
    return _clip(input, min, max)


def clip(input, min=None, max=None):
    """torch.clip, an alias of clamp: min(max(input, min), max)."""
    return clamp(input, min, max)


def _bound_name(base):
    """PyTorch's node for clamp_min/clamp_max: Backward0 with a number, Backward1 with a
    tensor as the bound."""
    return lambda input, bound: f"{base}Backward{1 if hasattr(bound, 'shape') else 0}"


@as_torch(_bound_name("ClampMin"))
def clamp_min(input, min):
    """max(input, min) elementwise, as torch.clamp_min (the derivative goes to input at ties)."""
    return _clip(input, min, None)


@as_torch(_bound_name("ClampMax"))
def clamp_max(input, max):
    """min(input, max) elementwise, as torch.clamp_max (the derivative goes to input at ties)."""
    return _clip(input, None, max)
