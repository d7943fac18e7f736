"""graphgrad: compute graphs and automatic differentiation on NumPy.

Run a computation on tensors and graphgrad records its compute graph; differentiate it by
backward propagation (``loss.backward()``, ``gg.grad``, ``gg.vjp``) or forward propagation
(``gg.jvp``), to any order.
"""
from typing import TYPE_CHECKING

import numpy as np

from . import accelerator, backends, cuda, linalg, ops
from ._tensor_methods import astype, numel  # importing it binds Tensor's operators
from .autodiff import gradients
from .backends.cpu import finfo, get_num_threads, iinfo, set_num_threads
from .check import gradcheck, numeric_grad, numeric_jacobian
from .creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    is_floating_point,
    is_tensor,
    linspace,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    tensor,
    zeros,
    zeros_like,
)
from .device import Size, device
from .errors import (
    AnomalyError,
    DtypeError,
    FreedGraphError,
    GradcheckError,
    GradientError,
    InplaceError,
    ShapeError,
)
from .grad_mode import (
    detect_anomaly,
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from .ops import *  # noqa: F403  (every operation, as gg.exp, gg.sum, ...; see __all__)
from .primitives import primitive, registry
from .random import Generator, initial_seed, manual_seed, seed
from .sampling import (
    bernoulli,
    multinomial,
    normal,
    rand_like,
    randint_like,
    randn_like,
    randperm,
)
from .tensor import Tensor, get_default_dtype, set_default_dtype
from .transforms import grad, hessian, jacfwd, jacobian, jacrev, jvp, value_and_grad, vjp

float16, float32, float64 = np.float16, np.float32, np.float64
int32, int64, bool_ = np.int32, np.int64, np.bool_
# PyTorch's dtype names, as NumPy's types (bfloat16 is left out: NumPy has no bfloat16). float,
# int and bool are gg.float etc. only, kept out of __all__ so that `import *` keeps the builtins.
float, double, half = np.float32, np.float64, np.float16
long, int, short, bool = np.int64, np.int32, np.int16, np.bool_
uint8, int8, int16 = np.uint8, np.int8, np.int16

__version__ = "0.1.0"

__all__ = ["Tensor", "tensor", "from_numpy", "zeros", "ones", "full", "zeros_like", "ones_like",
           "full_like", "arange", "linspace", "eye", "rand", "randn", "randint", "Generator",
           "manual_seed", "grad", "value_and_grad", "jvp", "vjp", "jacobian", "jacfwd",
           "jacrev", "hessian", "gradients", "gradcheck", "numeric_grad", "numeric_jacobian",
           "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "detect_anomaly",
           "primitive", "registry", "AnomalyError", "DtypeError", "FreedGraphError",
           "GradcheckError", "GradientError", "InplaceError", "ShapeError", "float16", "float32",
           "float64", "int32", "int64", "bool_", "ops", "astype", "get_default_dtype",
           "set_default_dtype", "device", "Size", "cuda", "accelerator", "backends",
           "as_tensor", "empty", "empty_like", "is_tensor", "is_floating_point",
           "inference_mode", "randperm", "multinomial", "bernoulli", "normal", "rand_like",
           "randn_like", "randint_like", "seed", "initial_seed", "double", "half", "long",
           "short", "uint8", "int8", "int16", "numel", "finfo", "iinfo", "set_num_threads",
           "get_num_threads"]
__all__ += ops.__all__
return_types = ops.return_types     # torch.return_types: (values, indices) of max(dim), ...
__all__ += ["linalg", "return_types"]
__all__ += ["autograd", "func"]       # imported on first use (see _LAZY)

if TYPE_CHECKING:   # what __getattr__ below imports on first use, made visible to type checkers
    from . import autograd as autograd
    from . import data as data
    from . import distributed as distributed
    from . import func as func
    from . import nn as nn
    from . import optim as optim
    from . import train as train
    from . import utils as utils
    from .compile import compile as compile
    from .graphview import ComputeGraph as ComputeGraph
    from .graphview import explain as explain
    from .graphview import graph as graph
    from .graphview import trace as trace
    from .io import load as load
    from .io import save as save

#: Parts imported on first use (gg.nn, gg.graph(...), ...), so `import graphgrad` stays light.
_LAZY = {
    "nn": ("graphgrad.nn", None), "optim": ("graphgrad.optim", None),
    "data": ("graphgrad.data", None), "train": ("graphgrad.train", None),
    "utils": ("graphgrad.utils", None), "distributed": ("graphgrad.distributed", None),
    "autograd": ("graphgrad.autograd", None), "func": ("graphgrad.func", None),
    "graph": ("graphgrad.graphview", "graph"), "trace": ("graphgrad.graphview", "trace"),
    "ComputeGraph": ("graphgrad.graphview", "ComputeGraph"),
    "explain": ("graphgrad.graphview", "explain"),
    "save": ("graphgrad.io", "save"), "load": ("graphgrad.io", "load"),
    "compile": ("graphgrad.compile", "compile"),   # not in __all__: keeps the builtin under *
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
