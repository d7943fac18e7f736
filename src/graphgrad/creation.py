"""Creating tensors: from data, filled, ranges, identity and random (PyTorch's names; floats are
float32 unless a dtype says otherwise)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .device import check_device
from .errors import DtypeError
from .random import numpy_generator
from .tensor import Tensor, as_array, get_default_dtype, leaf, make
from .tensor_data import NOT_NUMBERS

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, DTypeLike

    from .device import device
    from .random import GeneratorLike

    Shape = int | Sequence[int]
    DeviceLike = str | device | None


def tensor(data: Tensor | ArrayLike, dtype: DTypeLike | None = None, requires_grad: bool = False,
           name: str | None = None, *, device: DeviceLike = None,
           pin_memory: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of data. Python floats become float32, Python ints
    int64; a NumPy array keeps its dtype unless dtype= is given. Data that is not numbers
    (strings, Python objects, records, dates) is refused with a DtypeError, as PyTorch does."""
    check_device(device, "tensor")
    return leaf(as_array(data, _dtype(dtype, "tensor"), copy=True), requires_grad=requires_grad,
                  name=name)


def _dtype(dtype, who):
    """dtype= as a NumPy dtype (None stays None); refused, naming who, if it is not one."""
    if dtype is None:
        return None
    try:
        return np.dtype(dtype)
    except TypeError:
        raise DtypeError(f"{who}: dtype={dtype!r} is not a dtype (use gg.float32, gg.int64, "
                         "'float64', ...)") from None


def as_tensor(data: Tensor | ArrayLike, dtype: DTypeLike | None = None,
              device: DeviceLike = None) -> Tensor:
    """data as a tensor, sharing memory where it can: a tensor of that dtype is returned
    itself, an ndarray of that dtype is shared (as from_numpy); anything else is copied."""
    check_device(device, "as_tensor")
    dtype = _dtype(dtype, "as_tensor")
    if isinstance(data, Tensor):
        return data if dtype is None or dtype == data.dtype else data.to(dtype)
    if isinstance(data, np.ndarray) and (dtype is None or dtype == data.dtype) and \
            data.dtype.kind not in NOT_NUMBERS:
        return make(data)
    return make(as_array(data, dtype, who="as_tensor"))


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with a NumPy array (changes to one show in the other). Anything
    but an ndarray of numbers is refused, as by PyTorch (gg.tensor copies other data)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(array).__name__}); "
                        "gg.tensor(data) makes a tensor of other data")
    if array.dtype.kind in NOT_NUMBERS:
        as_array(array, who="from_numpy")           # raises, naming the dtype
    return make(array)


def is_tensor(obj: object) -> bool:
    """Whether obj is a graphgrad Tensor."""
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:
    """Whether the tensor's dtype is a floating-point one."""
    return input.dtype.kind == "f"


def _shape(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _leaf(array, requires_grad, name=None):
    return leaf(array, requires_grad=requires_grad, name=name)


def _filled(fill, who, shape, dtype, device, requires_grad):
    check_device(device, who)
    return _leaf(fill(_shape(shape), dtype or get_default_dtype()), requires_grad)


def zeros(*size: Shape, dtype: DTypeLike | None = None, device: DeviceLike = None,
          requires_grad: bool = False) -> Tensor:
    return _filled(np.zeros, "zeros", size, dtype, device, requires_grad)


def ones(*size: Shape, dtype: DTypeLike | None = None, device: DeviceLike = None,
         requires_grad: bool = False) -> Tensor:
    return _filled(np.ones, "ones", size, dtype, device, requires_grad)


def empty(*size: Shape, dtype: DTypeLike | None = None, device: DeviceLike = None,
          requires_grad: bool = False, memory_format: object = None) -> Tensor:
    """A tensor whose values are whatever the memory held (NumPy's empty)."""
    return _filled(np.empty, "empty", size, dtype, device, requires_grad)


def full(size: Shape, fill_value: complex, dtype: DTypeLike | None = None,
         requires_grad: bool = False, *, device: DeviceLike = None) -> Tensor:
    """fill_value everywhere; the dtype follows it (float → float32, int → int64, bool)."""
    check_device(device, "full")
    size = (size,) if isinstance(size, int) else tuple(size)
    return _leaf(np.full(size, fill_value, as_array(fill_value, dtype).dtype), requires_grad)


def _like(who, x, dtype, device):
    check_device(device, who)
    return np.shape(x), dtype or np.result_type(x)


def zeros_like(input: Tensor | ArrayLike, dtype: DTypeLike | None = None,
               requires_grad: bool = False, *, device: DeviceLike = None) -> Tensor:
    shape, dtype = _like("zeros_like", input, dtype, device)
    return _leaf(np.zeros(shape, dtype), requires_grad)


def ones_like(input: Tensor | ArrayLike, dtype: DTypeLike | None = None,
              requires_grad: bool = False, *, device: DeviceLike = None) -> Tensor:
    shape, dtype = _like("ones_like", input, dtype, device)
    return _leaf(np.ones(shape, dtype), requires_grad)


def empty_like(input: Tensor | ArrayLike, dtype: DTypeLike | None = None,
               requires_grad: bool = False, *, device: DeviceLike = None) -> Tensor:
    shape, dtype = _like("empty_like", input, dtype, device)
    return _leaf(np.empty(shape, dtype), requires_grad)


def full_like(input: Tensor | ArrayLike, fill_value: complex, dtype: DTypeLike | None = None,
              requires_grad: bool = False, *, device: DeviceLike = None) -> Tensor:
    shape, dtype = _like("full_like", input, dtype, device)
    return _leaf(np.full(shape, fill_value, dtype), requires_grad)


def arange(start: float, end: float | None = None, step: float = 1,
           dtype: DTypeLike | None = None, requires_grad: bool = False, *,
           device: DeviceLike = None) -> Tensor:
    """Evenly spaced values in [start, end): integers when all arguments are ints."""
    check_device(device, "arange")
    values = np.arange(start, end, step) if end is not None else np.arange(start)
    if dtype is None and values.dtype.kind == "f":
        dtype = get_default_dtype()
    return _leaf(values.astype(dtype) if dtype else values, requires_grad)


def linspace(start: float, end: float, steps: int = 50, dtype: DTypeLike | None = None,
             requires_grad: bool = False, *, device: DeviceLike = None) -> Tensor:
    """steps values from start to end, both included."""
    check_device(device, "linspace")
    return _leaf(np.linspace(start, end, steps, dtype=dtype or get_default_dtype()),
                 requires_grad)


def eye(n: int, m: int | None = None, dtype: DTypeLike | None = None,
        requires_grad: bool = False, *, device: DeviceLike = None) -> Tensor:
    check_device(device, "eye")
    return _leaf(np.eye(n, m, dtype=dtype or get_default_dtype()), requires_grad)


def rand(*size: Shape, dtype: DTypeLike | None = None, generator: GeneratorLike = None,
         requires_grad: bool = False, device: DeviceLike = None) -> Tensor:
    """Uniform samples on [0, 1)."""
    check_device(device, "rand")
    values = numpy_generator(generator).random(_shape(size))
    return _leaf(values.astype(dtype or get_default_dtype()), requires_grad)


def randn(*size: Shape, dtype: DTypeLike | None = None, generator: GeneratorLike = None,
          requires_grad: bool = False, device: DeviceLike = None) -> Tensor:
    """Standard normal samples."""
    check_device(device, "randn")
    values = numpy_generator(generator).standard_normal(_shape(size))
    return _leaf(values.astype(dtype or get_default_dtype()), requires_grad)


def randint(*args: int | Sequence[int], size: Sequence[int] | None = None, low: int = 0,
            high: int | None = None, generator: GeneratorLike = None,
            dtype: DTypeLike = np.int64, device: DeviceLike = None,
            requires_grad: bool = False) -> Tensor:
    """Uniform integers in [low, high): randint(high, size), randint(low, high, size) or with
    keywords, as PyTorch."""
    low, high, size = _randint_args("randint", args, low, high, size)
    check_device(device, "randint")
    values = numpy_generator(generator).integers(low, high, size)
    return _leaf(values.astype(dtype or np.int64), requires_grad)


def _randint_args(who, args, low, high, size):
    args = list(args)
    if size is None and args and isinstance(args[-1], (tuple, list)):
        size = args.pop()
    if len(args) == 2:
        low, high = args
    elif len(args) == 1:
        if high is None:
            high = args[0]
        else:
            low = args[0]
    elif args:
        raise TypeError(f"{who}() takes (high, size) or (low, high, size), got {len(args)} "
                        "numbers")
    if high is None or size is None:
        raise TypeError(f"{who}() missing the required 'high' and 'size' arguments")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                           f">= to={high}")
    return low, high, (size,) if isinstance(size, int) else tuple(size)
