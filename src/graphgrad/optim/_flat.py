"""All parameters of a closure-driven optimizer (L-BFGS, conjugate gradients, line-search GD)
seen as one flat vector x, with f(x) and ∇f(x) evaluated by the user's closure."""
import numpy as np

from ..grad_mode import enable_grad


class FlatParams:
    """The parameters θ₁…θ_k as one vector: gather ∇f, move along a direction, save, restore."""

    def __init__(self, params):
        self.params = list(params)
        self.sizes = [p.data.size for p in self.params]
        self.dtype = np.result_type(*[p.data.dtype for p in self.params])

    def gradient(self):
        """∇f as one flat array (zeros for parameters without a gradient)."""
        parts = [np.zeros(n, self.dtype) if p.grad is None else p.grad.data.reshape(-1)
                 for p, n in zip(self.params, self.sizes)]
        return np.concatenate(parts).astype(self.dtype, copy=False)

    def add(self, t, direction):
        """x ← x + t d, in place (through the tensors' in-place methods)."""
        offset = 0
        for p, n in zip(self.params, self.sizes):
            p.add_((t * direction[offset:offset + n]).reshape(p.data.shape))
            offset += n

    def save(self):
        return [np.array(p.data) for p in self.params]

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


def require_closure(name, closure):
    if closure is None:
        raise TypeError(f"{name}.step needs a closure that re-evaluates the model: "
                        "def closure(): opt.zero_grad(); loss = loss_fn(...); loss.backward(); "
                        "return loss  — then opt.step(closure)")
