"""Nonlinear conjugate gradients (002), Fletcher–Reeves and Polak–Ribière, with restarts.

    d₀ = −g₀,   d_k = −g_k + β_k d_{k−1},   θ ← θ + t_k d_k   (t_k by line search)
    Fletcher–Reeves:  β = g_kᵀg_k / g_{k−1}ᵀg_{k−1}
    Polak–Ribière:    β = max(0, g_kᵀ(g_k − g_{k−1}) / g_{k−1}ᵀg_{k−1})    ("PR+")

Restarts (d_k = −g_k) every ``restart`` iterations (default: the number of parameters n, after
which conjugacy is spent on a quadratic), when successive gradients are far from orthogonal,
|g_kᵀg_{k−1}| ≥ ν g_kᵀg_k (Powell, ν = 0.1), and whenever d_k is not a descent direction.
On a strictly convex quadratic with exact line searches CG ends in at most n steps, and the
error in the A-norm shrinks at least like 2((√κ − 1)/(√κ + 1))^k (Nocedal & Wright, §5.1).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from .line_search import LineSearchDescent

if TYPE_CHECKING:
    from .optimizer import ParamsT

_BETAS = {"fletcher_reeves": "fletcher_reeves", "fr": "fletcher_reeves",
          "fletcher-reeves": "fletcher_reeves", "polak_ribiere": "polak_ribiere",
          "pr": "polak_ribiere", "polak-ribiere": "polak_ribiere"}


class ConjugateGradient(LineSearchDescent):
    """Nonlinear conjugate gradients with a strong-Wolfe line search (c₂ = 0.1 by default, as
    CG needs a fairly exact search). Driven by a closure, like ``LBFGS``."""

    def __init__(self, params: ParamsT, lr: float = 1.0, beta: str = "polak_ribiere",
                 max_iter: int = 20, restart: int | None = None, powell: float | None = 0.1,
                 line_search: Literal["armijo", "strong_wolfe"] = "strong_wolfe", c1: float = 1e-4,
                 c2: float = 0.1, shrink: float = 0.5, max_ls: int = 25,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9) -> None:
        kind = _BETAS.get(str(beta).lower())
        if kind is None:
            raise ValueError(f"ConjugateGradient: beta must be 'fletcher_reeves' or "
                             f"'polak_ribiere', got {beta!r}")
        super().__init__(params, dict(lr=lr, beta=kind, max_iter=max_iter, restart=restart,
                                      powell=powell, line_search=line_search, c1=c1, c2=c2,
                                      shrink=shrink, max_ls=max_ls,
                                      tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change))

    def _direction(self, state, g):
        """−g + β d_{k−1}, or −g on a restart."""
        group = self.param_groups[0]
        every = group["restart"] or sum(self._flat.sizes)
        d = None
        if state.get("prev_grad") is not None and state["since_restart"] < every:
            beta = self._beta(g, state["prev_grad"], group)
            if beta is not None:
                d = beta * state["d"] - g
                if float(g @ d) >= 0:  # not a descent direction
                    d = None
        state["since_restart"] = 1 if d is None else state["since_restart"] + 1
        d = -g if d is None else d
        state["prev_grad"], state["d"] = g, d  # g is never written to
        return d

    @staticmethod
    def _beta(g, previous, group):
        """β_k by the chosen formula; None when Powell's test asks for a restart."""
        gg, old, overlap = float(g @ g), float(previous @ previous), float(g @ previous)
        if abs(overlap) >= group["powell"] * gg:
            return None
        if group["beta"] == "fletcher_reeves":
            return gg / old
        return max(0.0, (gg - overlap) / old)

    def _initial_step(self, state, g, gtd):
        """First: min(1, 1/‖g‖₁)·lr; then t_{k−1} φ'_{k−1}(0) / φ'_k(0), which expects the same
        first-order change as the last step (Nocedal & Wright, eq. 3.60)."""
        lr = float(self.param_groups[0]["lr"])
        if "t" not in state:
            return min(1.0, 1.0 / float(abs(g).sum())) * lr
        return state["t"] * state["gtd"] / gtd
