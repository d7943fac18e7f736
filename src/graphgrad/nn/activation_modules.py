"""Activation modules, with torch.nn's names, constructors and printouts (``ReLU()``,
``Hardtanh(min_val=-1.0, max_val=1.0)``); each calls its function in activations.py.

``inplace`` is accepted, shown in the printout as PyTorch does, and otherwise ignored:
graphgrad never overwrites a tensor the graph may still need.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from .. import ops
from ..ops import activations as act
from ..random import numpy_generator
from ..tensor import Tensor, get_default_dtype
from . import activations as F
from .conversion import check_device
from .module import Module, Parameter

if TYPE_CHECKING:
    from numpy.typing import DTypeLike

    from ..random import GeneratorLike


def _inplace(inplace, first=False):
    """PyTorch's ', inplace=True' in a printout (nothing when False)."""
    return ("inplace=True" if first else ", inplace=True") if inplace else ""


class _Inplace(Module):
    """An activation without settings but PyTorch's inplace flag."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def extra_repr(self) -> str:
        return _inplace(self.inplace, first=True)


class Sigmoid(Module):
    """σ(x) = 1 / (1 + e^−x), the logistic neuron (003 §2.2.2)."""
    forward = staticmethod(ops.sigmoid)


class Tanh(Module):
    forward = staticmethod(ops.tanh)


class ReLU(_Inplace):
    """max(x, 0)."""
    forward = staticmethod(ops.relu)


class ReLU6(_Inplace):
    """min(max(x, 0), 6)."""
    forward = staticmethod(F.relu6)


class Hardsigmoid(_Inplace):
    forward = staticmethod(act.hardsigmoid)


class Hardswish(_Inplace):
    forward = staticmethod(act.hardswish)


class Mish(_Inplace):
    forward = staticmethod(act.mish)


class SELU(_Inplace):
    forward = staticmethod(act.selu)


class SiLU(_Inplace):
    """x σ(x) (Swish)."""
    forward = staticmethod(act.silu)


Swish = SiLU


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}{_inplace(self.inplace)}"


class ELU(Module):
    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.elu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_inplace(self.inplace)}"


class CELU(ELU):
    def forward(self, input: Tensor) -> Tensor:
        return F.celu(input, self.alpha)


class Hardtanh(Module):
    def __init__(self, min_val: float = -1.0, max_val: float = 1.0,
                 inplace: bool = False) -> None:
        super().__init__()
        if min_val > max_val:
            raise ValueError(f"Hardtanh: max_val ({max_val}) must be greater than min_val "
                             f"({min_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace(self.inplace)}"


class Threshold(Module):
    """x where x > threshold, else value."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.threshold(input, self.threshold, self.value)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}{_inplace(self.inplace)}"


class Hardshrink(Module):
    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = lambd

    def forward(self, input: Tensor) -> Tensor:
        return F.hardshrink(input, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Hardshrink):
    def forward(self, input: Tensor) -> Tensor:
        return F.softshrink(input, self.lambd)


class Softsign(Module):
    forward = staticmethod(act.softsign)


class Tanhshrink(Module):
    forward = staticmethod(act.tanhshrink)


class PReLU(Module):
    """x for x > 0, a · x otherwise with learnt slopes a: num_parameters of them (1, or the
    number of channels, axis 1 of the input), each starting at `init`."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None,
                 dtype: DTypeLike | None = None) -> None:
        check_device(device, "PReLU")
        super().__init__()
        self.num_parameters, self.init = num_parameters, init
        dtype = np.dtype(dtype) if dtype is not None else get_default_dtype()
        self.weight = Parameter(np.full(num_parameters, init, dtype))

    def reset_parameters(self) -> None:
        self.weight.array[...] = self.init

    def forward(self, input: Tensor) -> Tensor:
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class RReLU(Module):
    """Randomised leaky ReLU: a slope drawn from U(lower, upper) per element while training
    (from `generator`, a seed or gg.Generator; the global one by default), the mean slope in
    eval mode."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False,
                 *, generator: GeneratorLike = None) -> None:
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace
        self.generator = numpy_generator(generator) if generator is not None else None

    def forward(self, input: Tensor) -> Tensor:
        return F.rrelu(input, self.lower, self.upper, self.training, generator=self.generator)

    def extra_repr(self) -> str:
        return f"lower={self.lower}, upper={self.upper}{_inplace(self.inplace)}"


class GELU(Module):
    def __init__(self, approximate: Literal["none", "tanh"] = "none") -> None:
        super().__init__()
        self.approximate = F._check_approximate(approximate)

    def forward(self, input: Tensor) -> Tensor:
        return act.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class LogSigmoid(Module):
    forward = staticmethod(F.log_sigmoid)


class GLU(Module):
    """a ⊙ σ(b) for the two halves a, b of the input along `dim`."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.glu(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmin(Module):
    """softmax(−x) along `dim` (None: PyTorch's implicit choice, with its warning)."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.softmin(input, self.dim, _stacklevel=5)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(Module):
    """Softmax over `dim` at temperature T (003 §2.4.6–2.4.7); dim None is PyTorch's implicit
    choice (with its warning)."""

    def __init__(self, dim: int | None = None, temperature: float = 1.0) -> None:
        super().__init__()
        self.dim, self.temperature = dim, F._check_temperature(temperature)

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax(input, self.dim, 5, temperature=self.temperature)

    def extra_repr(self) -> str:
        return f"dim={self.dim}" + (f", temperature={self.temperature}"
                                    if self.temperature != 1 else "")


class LogSoftmax(Softmax):
    def forward(self, input: Tensor) -> Tensor:
        return F.log_softmax(input, self.dim, 5, temperature=self.temperature)


class BinaryThreshold(Module):
    """003 §2.4.1's binary threshold unit: 1 if x ≥ threshold else 0 (zero gradient)."""

    def __init__(self, threshold: float = 0.0) -> None:
        super().__init__()
        self.threshold = float(threshold)

    def forward(self, input: Tensor) -> Tensor:
        return act.binary_threshold(input, threshold=self.threshold)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}"


class StochasticBinary(Module):
    """003 §2.2.3's stochastic binary neuron: 1 with probability σ(x) (in training and in eval
    mode alike). See stochastic_binary for the straight-through option."""

    def __init__(self, straight_through: bool = False, generator: GeneratorLike = None) -> None:
        super().__init__()
        self.straight_through = straight_through
        self.generator = numpy_generator(generator) if generator is not None else None

    def forward(self, input: Tensor) -> Tensor:
        return F.stochastic_binary(input, self.generator, self.straight_through)

    def extra_repr(self) -> str:
        return f"straight_through={self.straight_through}"
