"""graphgrad: compute graphs and automatic differentiation on NumPy.

Run a computation on tensors and graphgrad records its compute graph; differentiate it by
backward propagation (``loss.backward()``, ``gg.grad``, ``gg.vjp``) or forward propagation
(``gg.jvp``), to any order.
"""
import numpy as np

from . import _tensor_methods  # noqa: F401  (binds operators and methods to Tensor)
from .autodiff import gradients
from .check import gradcheck, numeric_grad, numeric_jacobian
from .creation import (arange, eye, from_numpy, full, full_like, linspace, ones, ones_like, rand,
                       randint, randn, tensor, zeros, zeros_like)
from .errors import (AnomalyError, DtypeError, FreedGraphError, GradcheckError, GradientError,
                     InplaceError, ShapeError)
from .grad_mode import detect_anomaly, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .ops import *  # noqa: F401,F403  (every operation, as gg.exp, gg.sum, ...)
from .primitives import primitive, registry
from .random import Generator, manual_seed
from .tensor import Tensor
from ._tensor_methods import astype
from .transforms import grad, hessian, jacfwd, jacobian, jacrev, jvp, value_and_grad, vjp

float16, float32, float64 = np.float16, np.float32, np.float64
int32, int64, bool_ = np.int32, np.int64, np.bool_

__version__ = "0.1.0"

#: Parts imported on first use (gg.nn, gg.graph(...), ...), so `import graphgrad` stays light.
_LAZY = {
    "nn": ("graphgrad.nn", None), "optim": ("graphgrad.optim", None),
    "data": ("graphgrad.data", None), "train": ("graphgrad.train", None),
    "graph": ("graphgrad.graphview", "graph"), "trace": ("graphgrad.graphview", "trace"),
    "ComputeGraph": ("graphgrad.graphview", "ComputeGraph"),
    "explain": ("graphgrad.graphview", "explain"),
    "save": ("graphgrad.io", "save"), "load": ("graphgrad.io", "load"),
}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'graphgrad' has no attribute {name!r}")
    import importlib
    module_name, attribute = _LAZY[name]
    module = importlib.import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value
