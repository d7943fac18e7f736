"""Checks of optimizer hyper-parameters, with PyTorch's messages ("Invalid learning rate: -1.0").

Stricter than PyTorch in one way: NaN and ±∞ are refused everywhere (PyTorch lets SGD take
lr=nan and every optimizer lr=inf, which only shows up later as NaN weights), and so is anything
that is not a real number (bool included), with a TypeError instead of a failed comparison.
"""
from __future__ import annotations

import math
import numbers
from typing import Any

#: How PyTorch names an option in its message ("Invalid {label}: value").
_LABELS = {"lr": "learning rate", "eps": "epsilon value"}

#: The range of each real-valued option: (lowest, highest, whether the highest is allowed).
_REAL = {
    "lr": (0.0, math.inf, False), "momentum": (0.0, math.inf, False),
    "weight_decay": (0.0, math.inf, False), "eps": (0.0, math.inf, False),
    "alpha": (0.0, math.inf, False), "lr_decay": (0.0, math.inf, False),
    "initial_accumulator_value": (0.0, math.inf, False),
    "momentum_decay": (0.0, math.inf, False), "rho": (0.0, 1.0, True),
    "dampening": (-math.inf, math.inf, False), "tolerance_grad": (0.0, math.inf, False),
    "tolerance_change": (0.0, math.inf, False),
}
#: Options that count something: whole numbers >= 1.
_COUNTS = ("max_iter", "max_eval", "history_size", "max_ls")


def _label(key):
    return _LABELS.get(key, f"{key} value")


def real(key: str, value: Any, low: float = 0.0, high: float = math.inf,
         high_included: bool = False) -> float:
    """value, checked to be a finite real number in [low, high) (or [low, high]); a TypeError
    for anything else than a number, a ValueError with PyTorch's message otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"Invalid {_label(key)}: {value!r} (expected a number, got "
                        f"{type(value).__name__})")
    number = float(value)
    inside = low <= number < high or (high_included and number == high)
    if not math.isfinite(number) or not inside:
        raise ValueError(f"Invalid {_label(key)}: {value}")
    return value


def count(key: str, value: Any) -> int:
    """value, checked to be a whole number >= 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"Invalid {key} value: {value!r} (expected a whole number, got "
                        f"{type(value).__name__})")
    if value < 1:
        raise ValueError(f"Invalid {key} value: {value}")
    return value


def betas(value: Any) -> tuple[float, float]:
    """(β₁, β₂), each in [0, 1)."""
    try:
        pair = tuple(value)
    except TypeError:
        raise TypeError(f"Invalid betas: {value!r} (expected a pair (beta1, beta2))") from None
    if len(pair) != 2:
        raise ValueError(f"Invalid betas: {value!r} (expected a pair (beta1, beta2))")
    for i, beta in enumerate(pair):
        if isinstance(beta, bool) or not isinstance(beta, numbers.Real):
            raise TypeError(f"Invalid beta parameter at index {i}: {beta!r} (expected a number, "
                            f"got {type(beta).__name__})")
        if not 0.0 <= beta < 1.0:  # False for NaN
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
    return pair


def check_options(options: dict[str, Any]) -> None:
    """Check every known hyper-parameter among options (a group or an optimizer's defaults);
    tuples are normalised in place (betas)."""
    for key, value in options.items():
        if key in _REAL:
            real(key, value, *_REAL[key])
        elif key in _COUNTS:
            count(key, value)
        elif key == "betas":
            options[key] = betas(value)
