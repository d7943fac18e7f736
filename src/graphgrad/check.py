"""Checking derivatives numerically: central finite differences against both modes.

    ∂f/∂x_k ≈ (f(x + ε e_k) − f(x − ε e_k)) / 2ε        (error O(ε²))

Small problems compare the full Jacobian three ways (finite differences, backward propagation,
forward propagation). Large ones use random projections: for random u (inputs) and w (outputs),
⟨w, J u⟩ by finite differences, ⟨vjp(w), u⟩ and ⟨w, jvp(u)⟩ must agree (the adjoint test).
An entry agrees when |analytic − numeric| ≤ atol + rtol·|numeric| (PyTorch's allclose); NaN
never agrees, not even with NaN.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import GradcheckError
from .tensor import Tensor, as_array, make
from .transforms import jvp, vjp

if TYPE_CHECKING:
    from numpy.typing import ArrayLike


def _outputs(out):
    return [out] if isinstance(out, Tensor) else list(out)


def _flat(outs):
    return np.concatenate([np.ravel(np.asarray(o.array if isinstance(o, Tensor) else o,
                                               dtype=np.float64)) for o in outs])


def _evaluate(f, xs):
    return _flat(_outputs(f(*[make(x) for x in xs])))


def _numeric(f, xs, eps):
    """Central differences, perturbing the arrays xs in place (in their own dtype) and putting
    every value back; one matrix (m × n_i) per array."""
    jacobians = []
    for x in xs:
        columns = []
        for k in range(x.size):
            saved = x.flat[k]
            x.flat[k] = saved + eps
            plus = _evaluate(f, xs)
            x.flat[k] = saved - eps
            minus = _evaluate(f, xs)
            x.flat[k] = saved
            columns.append((plus - minus) / (2 * eps))
        m = _evaluate(f, xs).size
        jacobians.append(np.stack(columns, axis=1) if columns else np.zeros((m, 0)))
    return jacobians


def numeric_jacobian(f: Callable[..., Any], inputs: Sequence[Tensor | ArrayLike],
                     eps: float = 1e-6) -> list[np.ndarray]:
    """Central-difference Jacobian of f at inputs (float64): one matrix (m × n_i) per input,
    where m counts all output elements. Costs 2·Σ n_i evaluations of f."""
    return _numeric(f, [np.array(as_array(x), dtype=np.float64) for x in inputs], eps)


def numeric_grad(f: Callable[..., Any], x: Tensor | ArrayLike, eps: float = 1e-6) -> np.ndarray:
    """∇f(x) of a scalar function by central differences (001's "numeric" way: two
    evaluations of f per parameter, so O(|W|) evaluations for |W| parameters)."""
    x = np.asarray(as_array(x), dtype=np.float64)
    return numeric_jacobian(f, [x], eps)[0].reshape(x.shape)


def _check_dtype(got, expected, what, i):
    if got != expected:
        raise GradcheckError(f"Gradient has dtype mismatch: the {what} {i} has dtype {got}, "
                             f"not {expected}")


def _reverse_jacobians(f, xs, grad_dtypes):
    """Full Jacobians by backward propagation: one vjp per output element."""
    out, pull = vjp(f, *[make(x) for x in xs])
    outs = _outputs(out)
    sizes = [o.array.size for o in outs]
    m = sum(sizes)
    reverse = [np.zeros((m, x.size)) for x in xs]
    for j in range(m):
        cotangents = np.split(np.eye(m)[j], np.cumsum(sizes)[:-1])
        cts = [c.reshape(o.shape).astype(o.dtype) for c, o in zip(cotangents, outs)]
        grads = pull(cts[0] if isinstance(out, Tensor) else cts)
        for i, g in enumerate(grads):
            if grad_dtypes:
                _check_dtype(g.dtype, xs[i].dtype, "gradient of input", i)
            reverse[i][j] = np.ravel(g.array)
    return reverse


def _forward_jacobians(f, xs, grad_dtypes):
    """Full Jacobians by forward propagation: one jvp per input element."""
    m = _evaluate(f, xs).size
    forward = [np.zeros((m, x.size)) for x in xs]
    for i, x in enumerate(xs):
        for k in range(x.size):
            tangents = [np.zeros_like(y) for y in xs]
            tangents[i].flat[k] = 1.0
            out, tout = jvp(f, [make(y) for y in xs], tangents)
            if grad_dtypes:
                for n, (o, t) in enumerate(zip(_outputs(out), _outputs(tout))):
                    _check_dtype(t.dtype, o.dtype, "tangent of output", n)
            forward[i][:, k] = _flat(_outputs(tout))
    return forward


def _compare(name, numeric, analytic, atol, rtol):
    """analytic: {'backward': [matrix per input], 'forward': [...]}; raise on disagreement."""
    rows = []
    for label, matrices in analytic.items():
        for i, (num, got) in enumerate(zip(numeric, matrices)):
            bad = ~np.isclose(got, num, rtol=rtol, atol=atol, equal_nan=False)
            err = np.abs(got - num)
            for j, k in zip(*np.nonzero(bad)):
                rows.append((np.nan_to_num(err[j, k], nan=np.inf), i, j, k, num[j, k],
                             got[j, k], label))
    if rows:
        rows.sort(reverse=True)
        table = "\n".join(f"  input {i} elem {k:>4}  output elem {j:>4}  {label:>8}: "
                          f"{got:+.8e}  numeric {num:+.8e}  |err| {e:.2e}"
                          for e, i, j, k, num, got, label in rows[:8])
        nan = " (NaN never agrees)" if any(np.isnan(r[4]) or np.isnan(r[5]) for r in rows) \
            else ""
        raise GradcheckError(f"gradcheck failed ({name}): {len(rows)} entries disagree{nan}, "
                             f"worst:\n{table}")


def _projection_check(f, xs, eps, atol, rtol, rng, modes):
    us = [rng.normal(size=x.shape).astype(x.dtype) for x in xs]
    out = f(*[make(x) for x in xs])
    ws = [rng.normal(size=o.shape).astype(o.dtype) for o in _outputs(out)]
    plus = _evaluate(f, [x + eps * u for x, u in zip(xs, us)])
    minus = _evaluate(f, [x - eps * u for x, u in zip(xs, us)])
    w = _flat(ws)
    numeric = np.dot(w, (plus - minus) / (2 * eps))
    analytic = {}
    if "backward" in modes:
        _, pull = vjp(f, *[make(x) for x in xs])
        grads = pull(ws[0] if isinstance(out, Tensor) else ws)
        analytic["backward"] = [np.array([[sum(np.vdot(g.array, u) for g, u in zip(grads, us))]])]
    if "forward" in modes:
        _, tout = jvp(f, [make(x) for x in xs], us)
        analytic["forward"] = [np.array([[np.dot(w, _flat(_outputs(tout)))]])]
    _compare("random projection ⟨w, J u⟩", [np.array([[numeric]])], analytic, atol, rtol)


def check_derivatives(f: Callable[..., Any], xs: list[np.ndarray], eps: float, atol: float,
                      rtol: float, *, backward: bool = True, forward: bool = True,
                      grad_dtypes: bool = False, fast: bool = False, max_full: int = 2500,
                      projections: int = 3, seed: int = 0) -> None:
    """Compare f's derivatives at the arrays xs (perturbed in their own dtype) by the chosen
    modes with central differences: full Jacobians when m·n ≤ max_full and not fast, else
    random projections. Raises GradcheckError with a table of the worst entries."""
    modes = [name for name, on in (("backward", backward), ("forward", forward)) if on]
    if not modes:
        raise ValueError("Expected at least one of check_forward_ad or check_backward_ad to be "
                         "True")
    m = _evaluate(f, xs).size
    n = sum(x.size for x in xs)
    if m * n <= max_full and not fast:
        analytic = {}
        if backward:
            analytic["backward"] = _reverse_jacobians(f, xs, grad_dtypes)
        if forward:
            analytic["forward"] = _forward_jacobians(f, xs, grad_dtypes)
        _compare("Jacobian", _numeric(f, xs, eps), analytic, atol, rtol)
    else:
        rng = np.random.default_rng(seed)
        for _ in range(projections):
            _projection_check(f, xs, eps, atol, rtol, rng, modes)


def first_order(f: Callable[..., Any], n: int) -> Callable[..., Any]:
    """(x_1 … x_n, w_1 … w_k) ↦ vjp_f(x)(w): the function whose derivatives are f's second
    derivatives (in x) and its first ones again (in the cotangents w)."""
    def pullback(*args):
        out, pull = vjp(f, *args[:n])
        ws = args[n:]
        return pull(ws[0] if isinstance(out, Tensor) else list(ws))
    return pullback


def gradcheck(func: Callable[..., Any],
              inputs: Tensor | ArrayLike | Sequence[Tensor | ArrayLike],
              eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3, *,
              raise_exception: bool = True, check_forward_ad: bool = True,
              check_backward_ad: bool = True, check_grad_dtypes: bool = False,
              fast_mode: bool = False, second_order: bool = False, max_full: int = 2500,
              projections: int = 3, seed: int = 0) -> bool:
    """Check func's derivatives with respect to every input, by backward and forward
    propagation against central finite differences in float64; with second_order=True also
    those of x ↦ vjp_f(x)(w) for a random w.

    Returns True; on a disagreement (NaN included) raises GradcheckError with a table of the
    worst entries, or returns False with raise_exception=False. PyTorch's keywords are
    accepted: check_backward_ad / check_forward_ad pick the modes (both by default here),
    fast_mode uses random projections at any size, check_grad_dtypes checks that gradients
    have their input's dtype. gg.autograd.gradcheck has PyTorch's defaults and input rules.
    """
    inputs = inputs if isinstance(inputs, (tuple, list)) else (inputs,)
    xs = [np.array(as_array(x), dtype=np.float64) for x in inputs]
    options = dict(backward=check_backward_ad, forward=check_forward_ad,
                   grad_dtypes=check_grad_dtypes, fast=fast_mode, max_full=max_full,
                   projections=projections)
    try:
        check_derivatives(func, xs, eps, atol, rtol, seed=seed, **options)
        if second_order:
            rng = np.random.default_rng(seed)
            ws = [rng.normal(size=o.shape) for o in _outputs(func(*[make(x) for x in xs]))]

            def pullback(*ys):
                return first_order(func, len(ys))(*ys, *ws)
            try:
                check_derivatives(pullback, xs, eps, atol, rtol, seed=seed + 1, **options)
            except GradcheckError as e:
                raise GradcheckError(f"second order: {e}") from None
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True
