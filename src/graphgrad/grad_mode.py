"""Switching graph recording off and on: ``no_grad``, ``enable_grad``, ``set_grad_enabled``
(context managers and decorators, as in PyTorch) and anomaly detection."""
from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Literal

from . import _state

if TYPE_CHECKING:
    from typing_extensions import Self


class _Switch(contextlib.ContextDecorator):
    """Set one of the engine's switches inside a block (or a decorated function)."""

    switch: str | None = None

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self._saved: list[bool] = []

    def __enter__(self) -> Self:
        self._saved.append(getattr(_state, self.switch))
        setattr(_state, self.switch, self.mode)
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        setattr(_state, self.switch, self._saved.pop())
        return False


class set_grad_enabled(_Switch):
    """Record operations (True) or not (False) inside the block or decorated function."""

    switch = "grad_enabled"


class no_grad(set_grad_enabled):
    """Nothing is recorded inside: results do not require grad (inference, parameter updates)."""

    def __init__(self) -> None:
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Recording on inside, even within ``no_grad``."""

    def __init__(self) -> None:
        super().__init__(True)


class inference_mode(set_grad_enabled):
    """PyTorch's inference mode: nothing is recorded inside (as no_grad here; PyTorch also
    skips its version counters, which graphgrad's are cheap enough to keep). A context
    manager or decorator; inference_mode(False) records, as PyTorch's does."""

    def __init__(self, mode: bool = True) -> None:
        super().__init__(not mode)

    def __new__(cls, mode: bool = True):
        if callable(mode):     # bare @gg.inference_mode, as PyTorch allows
            return cls(True)(mode)
        return super().__new__(cls)


def is_grad_enabled() -> bool:
    return _state.grad_enabled


class detect_anomaly(_Switch):
    """Inside, every backward result is checked: the first operation whose backward rule
    produces NaN or Inf raises AnomalyError naming it (with the forward stack that created it)."""

    switch = "anomaly"

    def __init__(self, mode: bool = True) -> None:
        super().__init__(mode)
