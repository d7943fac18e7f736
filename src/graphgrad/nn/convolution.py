"""Convolution layers (torch.nn's Conv1d, Conv2d, ConvTranspose2d) on the convolution
primitives of graphgrad.ops.convolution, with PyTorch's parameter shapes, initialisation,
state_dict keys (weight, bias), padding modes and printout.

Conv:           weight (out_channels, in_channels / groups, *kernel_size), bias (out_channels,)
ConvTranspose:  weight (in_channels, out_channels / groups, *kernel_size), bias (out_channels,)
Both start as PyTorch's: W ~ kaiming_uniform(a = √5), i.e. U(±1/√fan_in), and b ~ U(±1/√fan_in),
fan_in = weight.shape[1] · Π kernel_size.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ..ops.convolution import conv1d, conv2d, conv_transpose2d
from ..ops.im2col import ntuple
from ..ops.padding import pad_nd
from ..random import numpy_generator
from ..tensor import Tensor
from . import init
from .layers import _dtype
from .module import Module, Parameter

if TYPE_CHECKING:
    from numpy.typing import DTypeLike

    from ..random import GeneratorLike

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    """What Conv1d, Conv2d and ConvTranspose2d share: checks, parameters, initialisation."""

    _dims = 2
    _transposed = False

    weight: Parameter
    bias: Parameter | None

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any,
                 padding: Any, dilation: Any, groups: int, bias: bool, padding_mode: str,
                 device: Any, dtype: DTypeLike | None, generator: GeneratorLike,
                 output_padding: Any = 0) -> None:
        super().__init__()
        name, k = type(self).__name__, self._dims
        dtype, generator = _dtype(dtype, device, name), numpy_generator(generator)
        if not isinstance(groups, (int, np.integer)) or groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups!r}")
        if in_channels % groups:
            raise ValueError(f"{name}: in_channels must be divisible by groups, got "
                             f"in_channels={in_channels}, groups={groups}")
        if out_channels % groups:
            raise ValueError(f"{name}: out_channels must be divisible by groups, got "
                             f"out_channels={out_channels}, groups={groups}")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {list(_PADDING_MODES)}, but "
                             f"got padding_mode={padding_mode!r}")
        if self._transposed and padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {name}')
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = ntuple(kernel_size, k, "kernel_size", name)
        self.stride = ntuple(stride, k, "stride", name)
        self.dilation = ntuple(dilation, k, "dilation", name)
        self.output_padding = ntuple(output_padding, k, "output_padding", name)
        self.padding = self._check_padding(padding, name)
        self.padding_mode, self.transposed = padding_mode, self._transposed
        shape = ((in_channels, out_channels // groups) if self._transposed
                 else (out_channels, in_channels // groups)) + self.kernel_size
        self.weight = Parameter(np.empty(shape, dtype))
        if bias:
            self.bias = Parameter(np.empty(out_channels, dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def _check_padding(self, padding, name):
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{name}: Invalid padding string {padding!r}, should be one of "
                                 "['valid', 'same']")
            if self._transposed:
                raise ValueError(f"{name}: padding must be an int or a tuple, got {padding!r}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided "
                                 "convolutions")
            return padding
        return ntuple(padding, self._dims, "padding", name)

    def reset_parameters(self, generator: GeneratorLike = None) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=generator)
        if self.bias is not None:
            fan_in, _ = init.calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in else 0.0
            init.uniform_(self.bias, -bound, bound, generator)

    def _padded(self, input):
        """(input, padding for the convolution): non-zero modes pad here, as PyTorch does."""
        if self.padding_mode == "zeros":
            return input, self.padding
        if self.padding == "valid":
            return input, 0
        if self.padding == "same":
            total = [d * (n - 1) for d, n in zip(self.dilation, self.kernel_size)]
            widths = [(t // 2, t - t // 2) for t in total]
        else:
            widths = [(p, p) for p in self.padding]
        flat = tuple(w for pair in reversed(widths) for w in pair)
        return pad_nd(input, flat, mode=self.padding_mode), 0

    def extra_repr(self) -> str:
        k = self._dims
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * k:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * k:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * k:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    """Conv1d and Conv2d: PyTorch's constructor, and the forward through their function."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, dilation: Any = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None,
                 dtype: DTypeLike | None = None, *, generator: GeneratorLike = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype, generator)

    def forward(self, input: Tensor) -> Tensor:
        x, padding = self._padded(input)
        return self._function(x, self.weight, self.bias, self.stride, padding, self.dilation,
                              self.groups)


class Conv2d(_Conv):
    """2-D convolution (cross-correlation) of (N, C_in, H, W) or (C_in, H, W) input:
    y[n, o] = b[o] + Σ_c W[o, c] ⋆ x[n, c] over the channels of o's group (F.conv2d)."""

    _function = staticmethod(conv2d)


class Conv1d(_Conv):
    """1-D convolution of (N, C_in, L) or (C_in, L) input (F.conv1d)."""

    _dims = 1
    _function = staticmethod(conv1d)


class ConvTranspose2d(_ConvNd):
    """The transposed 2-D convolution, conv2d's adjoint in its input (F.conv_transpose2d):
    H_out = (H − 1)·stride − 2·padding + dilation·(kH − 1) + output_padding + 1. forward's
    output_size picks the output_padding that gives that size, as PyTorch's."""

    _transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, output_padding: Any = 0, groups: int = 1, bias: bool = True,
                 dilation: Any = 1, padding_mode: str = "zeros", device: Any = None,
                 dtype: DTypeLike | None = None, *, generator: GeneratorLike = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device, dtype, generator, output_padding)

    def _output_padding(self, input, output_size):
        if output_size is None:
            return self.output_padding
        size = list(output_size)[-2:]
        if len(size) != 2:
            raise ValueError(f"ConvTranspose2d: output_size must have 2 or 4 elements, got "
                             f"{list(output_size)}")
        extra = []
        for d, want in enumerate(size):
            n = np.shape(input)[-2 + d]
            smallest = ((n - 1) * self.stride[d] - 2 * self.padding[d]
                        + self.dilation[d] * (self.kernel_size[d] - 1) + 1)
            largest = smallest + self.stride[d] - 1
            if not smallest <= want <= largest:
                raise ValueError(f"ConvTranspose2d: requested an output size of {size}, but "
                                 f"valid sizes range from {smallest} to {largest} (for an input "
                                 f"of {list(np.shape(input))[-2:]})")
            extra.append(want - smallest)
        return tuple(extra)

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:
        return conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                self._output_padding(input, output_size), self.groups,
                                self.dilation)
