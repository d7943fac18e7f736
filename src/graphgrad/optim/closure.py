"""Closure-driven optimizers (L-BFGS, conjugate gradients, line-search GD): all parameters seen
as one flat vector x, with f(x) and ∇f(x) evaluated by the user's closure, several times per
step."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..grad_mode import enable_grad, no_grad
from .optimizer import Optimizer, _shape_of

if TYPE_CHECKING:
    from collections.abc import Callable

    from .optimizer import ParamsT


class FlatParams:
    """The parameters θ₁…θ_k as one vector: gather ∇f, move along a direction, save, restore."""

    def __init__(self, params):
        self.params = list(params)
        self.sizes = [p.array.size for p in self.params]
        self.dtype = np.result_type(*[p.array.dtype for p in self.params])

    def gradient(self):
        """∇f as one flat array (zeros for parameters without a gradient); always a new array."""
        parts = [np.zeros(n, self.dtype) if p.grad is None else p.grad.array.reshape(-1)
                 for p, n in zip(self.params, self.sizes)]
        return np.concatenate(parts).astype(self.dtype, copy=False)

    def add(self, t, direction):
        """x ← x + t d, in place (through the tensors' in-place methods)."""
        offset = 0
        for p, n in zip(self.params, self.sizes):
            p.add_((t * direction[offset:offset + n]).reshape(p.array.shape))
            offset += n

    def save(self):
        return [np.array(p.array) for p in self.params]

    def restore(self, saved):
        for p, value in zip(self.params, saved):
            p.copy_(value)

    def evaluate(self, closure):
        """(the closure's loss, ∇f(x)); the closure must zero the gradients and call backward."""
        with enable_grad():
            loss = closure()
        return loss, self.gradient()

    def along(self, closure, saved, direction):
        """φ(t) = (f(x + t d), ∇f(x + t d)) around the saved point x, leaving x in place."""
        def phi(t):
            self.add(t, direction)
            loss, grad = self.evaluate(closure)
            self.restore(saved)
            return float(loss), grad
        return phi


class ClosureOptimizer(Optimizer):
    """Base of the optimizers that move all parameters as one vector and re-evaluate the loss
    through ``step(closure)``. Subclasses implement ``_iterate(closure)`` (run under no_grad)
    and return the loss of the closure's first evaluation."""

    #: The error for more than one parameter group ({name}: the class's name).
    one_group_message = ("{name} works on one vector of all parameters: it takes no parameter "
                         "groups")

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError(self.one_group_message.format(name=type(self).__name__))
        self._flat = FlatParams(self.param_groups[0]["params"])

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        if closure is None:
            raise TypeError(f"{type(self).__name__}.step needs a closure that re-evaluates the "
                            "model: def closure(): opt.zero_grad(); loss = loss_fn(...); "
                            "loss.backward(); return loss  — then opt.step(closure)")
        with no_grad():
            return self._iterate(closure)

    def _check_state_shapes(self, state, p, name):
        """The state (kept on the first parameter) holds vectors of all parameters at once:
        each must have their total size."""
        total = sum(self._flat.sizes)
        for key, value in state.items():
            for item in value if isinstance(value, list) else [value]:
                shape = _shape_of(item)
                if shape not in (None, (), (total,)):
                    raise ValueError(f"{type(self).__name__}.load_state_dict: the saved {key!r} "
                                     f"has shape {shape}, but the parameters have {total} "
                                     "elements in all: the state was saved from a different "
                                     "model")

    def _iterate(self, closure):
        raise NotImplementedError(f"{type(self).__name__} does not implement _iterate")

    def _start(self, closure):
        """(state, the closure's loss, ∇f) at the start of a step: the counters n_iter and
        func_evals set up (kept on the first parameter, as PyTorch) and this evaluation counted."""
        state = self.state[self._flat.params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        loss, g = self._flat.evaluate(closure)
        state["func_evals"] += 1
        return state, loss, g
