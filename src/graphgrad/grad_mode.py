"""Switching graph recording off and on: ``no_grad``, ``enable_grad``, ``set_grad_enabled``
(context managers and decorators, as in PyTorch) and anomaly detection."""
import contextlib

from . import _state


class _Switch(contextlib.ContextDecorator):
    """Set one of the engine's switches inside a block (or a decorated function)."""

    switch = None

    def __init__(self, mode):
        self.mode = bool(mode)
        self._saved = []

    def __enter__(self):
        self._saved.append(getattr(_state, self.switch))
        setattr(_state, self.switch, self.mode)
        return self

    def __exit__(self, *exc):
        setattr(_state, self.switch, self._saved.pop())
        return False


class set_grad_enabled(_Switch):
    """Record operations (True) or not (False) inside the block or decorated function."""

    switch = "grad_enabled"


class no_grad(set_grad_enabled):
    """Nothing is recorded inside: results do not require grad (inference, parameter updates)."""

    def __init__(self):
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Recording on inside, even within ``no_grad``."""

    def __init__(self):
        super().__init__(True)


def is_grad_enabled():
    return _state.grad_enabled


class detect_anomaly(_Switch):
    """Inside, every backward result is checked: the first operation whose backward rule
    produces NaN or Inf raises AnomalyError naming it (with the forward stack that created it)."""

    switch = "anomaly"

    def __init__(self, mode=True):
        super().__init__(mode)
