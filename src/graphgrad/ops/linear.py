"""The affine layer of 001 as one fused primitive:

    y = x Wᵀ + b;   ∂L/∂x = g W,   ∂L/∂W = gᵀ x,   ∂L/∂b = Σ_batch g
"""
import numpy as np

from ..errors import DtypeError
from ..primitives import primitive
from .linalg import contracted_cost


def _linear_cases(rng):
    n = rng.normal
    return [((n(size=(4, 3)), n(size=(2, 3)), n(size=(2,))), {}),
            ((n(size=(3,)), n(size=(2, 3)), None), {}),
            ((n(size=(2, 2, 3)), n(size=(4, 3)), n(size=(4,))), {})]


def _cost(out, operands, params, i):
    """|Y| · K for x and W (as matmul), |Y| for the bias."""
    return contracted_cost(out, operands, params, i) if i < 2 else out.size


@primitive(name="linear", saves=("inputs",), examples=_linear_cases,
           vjp_text=("{g} @ {1}", "{g}ᵀ @ {0}", "{g} summed to {shape}"), cost=_cost)
def linear(x, weight, bias):
    """x Wᵀ + b for x of shape (..., in), W (out, in), b (out,) or None, of one dtype."""
    if x.dtype != weight.dtype or bias is not None and bias.dtype != x.dtype:
        raise DtypeError(f"linear: mat1 and mat2 must have the same dtype, but got {x.dtype} "
                         f"and {weight.dtype}" + ("" if bias is None else f" (bias {bias.dtype})"))
    out = x @ weight.T
    if bias is None:
        return out
    if bias.dtype == out.dtype:
        out += bias
        return out
    return out + bias


# The rules use only operators and methods that ndarrays and Tensors share (@, .T, .sum,
# .reshape): they run at NumPy speed on raw arrays and record themselves on Tensors.
def _rows(v):
    """(..., n) → (batch, n): every leading axis folded into one."""
    return v if v.ndim == 2 else v.reshape(-1, v.shape[-1])


def _linear_dbias(g, out, x, weight, bias):
    if g.ndim == 1:
        return g
    if g.__class__ is np.ndarray:
        return np.add.reduce(_rows(g), axis=0)
    return g.sum(axis=tuple(range(g.ndim - 1)))


def _linear_dweight(g, out, x, weight, bias):
    """∂L/∂W = gᵀ x, laid out in memory like W itself, as PyTorch lays out a parameter's .grad:
    a column-major W (the transpose of a row-major matrix) gets the product written straight
    into a column-major buffer (one gemm; a transposed view would be copied by the sweep)."""
    g, x = _rows(g), _rows(x)
    if weight.__class__ is np.ndarray and weight.strides[0] < weight.strides[1]:
        return np.matmul(g.T, x, out=np.empty(weight.shape, np.result_type(g, x), order="F"))
    return g.T @ x


linear.defvjp(lambda g, out, x, weight, bias: g @ weight, _linear_dweight, _linear_dbias)
linear.defjvp(lambda t, out, x, weight, bias: t @ weight.T,
              lambda t, out, x, weight, bias: x @ t.T,
              lambda t, out, x, weight, bias: t)
