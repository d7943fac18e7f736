"""Optimizers with per-parameter adaptive learning rates (003 §3.4.5-6), each with PyTorch's
exact update. Below g is the gradient (plus λθ with L2 weight decay), t the step count, ⊙ and
the square root elementwise.

Adagrad   r ← r + g⊙g;                θ ← θ − ε_t g / (√r + δ),   ε_t = ε / (1 + (t−1)·decay)
RMSprop   r ← αr + (1−α) g⊙g;         θ ← θ − ε g / (√r + δ)   (centered: √(r − ḡ⊙ḡ), ḡ the
          mean gradient; momentum: b ← μb + g/(…), θ ← θ − εb)
Adadelta  r ← ρr + (1−ρ) g⊙g;  Δ = √(u+δ)/√(r+δ) ⊙ g;  u ← ρu + (1−ρ) Δ⊙Δ;  θ ← θ − εΔ
Adam      m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂) g⊙g;
          θ ← θ − ε/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + δ)   (AMSGrad: v replaced by its running max)
AdamW     Adam with decoupled weight decay θ ← θ(1 − ελ) instead of g + λθ
NAdam     Adam with Nesterov momentum and the momentum schedule μ_t = β₁(1 − ½·0.96^(tψ))
Adamax    u ← max(β₂u, |g| + δ);  θ ← θ − ε/(1−β₁ᵗ) · m / u
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .optimizer import Optimizer, _decay

if TYPE_CHECKING:
    from .optimizer import ParamsT


def _lerp(avg, g, weight):
    """avg ← avg + w (g − avg): the exponential moving average, in place (one temporary)."""
    step = g - avg
    step *= weight
    avg += step


def _square_avg(r, g, decay):
    """r ← decay·r + (1 − decay) g⊙g, in place (one temporary)."""
    r *= decay
    square = g * g
    square *= 1 - decay
    r += square


def _descend(p, numerator, denominator, step_size):
    """θ ← θ − step_size · numerator / denominator, reusing the denominator's buffer."""
    np.divide(numerator, denominator, out=denominator)
    denominator *= step_size
    p.sub_(denominator)


def _root(a):
    """√a in a new buffer that later steps write into (np.sqrt alone gives a NumPy scalar, which
    has no buffer, for the 0-d state of a 0-d parameter)."""
    return np.sqrt(a, out=np.empty_like(a))


class Adagrad(Optimizer):
    """Adagrad: divide by the root of the sum of squared gradients (``torch.optim.Adagrad``)."""

    def __init__(self, params: ParamsT, lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10, *, maximize: bool = False) -> None:
        super().__init__(params, dict(
            lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value, maximize=maximize))
        for group in self.param_groups:  # state exists from the start, as in PyTorch
            for p in group["params"]:
                self.state[p] = {"step": 0,
                                 "sum": self._buffer(p, group["initial_accumulator_value"])}

    def _update_group(self, group):
        lr, eps = float(group["lr"]), group["eps"]
        for p, g in self._gradients(group):
            state = self.state[p]
            state["step"] += 1
            g = _decay(g, p, group["weight_decay"])
            clr = lr / (1 + (state["step"] - 1) * group["lr_decay"])
            total = state["sum"].array
            total += g * g
            denom = _root(total)
            denom += eps
            _descend(p, g, denom, clr)


class RMSprop(Optimizer):
    """RMSprop, optionally centered and with momentum (``torch.optim.RMSprop``)."""

    def __init__(self, params: ParamsT, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, dict(
            lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
            centered=centered, maximize=maximize))

    def _update_group(self, group):
        lr, alpha, momentum = float(group["lr"]), group["alpha"], group["momentum"]
        buffers = ("square_avg",) + (("momentum_buffer",) if momentum > 0 else ()) \
            + (("grad_avg",) if group["centered"] else ())
        for p, g in self._gradients(group):
            state = self._state_of(p, *buffers)
            state["step"] += 1
            g = _decay(g, p, group["weight_decay"])
            r = state["square_avg"].array
            _square_avg(r, g, alpha)
            if group["centered"]:
                mean = state["grad_avg"].array
                _lerp(mean, g, 1 - alpha)
                avg = _root(r - mean * mean)
            else:
                avg = _root(r)
            avg += group["eps"]
            if momentum > 0:
                buf = state["momentum_buffer"].array
                buf *= momentum
                np.divide(g, avg, out=avg)
                buf += avg
                p.sub_(lr * buf)
            else:
                _descend(p, g, avg, lr)


class Adadelta(Optimizer):
    """Adadelta: step sizes from running averages of squared gradients and squared updates
    (``torch.optim.Adadelta``)."""

    def __init__(self, params: ParamsT, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0.0, *, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps,
                                          weight_decay=weight_decay, maximize=maximize))

    def _update_group(self, group):
        lr, rho, eps = float(group["lr"]), group["rho"], group["eps"]
        for p, g in self._gradients(group):
            state = self._state_of(p, "square_avg", "acc_delta")
            state["step"] += 1
            g = _decay(g, p, group["weight_decay"])
            r, u = state["square_avg"].array, state["acc_delta"].array
            _square_avg(r, g, rho)
            delta = np.sqrt(u + eps)
            delta /= np.sqrt(r + eps)
            delta *= g
            _square_avg(u, delta, rho)
            p.sub_(lr * delta)


class Adam(Optimizer):
    """Adam, optionally AMSGrad and with decoupled weight decay (``torch.optim.Adam``)."""

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False, *,
                 maximize: bool = False, decoupled_weight_decay: bool = False) -> None:
        super().__init__(params, dict(
            lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
            amsgrad=amsgrad, maximize=maximize, decoupled_weight_decay=decoupled_weight_decay))

    def _update_group(self, group):
        lr = float(group["lr"])
        beta1, beta2 = group["betas"]
        buffers = ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if group["amsgrad"] else ())
        for p, g in self._gradients(group):
            state = self._state_of(p, *buffers)
            step = state["step"] = state["step"] + 1
            g = _weight_decay(p, g, group, lr)
            m, v = state["exp_avg"].array, state["exp_avg_sq"].array
            _lerp(m, g, 1 - beta1)
            _square_avg(v, g, beta2)
            if group["amsgrad"]:
                v_max = state["max_exp_avg_sq"].array
                np.maximum(v_max, v, out=v_max)
                v = v_max
            denom = _root(v)
            denom /= (1 - beta2 ** step) ** 0.5
            denom += group["eps"]
            _descend(p, m, denom, lr / (1 - beta1 ** step))



def _weight_decay(p, g, group, lr):
    """Decoupled decay shrinks θ ← θ(1 − ελ) in place; L2 decay returns g + λθ."""
    weight_decay = group["weight_decay"]
    if weight_decay and group["decoupled_weight_decay"]:
        p.mul_(1 - lr * weight_decay)
        return g
    return _decay(g, p, weight_decay)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter; ``torch.optim.AdamW``)."""

    def __init__(self, params: ParamsT, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)


class NAdam(Optimizer):
    """Adam with Nesterov momentum (Dozat; ``torch.optim.NAdam``)."""

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, maximize: bool = False) -> None:
        super().__init__(params, dict(
            lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
            momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize))

    def _update_group(self, group):
        lr = float(group["lr"])
        beta1, beta2 = group["betas"]
        psi = group["momentum_decay"]
        for p, g in self._gradients(group):
            state = self._state_of(p, "exp_avg", "exp_avg_sq", mu_product=1.0)
            step = state["step"] = state["step"] + 1
            g = _weight_decay(p, g, group, lr)
            mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
            mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
            mu_product = state["mu_product"] = state["mu_product"] * mu
            m, v = state["exp_avg"].array, state["exp_avg_sq"].array
            _lerp(m, g, 1 - beta1)
            _square_avg(v, g, beta2)
            denom = _root(v / (1 - beta2 ** step))
            denom += group["eps"]
            p.sub_(g / denom * (lr * (1.0 - mu) / (1.0 - mu_product)))
            _descend(p, m, denom, lr * mu_next / (1.0 - mu_product * mu_next))


class Adamax(Optimizer):
    """Adam with the infinity norm (``torch.optim.Adamax``)."""

    def __init__(self, params: ParamsT, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, *, maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps,
                                          weight_decay=weight_decay, maximize=maximize))

    def _update_group(self, group):
        lr = float(group["lr"])
        beta1, beta2 = group["betas"]
        for p, g in self._gradients(group):
            state = self._state_of(p, "exp_avg", "exp_inf")
            step = state["step"] = state["step"] + 1
            g = _decay(g, p, group["weight_decay"])
            m, u = state["exp_avg"].array, state["exp_inf"].array
            _lerp(m, g, 1 - beta1)
            u *= beta2
            np.maximum(u, np.abs(g) + group["eps"], out=u)
            p.sub_(m / u * (lr / (1 - beta1 ** step)))
