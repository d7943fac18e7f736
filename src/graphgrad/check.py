"""Checking derivatives numerically: central finite differences against both modes.

    ∂f/∂x_k ≈ (f(x + ε e_k) − f(x − ε e_k)) / 2ε        (error O(ε²))

Small problems compare the full Jacobian three ways (finite differences, backward propagation,
forward propagation). Large ones use random projections: for random u (inputs) and w (outputs),
⟨w, J u⟩ by finite differences, ⟨vjp(w), u⟩ and ⟨w, jvp(u)⟩ must agree (the adjoint test).
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
    return np.concatenate([np.ravel(np.asarray(o.data if isinstance(o, Tensor) else o,
                                               dtype=np.float64)) for o in outs])


def _evaluate(f, xs):
    return _flat(_outputs(f(*[make(x) for x in xs])))


def numeric_jacobian(f: Callable[..., Any], inputs: Sequence[Tensor | ArrayLike],
                     eps: float = 1e-6) -> list[np.ndarray]:
    """Central-difference Jacobian of f at inputs (float64): one matrix (m × n_i) per input,
    where m counts all output elements. Costs 2·Σ n_i evaluations of f."""
    xs = [np.array(as_array(x), dtype=np.float64) for x in inputs]
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


def numeric_grad(f: Callable[..., Any], x: Tensor | ArrayLike, eps: float = 1e-6) -> np.ndarray:
    """∇f(x) of a scalar function by central differences (001's "numeric" way: two
    evaluations of f per parameter, so O(|W|) evaluations for |W| parameters)."""
    x = np.asarray(as_array(x), dtype=np.float64)
    return numeric_jacobian(f, [x], eps)[0].reshape(x.shape)


def _analytic_jacobians(f, xs):
    """Full Jacobians by backward propagation (one vjp per output element) and forward
    propagation (one jvp per input element)."""
    out, pull = vjp(f, *[make(x) for x in xs])
    outs = _outputs(out)
    sizes = [o.data.size for o in outs]
    m = sum(sizes)
    reverse = [np.zeros((m, x.size)) for x in xs]
    for j in range(m):
        cotangents = np.split(np.eye(m)[j], np.cumsum(sizes)[:-1])
        cts = [c.reshape(o.shape).astype(o.dtype) for c, o in zip(cotangents, outs)]
        grads = pull(cts[0] if isinstance(out, Tensor) else cts)
        for i, g in enumerate(grads):
            reverse[i][j] = np.ravel(g.data)
    forward = [np.zeros((m, x.size)) for x in xs]
    for i, x in enumerate(xs):
        for k in range(x.size):
            tangents = [np.zeros_like(y) for y in xs]
            tangents[i].flat[k] = 1.0
            _, tout = jvp(f, [make(y) for y in xs], tangents)
            forward[i][:, k] = _flat(_outputs(tout))
    return reverse, forward


def _compare(name, numeric, reverse, forward, atol, rtol):
    rows = []
    for i, (num, rev, fwd) in enumerate(zip(numeric, reverse, forward)):
        for label, got in (("backward", rev), ("forward", fwd)):
            err = np.abs(got - num)
            bad = err > atol + rtol * np.abs(num)
            for j, k in zip(*np.nonzero(bad)):
                rows.append((err[j, k], i, j, k, num[j, k], got[j, k], label))
    if rows:
        rows.sort(reverse=True)
        table = "\n".join(f"  input {i} elem {k:>4}  output elem {j:>4}  {label:>8}: "
                          f"{got:+.8e}  numeric {num:+.8e}  |err| {e:.2e}"
                          for e, i, j, k, num, got, label in rows[:8])
        raise GradcheckError(f"gradcheck failed ({name}): {len(rows)} entries disagree, worst:\n"
                             f"{table}")


def _projection_check(f, xs, eps, atol, rtol, rng):
    us = [rng.normal(size=x.shape) for x in xs]
    out, pull = vjp(f, *[make(x) for x in xs])
    outs = _outputs(out)
    ws = [rng.normal(size=o.shape).astype(o.dtype) for o in outs]
    plus = _evaluate(f, [x + eps * u for x, u in zip(xs, us)])
    minus = _evaluate(f, [x - eps * u for x, u in zip(xs, us)])
    w = _flat(ws)
    numeric = np.dot(w, (plus - minus) / (2 * eps))
    grads = pull(ws[0] if isinstance(out, Tensor) else ws)
    backward = sum(np.vdot(g.data, u) for g, u in zip(grads, us))
    _, tout = jvp(f, [make(x) for x in xs], us)
    forward = np.dot(w, _flat(_outputs(tout)))
    _compare("random projection ⟨w, J u⟩", [np.array([[numeric]])],
             [np.array([[backward]])], [np.array([[forward]])], atol, rtol)


def gradcheck(f: Callable[..., Any], inputs: Tensor | ArrayLike | Sequence[Tensor | ArrayLike],
              eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3, *,
              second_order: bool = False, max_full: int = 2500, projections: int = 3,
              seed: int = 0) -> bool:
    """Check f's derivatives at `inputs` by backward and forward propagation against central
    finite differences in float64; with second_order=True also those of x ↦ vjp_f(x)(w).

    Returns True, or raises GradcheckError with a table of the worst entries.
    """
    inputs = inputs if isinstance(inputs, (tuple, list)) else (inputs,)
    xs = [np.array(as_array(x), dtype=np.float64) for x in inputs]
    m = _evaluate(f, xs).size
    n = sum(x.size for x in xs)
    rng = np.random.default_rng(seed)
    if m * n <= max_full:
        reverse, forward = _analytic_jacobians(f, xs)
        _compare("Jacobian", numeric_jacobian(f, xs, eps), reverse, forward, atol, rtol)
    else:
        for _ in range(projections):
            _projection_check(f, xs, eps, atol, rtol, rng)
    if second_order:
        out = f(*[make(x) for x in xs])
        ws = [rng.normal(size=o.shape) for o in _outputs(out)]

        def first_order(*ys):
            out, pull = vjp(f, *ys)
            return pull(ws[0] if isinstance(out, Tensor) else ws)
        try:
            gradcheck(first_order, xs, eps, atol, rtol, max_full=max_full,
                      projections=projections, seed=seed + 1)
        except GradcheckError as e:
            raise GradcheckError(f"second order: {e}") from None
    return True
