"""Devices and dtypes of modules, as torch.nn.Module's ``to``, ``float``, ``type``, ...:
graphgrad runs on the CPU, so a device is accepted when it names the CPU and refused
otherwise; dtypes convert a module's parameters and buffers in place (the Parameter objects
stay the same, as in PyTorch, so optimizers built before keep working)."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor

CPU_NAMES = ("cpu", "cpu:0")


def array_of(x: Any) -> np.ndarray:
    """The NumPy array behind x: a Tensor's data (shared, whether or not it requires grad), or
    np.asarray(x). For reading values and dtypes outside the graph."""
    return x.array if isinstance(x, Tensor) else np.asarray(x)


def check_device(device: Any, who: str = "graphgrad") -> None:
    """Accept None and the CPU: 'cpu', 'cpu:0' or an object whose str() is one of them (such as
    torch.device('cpu')); any other device raises RuntimeError."""
    if device is not None and str(device) not in CPU_NAMES:
        raise RuntimeError(f"{who}: device {str(device)!r} is not available: graphgrad runs on "
                           f"the CPU (device='cpu' or None)")


def as_dtype(value: Any) -> np.dtype | None:
    """value as a NumPy dtype, or None when it names none ('cpu', a device object, ...)."""
    if isinstance(value, np.dtype):
        return value
    if isinstance(value, type) and issubclass(value, (np.generic, float, int, complex, bool)):
        return np.dtype(value)
    if isinstance(value, str):
        try:
            return np.dtype(value)
        except TypeError:
            return None
    return None


def parse_to(args: tuple, kwargs: dict) -> tuple[Any, np.dtype | None]:
    """(device, dtype) from Module.to's overloads: to(device=None, dtype=None,
    non_blocking=False), to(dtype, non_blocking=False), to(tensor, non_blocking=False)."""
    unknown = set(kwargs) - {"device", "dtype", "non_blocking", "copy", "memory_format"}
    if unknown:
        raise TypeError(f"to() got an unexpected keyword argument {sorted(unknown)[0]!r}")
    device, dtype = kwargs.get("device"), kwargs.get("dtype")
    rest = list(args)
    if rest:
        first = rest.pop(0)
        if isinstance(first, Tensor):
            dtype, device = first.dtype, "cpu"
        elif as_dtype(first) is not None:
            dtype = first
        else:
            device = first
            if rest and (rest[0] is None or as_dtype(rest[0]) is not None):
                dtype = rest.pop(0)
    if len(rest) > 1 or rest and not isinstance(rest[0], bool):
        raise TypeError(f"to() received an invalid combination of arguments: {args!r}; expected "
                        "to(device=None, dtype=None, non_blocking=False), to(dtype, "
                        "non_blocking=False) or to(tensor, non_blocking=False)")
    if dtype is not None and as_dtype(dtype) is None:
        raise TypeError(f"to(): {dtype!r} is not a dtype")
    check_device(device, "Module.to")
    return device, None if dtype is None else as_dtype(dtype)


def floating_only(dtype: np.dtype) -> Callable[[np.ndarray], np.ndarray]:
    """The conversion Module.to applies: floating-point (and complex) arrays to dtype, others
    unchanged."""
    if dtype.kind not in "fc":
        raise TypeError(f"nn.Module.to only accepts floating point or complex dtypes, but got "
                        f"desired dtype={dtype}")
    return lambda a: a.astype(dtype) if a.dtype.kind in "fc" and a.dtype != dtype else a


def convert(tensors: Iterable[Tensor], fn: Callable[[np.ndarray], np.ndarray]) -> None:
    """Replace each tensor's data (and its gradient's) by fn(data), in place: the tensor
    objects stay the same. A tensor that requires grad must stay floating point."""
    tensors = list(tensors)
    for tensor in tensors:
        new = fn(tensor.array)
        if tensor.requires_grad and new.dtype.kind not in "fc":
            raise RuntimeError(f"data set to a tensor that requires gradients must be floating "
                               f"point or complex dtype, got {new.dtype}")
    for tensor in tensors:
        new = fn(tensor.array)
        if new is not tensor.array:
            tensor.array = new
        if tensor.grad is not None:
            grad = fn(tensor.grad.array)
            if grad is not tensor.grad.array:
                tensor.grad.array = grad
