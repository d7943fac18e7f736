"""L-BFGS (002): a quasi-Newton method that builds an approximation of the inverse Hessian from
the last m pairs s_k = x_{k+1} − x_k, y_k = ∇f_{k+1} − ∇f_k and applies it to −∇f with the
two-loop recursion (Nocedal & Wright, Alg. 7.4); PyTorch's ``torch.optim.LBFGS``, step for step.

    q ← −∇f;  for k newest→oldest: α_k = ρ_k s_kᵀq,  q ← q − α_k y_k        (ρ_k = 1 / y_kᵀs_k)
    r ← γ q,  γ = s_mᵀy_m / y_mᵀy_m
    for k oldest→newest: β = ρ_k y_kᵀr,  r ← r + (α_k − β) s_k;   d = r
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np

from ._hyper import count
from .closure import ClosureOptimizer
from .line_search import strong_wolfe

if TYPE_CHECKING:
    from .optimizer import ParamsT


class LBFGS(ClosureOptimizer):
    """Limited-memory BFGS with an optional strong-Wolfe line search. Each ``step(closure)`` runs
    up to ``max_iter`` iterations; the closure zeroes the gradients, computes the loss, calls
    backward and returns the loss."""

    one_group_message = "{name} doesn't support per-parameter options (parameter groups)"

    def __init__(self, params: ParamsT, lr: float = 1.0, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: Literal["strong_wolfe"] | None = None) -> None:
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', got "
                             f"{line_search_fn!r}")
        max_eval = count("max_iter", max_iter) * 5 // 4 if max_eval is None else max_eval
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                                      tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change,
                                      history_size=history_size, line_search_fn=line_search_fn))

    def _iterate(self, closure):
        group = self.param_groups[0]
        flat, lr = self._flat, float(group["lr"])
        tol_change = group["tolerance_change"]
        state, orig_loss, g = self._start(closure)
        loss, evals = float(orig_loss), 1
        if np.max(np.abs(g)) <= group["tolerance_grad"]:
            return orig_loss
        d, t = state.get("d"), state.get("t")
        for n_iter in range(1, group["max_iter"] + 1):
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -g
                state.update(old_dirs=[], old_stps=[], ro=[], H_diag=1.0)
            else:
                d = self._direction(state, g, d, t)
            state["prev_flat_grad"], state["prev_loss"] = g, loss  # g is never written to
            prev_loss = loss
            t = min(1.0, 1.0 / np.sum(np.abs(g))) * lr if state["n_iter"] == 1 else lr
            gtd = float(g @ d)
            if gtd > -tol_change:
                break
            if group["line_search_fn"] == "strong_wolfe":
                phi = flat.along(closure, flat.save(), d)
                loss, g, t, ls_evals = strong_wolfe(phi, d, t, loss, g, gtd,
                                                    max_ls=group["max_eval"] - evals)
                flat.add(t, d)
            else:
                flat.add(t, d)
                ls_evals = 0
                if n_iter != group["max_iter"]:
                    new_loss, g = flat.evaluate(closure)
                    loss, ls_evals = float(new_loss), 1
            evals += ls_evals
            state["func_evals"] += ls_evals
            if (n_iter == group["max_iter"] or evals >= group["max_eval"]
                    or np.max(np.abs(g)) <= group["tolerance_grad"]
                    or np.max(np.abs(d * t)) <= tol_change or abs(loss - prev_loss) < tol_change):
                break
        state["d"], state["t"] = d, t
        return orig_loss

    def _direction(self, state, g, d, t):
        """Record the newest (s, y) pair (when its curvature yᵀs is positive) and return the
        quasi-Newton direction −H∇f by the two-loop recursion."""
        dirs, steps, ro = state["old_dirs"], state["old_stps"], state["ro"]
        y = g - state["prev_flat_grad"]
        s = d * t
        ys = float(y @ s)
        if ys > 1e-10:
            if len(dirs) == self.param_groups[0]["history_size"]:
                del dirs[0], steps[0], ro[0]
            dirs.append(y)
            steps.append(s)
            ro.append(1.0 / ys)
            state["H_diag"] = ys / float(y @ y)
        q = -g
        alphas = [0.0] * len(dirs)
        for i in range(len(dirs) - 1, -1, -1):
            alphas[i] = float(steps[i] @ q) * ro[i]
            q -= alphas[i] * dirs[i]
        r = q * state["H_diag"]
        for i in range(len(dirs)):
            beta = float(dirs[i] @ r) * ro[i]
            r += (alphas[i] - beta) * steps[i]
        return r
