"""Line searches along a descent direction d from x (002: "gradient descent with line search"),
and gradient descent that uses one.

With φ(t) = f(x + t d) and φ'(t) = ∇f(x + t d)·d (φ'(0) < 0):

* Armijo (sufficient decrease):    φ(t) ≤ φ(0) + c₁ t φ'(0)
* strong Wolfe adds (curvature):   |φ'(t)| ≤ c₂ |φ'(0)|,   0 < c₁ < c₂ < 1

``backtracking`` shrinks t until Armijo holds; ``strong_wolfe`` brackets an interval holding a
strong-Wolfe point and zooms in on it with safeguarded cubic interpolation (Nocedal & Wright,
Alg. 3.5-3.6; the same algorithm, step for step, as PyTorch's L-BFGS line search).
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from .closure import ClosureOptimizer

if TYPE_CHECKING:
    from collections.abc import Callable

    from .optimizer import ParamsT

    #: φ(t) -> (f(x + t d), ∇f(x + t d))
    Phi = Callable[[float], tuple[float, np.ndarray]]


def cubic_minimum(x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
                  bounds: tuple[float, float] | None = None) -> float:
    """Minimiser of the cubic through (x1, f1, f1' = g1) and (x2, f2, g2), clipped to bounds
    (default: the interval); the bounds' midpoint when the cubic has no minimum."""
    low, high = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    if x1 == x2:
        return (low + high) / 2.0
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square < 0:
        return (low + high) / 2.0
    d2 = math.sqrt(d2_square)
    if x1 <= x2:
        t = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        t = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(t, low), high)


class _Point:
    """A trial step t with φ(t), ∇f there and φ'(t)."""

    __slots__ = ("t", "f", "g", "gtd")

    def __init__(self, t, f, g, gtd):
        self.t, self.f, self.g, self.gtd = t, f, g, gtd


def strong_wolfe(phi: Phi, d: np.ndarray, t: float, f: float, g: np.ndarray, gtd: float,
                 c1: float = 1e-4, c2: float = 0.9, tolerance_change: float = 1e-9,
                 max_ls: int = 25) -> tuple[float, np.ndarray, float, int]:
    """A step t satisfying the strong Wolfe conditions along d, starting the search at t.

    phi(t) -> (f(x + t d), ∇f(x + t d)); f, g, gtd: f(x), ∇f(x), ∇f(x)·d.
    Returns (f_new, g_new, t, number of evaluations).
    """
    start = _Point(0, f, g, gtd)
    new = _Point(t, *_probe(phi, t, d))
    evals, iters = 1, 0
    prev, bracket, done = start, None, False
    while iters < max_ls:
        if new.f > f + c1 * new.t * gtd or (iters > 1 and new.f >= prev.f):
            bracket = [prev, new]
            break
        if abs(new.gtd) <= -c2 * gtd:
            bracket, done = [new], True
            break
        if new.gtd >= 0:
            bracket = [prev, new]
            break
        # extrapolate: cubic step between 1.01·t and 10·t
        step = cubic_minimum(prev.t, prev.f, prev.gtd, new.t, new.f, new.gtd,
                             bounds=(new.t + 0.01 * (new.t - prev.t), new.t * 10))
        prev, new = new, _Point(step, *_probe(phi, step, d))
        evals += 1
        iters += 1
    if iters == max_ls:
        bracket = [start, new]
    if done:
        best = bracket[0]
    else:
        best, more = _zoom(phi, d, bracket, f, gtd, c1, c2, tolerance_change, max_ls - iters,
                           float(np.max(np.abs(d))))
        evals += more
    return best.f, best.g, best.t, evals


def _zoom(phi, d, bracket, f, gtd, c1, c2, tolerance_change, budget, d_norm):
    """Shrink a bracket [lo, hi] holding a strong-Wolfe point; returns (point, evaluations)."""
    insufficient = False
    low, high = (0, 1) if bracket[0].f <= bracket[-1].f else (1, 0)
    evals = 0
    while evals < budget:
        a, b = bracket
        if abs(b.t - a.t) * d_norm < tolerance_change:
            break
        t = cubic_minimum(a.t, a.f, a.gtd, b.t, b.f, b.gtd)
        t, insufficient = _safeguard(t, min(a.t, b.t), max(a.t, b.t), insufficient)
        new = _Point(t, *_probe(phi, t, d))
        evals += 1
        if new.f > f + c1 * t * gtd or new.f >= bracket[low].f:
            bracket[high] = new
            low, high = (0, 1) if bracket[0].f <= bracket[1].f else (1, 0)
        else:
            if abs(new.gtd) <= -c2 * gtd:
                bracket[low] = new
                return new, evals
            if new.gtd * (bracket[high].t - bracket[low].t) >= 0:
                bracket[high] = bracket[low]
            bracket[low] = new
    return bracket[low], evals


def _safeguard(t, lo, hi, insufficient):
    """Keep t at least 10 % of the bracket away from its ends once progress stalls."""
    eps = 0.1 * (hi - lo)
    if min(hi - t, t - lo) >= eps:
        return t, False
    if insufficient or t >= hi or t <= lo:
        t = hi - eps if abs(t - hi) < abs(t - lo) else lo + eps
        return t, False
    return t, True


def _probe(phi, t, d):
    f_new, g_new = phi(t)
    return f_new, g_new, float(g_new @ d)


def backtracking(phi: Phi, d: np.ndarray, t: float, f: float, gtd: float, c1: float = 1e-4,
                 shrink: float = 0.5, max_ls: int = 30) -> tuple[float, np.ndarray, float, int]:
    """The first of t, ρt, ρ²t, … with Armijo's sufficient decrease φ(t) ≤ f + c₁ t φ'(0).

    Returns (f_new, g_new, t, evaluations); after max_ls failures the last (smallest) trial.
    """
    for evals in range(1, max_ls + 1):
        f_new, g_new = phi(t)
        if f_new <= f + c1 * t * gtd:
            break
        if evals < max_ls:
            t *= shrink
    return f_new, g_new, t, evals


class LineSearchDescent(ClosureOptimizer):
    """Base of descent methods driven by a closure: each iteration picks a direction d, a step t
    by line search along it, and moves θ ← θ + t d. Each ``step(closure)`` runs up to
    ``max_iter`` iterations (as ``LBFGS``) and stops early when max|∇f| ≤ tolerance_grad or the
    loss or the step changes by less than tolerance_change. Subclasses give ``_direction`` and
    ``_initial_step``."""

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        name = type(self).__name__
        if defaults["line_search"] not in ("armijo", "strong_wolfe"):
            raise ValueError(f"{name}: line_search must be 'armijo' or 'strong_wolfe', got "
                             f"{defaults['line_search']!r}")
        if not 0 < defaults["c1"] < defaults["c2"] < 1 or not 0 < defaults["shrink"] < 1:
            raise ValueError(f"{name}: need 0 < c1 < c2 < 1 and 0 < shrink < 1, got "
                             f"c1={defaults['c1']}, c2={defaults['c2']}, "
                             f"shrink={defaults['shrink']}")
        super().__init__(params, defaults)

    def _iterate(self, closure):
        group, flat = self.param_groups[0], self._flat
        state, closure_loss, g = self._start(closure)
        loss = float(closure_loss)
        for _ in range(group["max_iter"]):
            if np.max(np.abs(g)) <= group["tolerance_grad"]:
                break
            d = self._direction(state, g)
            gtd = float(g @ d)
            t = self._initial_step(state, g, gtd)
            f_new, g, t, evals = self._search(closure, d, t, loss, g, gtd, group)
            flat.add(t, d)
            state["n_iter"] += 1
            state["func_evals"] += evals
            state.update(t=t, gtd=gtd)
            converged = abs(f_new - loss) < group["tolerance_change"]
            loss = f_new
            if converged or t * np.max(np.abs(d)) <= group["tolerance_change"]:
                break
        return closure_loss

    def _search(self, closure, d, t, f, g, gtd, group):
        phi = self._flat.along(closure, self._flat.save(), d)
        if group["line_search"] == "armijo":
            return backtracking(phi, d, t, f, gtd, group["c1"], group["shrink"], group["max_ls"])
        return strong_wolfe(phi, d, t, f, g, gtd, group["c1"], group["c2"],
                            group["tolerance_change"], group["max_ls"])

    def _direction(self, state, g):
        raise NotImplementedError

    def _initial_step(self, state, g, gtd):
        raise NotImplementedError


class LineSearchGD(LineSearchDescent):
    """Gradient descent with a line search (002): d = −∇f, θ ← θ + t d, with t from
    backtracking until Armijo's condition holds (the default) or from a strong-Wolfe search;
    every search starts at t = lr."""

    def __init__(self, params: ParamsT, lr: float = 1.0, max_iter: int = 20,
                 line_search: Literal["armijo", "strong_wolfe"] = "armijo", c1: float = 1e-4,
                 c2: float = 0.9, shrink: float = 0.5, max_ls: int = 30,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9) -> None:
        super().__init__(params, dict(lr=lr, max_iter=max_iter, line_search=line_search, c1=c1,
                                      c2=c2, shrink=shrink, max_ls=max_ls,
                                      tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change))

    def _direction(self, state, g):
        return -g

    def _initial_step(self, state, g, gtd):
        return float(self.param_groups[0]["lr"])
