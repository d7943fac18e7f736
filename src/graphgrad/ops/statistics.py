"""Variance and standard deviation with PyTorch's meaning: Bessel's correction by default.

    var x = Σ (x − x̄)² / max(0, n − c)      c: the correction (1 by default: the sample variance)
    ∂var/∂x = 2 (x − x̄) / (n − c)            std = √var,  ∂std/∂x = ∂var/∂x / (2 std)

as PyTorch computes them, edge cases included: where std is 0 (a constant input) its gradient is
0, not 0/0; where n − c ≤ 0 the value is inf or NaN (0/0) and the gradient follows the formula
above with the uncorrected n − c.
"""
import numpy as np

from ..grad_fn_names import as_torch
from ..primitives import primitive
from .elementwise import where
from .layout import c_order
from .reduce import _count, _floating, _mean, _sum, _unreduce, merge_aliases, normalize_dims


def _cases(rng):
    def build(shape):
        return (rng.normal(size=shape),)
    return [(build((2, 3)), {"axis": None, "correction": 1, "keepdims": False}),
            (build((2, 3)), {"axis": (1,), "correction": 1, "keepdims": True}),
            (build((2, 3, 2)), {"axis": (0, 2), "correction": 0, "keepdims": False}),
            (build((4,)), {"axis": (0,), "correction": 2, "keepdims": False}),
            (build((3, 1)), {"axis": (0,), "correction": 0.5, "keepdims": True})]


def _factor(x, axis, correction):
    """2 / (n − c), as a Python float (so float32 stays float32); inf where n − c = 0."""
    dof = _count(x, axis) - correction
    return 2.0 / dof if dof else float("inf")


def _var_weight(x, axis, correction):
    """∂var/∂x = 2 (x − x̄) / (n − c)."""
    return (x - _mean(x, axis=axis, keepdims=True)) * _factor(x, axis, correction)


@primitive(name="var", examples=_cases, saves=("inputs",),
           vjp_text="{g} · 2 ({0} − mean) / (n − correction)")
def _var(x, *, axis, correction, keepdims):
    """Σ (x − x̄)² / max(0, n − c) over the axes."""
    with np.errstate(divide="ignore", invalid="ignore"):
        centred = x - np.mean(x, axis=axis, keepdims=True)
        total = np.add.reduce(centred * centred, axis=axis, keepdims=keepdims)
        return c_order(total / max(_count(x, axis) - correction, 0))


_var.defvjp(lambda g, out, x, axis, correction, keepdims:
            _unreduce(g, x, axis, keepdims) * _var_weight(x, axis, correction))
_var.defjvp(lambda t, out, x, axis, correction, keepdims:
            _sum(t * _var_weight(x, axis, correction), axis=axis, keepdims=keepdims))


def _per_var(g, out):
    """∂L/∂var from ∂L/∂std: g / (2 std), and 0 where std is 0 (as PyTorch)."""
    return where(out == 0, 0.0, g / (2 * where(out == 0, 1.0, out)))


@primitive(name="std", examples=_cases, saves=("inputs", "out"),
           vjp_text="{g} · ({0} − mean) / ((n − correction) std)")
def _std(x, *, axis, correction, keepdims):
    """√(Σ (x − x̄)² / max(0, n − c)) over the axes."""
    return np.sqrt(_var.primitive.forward(x, axis=axis, correction=correction,
                                          keepdims=keepdims))


_std.defvjp(lambda g, out, x, axis, correction, keepdims:
            _unreduce(_per_var(g, out), x, axis, keepdims) * _var_weight(x, axis, correction))
_std.defjvp(lambda t, out, x, axis, correction, keepdims:
            _per_var(_sum(t * _var_weight(x, axis, correction), axis=axis, keepdims=keepdims),
                     out))


# ------------------------------------------------------------------------------ public API
def _arguments(x, dim, unbiased, keepdim, correction, axis, keepdims, ddof, name):
    """PyTorch's overloads var(x, dim, *, correction=1, keepdim=False), var(x, dim, unbiased,
    keepdim) and var(x, unbiased), with NumPy's axis=, keepdims= and ddof= as aliases."""
    if isinstance(dim, bool):                   # var(x, unbiased)
        dim, unbiased = None, dim
    given = [c for c in (unbiased, correction, ddof) if c is not None]
    if len(given) > 1:
        raise TypeError(f"{name}: give one of correction=, unbiased= or ddof=, not several")
    if unbiased is not None:
        correction = int(bool(unbiased))
    elif ddof is not None:
        correction = ddof
    elif correction is None:
        correction = 1
    dim, keepdim = merge_aliases(dim, keepdim, axis, keepdims, name)
    x = _floating(x, name)
    return x, {"axis": normalize_dims(dim, np.ndim(x), name), "correction": correction,
               "keepdims": keepdim}


def var(x, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
        keepdims=None, ddof=None):
    """The variance over dim (all by default): Σ (x − x̄)² / (n − correction), correction 1
    (Bessel's) unless correction=, unbiased=False (0) or NumPy's ddof= says otherwise."""
    x, params = _arguments(x, dim, unbiased, keepdim, correction, axis, keepdims, ddof, "var")
    return _var(x, **params)


def std(x, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
        keepdims=None, ddof=None):
    """The standard deviation √var over dim (the same arguments as var); its gradient is 0
    where it is 0."""
    x, params = _arguments(x, dim, unbiased, keepdim, correction, axis, keepdims, ddof, "std")
    return _std(x, **params)


@as_torch("VarMeanBackward0")
def var_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
             keepdims=None, ddof=None):
    """(var, mean) over dim, as torch.var_mean (a plain tuple)."""
    x, params = _arguments(x, dim, unbiased, keepdim, correction, axis, keepdims, ddof,
                           "var_mean")
    return _var(x, **params), _mean(x, axis=params["axis"], keepdims=params["keepdims"])


@as_torch("StdMeanBackward0")
def std_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
             keepdims=None, ddof=None):
    """(std, mean) over dim, as torch.std_mean (a plain tuple)."""
    x, params = _arguments(x, dim, unbiased, keepdim, correction, axis, keepdims, ddof,
                           "std_mean")
    return _std(x, **params), _mean(x, axis=params["axis"], keepdims=params["keepdims"])
