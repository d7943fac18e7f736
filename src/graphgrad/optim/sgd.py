"""Stochastic gradient descent with momentum (heavy ball), dampening, Nesterov and weight decay,
with PyTorch's update (003 §3.4.1, §3.4.4).

    g ← ∇θ + λθ                                    (weight decay λ)
    b ← g (first step),  b ← μ b + (1 − τ) g       (momentum μ, dampening τ)
    g ← g + μ b (Nesterov)  or  g ← b
    θ ← θ − ε g

With τ = 0 this is 003's v ← γv − εg, θ ← θ + v written with b = −v/ε (PyTorch's convention,
which keeps the buffer independent of the learning rate so schedules can change ε).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..tensor import leaf
from .optimizer import Optimizer, _decay

if TYPE_CHECKING:
    from .optimizer import ParamsT


class SGD(Optimizer):
    """Gradient descent: plain, with momentum, or Nesterov momentum (``torch.optim.SGD``)."""

    def __init__(self, params: ParamsT, lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))  # checks the numbers first
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _update_group(self, group):
        lr = float(group["lr"])
        momentum, weight_decay = group["momentum"], group["weight_decay"]
        for p, g in self._gradients(group):
            g = _decay(g, p, weight_decay)
            if momentum:
                g = self._momentum(p, g, momentum, group["dampening"], group["nesterov"])
            p.sub_(lr * g)

    def _momentum(self, p, g, momentum, dampening, nesterov):
        state = self.state[p]
        buf = state.get("momentum_buffer")
        if buf is None:
            buf = state["momentum_buffer"] = leaf(np.array(g))
        else:
            b = buf.array
            b *= momentum
            b += g if dampening == 0 else (1 - dampening) * g
        return g + momentum * buf.array if nesterov else buf.array
