"""Pooling modules (torch.nn's MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool1d/2d,
AdaptiveMaxPool1d/2d): no parameters, the functional forms of graphgrad.ops.pooling and
graphgrad.ops.adaptive_pool with their arguments kept, printed as PyTorch prints them."""
from __future__ import annotations

from typing import Any

from ..ops import adaptive_pool, pooling
from ..tensor import Tensor
from .module import Module


class _MaxPoolNd(Module):
    _function: Any = None

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input: Tensor) -> Any:
        return type(self)._function(input, self.kernel_size, self.stride, self.padding,
                                    self.dilation, ceil_mode=self.ceil_mode,
                                    return_indices=self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool2d(_MaxPoolNd):
    """The maximum of each kernel_size window of (N, C, H, W) or (C, H, W) (F.max_pool2d)."""
    _function = staticmethod(pooling.max_pool2d)


class MaxPool1d(_MaxPoolNd):
    """The maximum of each kernel_size window of (N, C, L) or (C, L) (F.max_pool1d)."""
    _function = staticmethod(pooling.max_pool1d)


class AvgPool2d(Module):
    """The mean of each kernel_size window of (N, C, H, W) or (C, H, W) (F.avg_pool2d)."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return pooling.avg_pool2d(input, self.kernel_size, self.stride, self.padding,
                                  self.ceil_mode, self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(Module):
    """The mean of each kernel_size window of (N, C, L) or (C, L) (F.avg_pool1d)."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size = pooling.as_tuple(kernel_size, 1, "AvgPool1d", "kernel_size")
        self.stride = pooling.as_tuple(stride if stride is not None else kernel_size, 1,
                                       "AvgPool1d", "stride")
        self.padding = pooling.as_tuple(padding, 1, "AvgPool1d", "padding")
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        return pooling.avg_pool1d(input, self.kernel_size, self.stride, self.padding,
                                  self.ceil_mode, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _AdaptivePool(Module):
    _function: Any = None

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Any:
        return type(self)._function(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class _AdaptiveMaxPool(_AdaptivePool):
    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = return_indices

    def forward(self, input: Tensor) -> Any:
        return type(self)._function(input, self.output_size, self.return_indices)


class AdaptiveAvgPool2d(_AdaptivePool):
    """The mean over output_size evenly spread windows of (N, C, H, W) or (C, H, W)."""
    _function = staticmethod(adaptive_pool.adaptive_avg_pool2d)


class AdaptiveAvgPool1d(_AdaptivePool):
    """The mean over output_size evenly spread windows of (N, C, L) or (C, L)."""
    _function = staticmethod(adaptive_pool.adaptive_avg_pool1d)


class AdaptiveMaxPool2d(_AdaptiveMaxPool):
    """The maximum over output_size evenly spread windows of (N, C, H, W) or (C, H, W)."""
    _function = staticmethod(adaptive_pool.adaptive_max_pool2d)


class AdaptiveMaxPool1d(_AdaptiveMaxPool):
    """The maximum over output_size evenly spread windows of (N, C, L) or (C, L)."""
    _function = staticmethod(adaptive_pool.adaptive_max_pool1d)
