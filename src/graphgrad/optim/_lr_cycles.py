"""Cyclic learning-rate schedules: cosine annealing with warm restarts (SGDR) and the
one-cycle policy (Smith & Topin), with PyTorch's semantics."""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

from ._lr_base import LRScheduler, _per_group

if TYPE_CHECKING:
    from .optimizer import Optimizer


class CosineAnnealingWarmRestarts(LRScheduler):
    """ε = η_min + (ε₀ − η_min)(1 + cos(π T_cur / T_i))/2, restarting when T_cur reaches T_i;
    the period grows T_i ← T_mult · T_i at each restart. Step it per epoch, or per batch with a
    fractional epoch ``step(epoch + i / iters)``."""

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        if not isinstance(T_0, int) or T_0 <= 0:
            raise ValueError(f"CosineAnnealingWarmRestarts: T_0 must be a positive integer, "
                             f"got {T_0}")
        if not isinstance(T_mult, int) or T_mult < 1:
            raise ValueError(f"CosineAnnealingWarmRestarts: T_mult must be an integer >= 1, "
                             f"got {T_mult}")
        self.T_0, self.T_i, self.T_mult, self.eta_min = T_0, T_0, T_mult, eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        cosine = (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
        return [self.eta_min + (base - self.eta_min) * cosine for base in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur -= self.T_i
                self.T_i *= self.T_mult
        else:
            self._jump(epoch)
        self.last_epoch = math.floor(epoch)
        self._set_lrs(self.get_lr())

    def _jump(self, epoch):
        """Position within the current cycle for an absolute (possibly fractional) epoch."""
        if epoch < 0:
            raise ValueError(f"CosineAnnealingWarmRestarts: epoch must be >= 0, got {epoch}")
        if epoch < self.T_0:
            self.T_i, self.T_cur = self.T_0, epoch
        elif self.T_mult == 1:
            self.T_cur = epoch % self.T_0
        else:
            n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
            self.T_cur = epoch - self.T_0 * (self.T_mult ** n - 1) / (self.T_mult - 1)
            self.T_i = self.T_0 * self.T_mult ** n


class OneCycleLR(LRScheduler):
    """The 1cycle policy, stepped once per batch: the lr rises from max_lr/div_factor to
    max_lr over the first pct_start of the steps, then anneals to
    max_lr/(div_factor·final_div_factor); momentum (or Adam's β₁) moves the opposite way.
    three_phase: up, back down to the start, then the final annealing."""

    per_batch = True

    def __init__(self, optimizer: Optimizer, max_lr: float | Sequence[float],
                 total_steps: int | None = None, epochs: int | None = None,
                 steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: Literal["cos", "linear"] = "cos", cycle_momentum: bool = True,
                 base_momentum: float | Sequence[float] = 0.85,
                 max_momentum: float | Sequence[float] = 0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1) -> None:
        self.total_steps = _total_steps(total_steps, epochs, steps_per_epoch)
        if not 0 <= pct_start <= 1:
            raise ValueError(f"OneCycleLR: pct_start must be in [0, 1], got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got "
                             f"{anneal_strategy!r}")
        self.anneal_strategy = anneal_strategy
        self._phases = _phases(pct_start * self.total_steps, self.total_steps, three_phase)
        if last_epoch == -1:
            for group, top in zip(optimizer.param_groups, _per_group("max_lr", optimizer, max_lr)):
                group.update(initial_lr=top / div_factor, max_lr=top,
                             min_lr=top / div_factor / final_div_factor)
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self._init_momentum(optimizer, base_momentum, max_momentum, last_epoch)
        super().__init__(optimizer, last_epoch)

    def _init_momentum(self, optimizer, base_momentum, max_momentum, last_epoch):
        if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
            raise ValueError(f"OneCycleLR: {type(optimizer).__name__} has no momentum or betas; "
                             "pass cycle_momentum=False")
        self.use_beta1 = "betas" in optimizer.defaults
        if last_epoch != -1:
            return
        for group, top, bottom in zip(optimizer.param_groups,
                                      _per_group("max_momentum", optimizer, max_momentum),
                                      _per_group("base_momentum", optimizer, base_momentum)):
            group.update(max_momentum=top, base_momentum=bottom)
            self._set_momentum(group, top)

    def _set_momentum(self, group, value):
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _anneal(self, start, end, fraction):
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * fraction) + 1)
        return (end - start) * fraction + start

    def get_lr(self) -> list[float]:
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {step} times; the schedule has "
                             f"{self.total_steps} steps")
        lrs = []
        for group in self.optimizer.param_groups:
            begin = 0.0
            for i, (end, lr_keys, momentum_keys) in enumerate(self._phases):
                if step <= end or i == len(self._phases) - 1:
                    fraction = (step - begin) / (end - begin)
                    lrs.append(self._anneal(group[lr_keys[0]], group[lr_keys[1]], fraction))
                    if self.cycle_momentum:
                        self._set_momentum(group, self._anneal(
                            group[momentum_keys[0]], group[momentum_keys[1]], fraction))
                    break
                begin = end
        return lrs


def _total_steps(total_steps, epochs, steps_per_epoch):
    if total_steps is not None:
        if not isinstance(total_steps, int) or total_steps <= 0:
            raise ValueError(f"OneCycleLR: total_steps must be a positive integer, got "
                             f"{total_steps}")
        return total_steps
    if epochs is None or steps_per_epoch is None:
        raise ValueError("OneCycleLR: give total_steps, or epochs and steps_per_epoch")
    if not (isinstance(epochs, int) and epochs > 0 and isinstance(steps_per_epoch, int)
            and steps_per_epoch > 0):
        raise ValueError(f"OneCycleLR: epochs and steps_per_epoch must be positive integers, "
                         f"got {epochs} and {steps_per_epoch}")
    return epochs * steps_per_epoch


def _phases(warm, total, three_phase):
    """(last step, (start lr key, end lr key), (start momentum key, end momentum key))."""
    up = (float(warm) - 1, ("initial_lr", "max_lr"), ("max_momentum", "base_momentum"))
    if three_phase:
        return [up, (float(2 * warm) - 2, ("max_lr", "initial_lr"),
                     ("base_momentum", "max_momentum")),
                (total - 1, ("initial_lr", "min_lr"), ("max_momentum", "max_momentum"))]
    return [up, (total - 1, ("max_lr", "min_lr"), ("base_momentum", "max_momentum"))]
