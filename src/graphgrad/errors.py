"""Exceptions that say what went wrong, where, and what to do, and warnings that point at the
user's line.

Each exception is a subclass of the built-in a user would catch (ValueError, TypeError,
RuntimeError).
"""
import os
import sys
import warnings

_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def warn(message, category=UserWarning):
    """warnings.warn pointed at the first frame outside graphgrad (the user's line), however
    many graphgrad frames lie between."""
    level, frame = 2, sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


class ShapeError(ValueError, RuntimeError):
    """Operands whose shapes do not fit the operation; a RuntimeError too, as PyTorch raises
    for these (and a ValueError, as NumPy does)."""


class DtypeError(TypeError, RuntimeError):
    """A dtype that cannot take part (e.g. gradients of integer tensors); a RuntimeError too,
    as PyTorch raises for these."""


class GradientError(RuntimeError):
    """A gradient that cannot be computed as asked (non-scalar output, nothing requires grad)."""


class FreedGraphError(GradientError):
    """Backward through a graph whose saved buffers were released by an earlier backward."""


class InplaceError(GradientError):
    """An in-place change that would make a recorded gradient wrong."""


class AnomalyError(GradientError):
    """A backward rule produced NaN or Inf while anomaly detection was on."""


class GradcheckError(RuntimeError):
    """Analytic derivatives disagree with finite differences (raised by gradcheck)."""
