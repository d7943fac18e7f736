"""Creating tensors: from data, filled, ranges, identity and random (PyTorch's names; floats are
float32 unless a dtype says otherwise)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .random import numpy_generator
from .tensor import Tensor, as_array, get_default_dtype, make

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, DTypeLike

    from .random import GeneratorLike

    Shape = int | Sequence[int]


def tensor(data: Tensor | ArrayLike, dtype: DTypeLike | None = None, requires_grad: bool = False,
           name: str | None = None) -> Tensor:
    """A new leaf tensor holding a copy of data. Python floats become float32, Python ints
    int64; a NumPy array keeps its dtype unless dtype= is given."""
    return Tensor(as_array(data, dtype, copy=True), requires_grad=requires_grad, name=name)


def from_numpy(array: ArrayLike) -> Tensor:
    """A tensor sharing memory with a NumPy array (changes to one show in the other)."""
    return make(np.asarray(array))


def _shape(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _leaf(array, requires_grad, name=None):
    return Tensor(array, requires_grad=requires_grad, name=name)


def zeros(*shape: Shape, dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
    return _leaf(np.zeros(_shape(shape), dtype or get_default_dtype()), requires_grad)


def ones(*shape: Shape, dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
    return _leaf(np.ones(_shape(shape), dtype or get_default_dtype()), requires_grad)


def full(shape: Shape, fill_value: complex, dtype: DTypeLike | None = None,
         requires_grad: bool = False) -> Tensor:
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return _leaf(np.full(shape, fill_value, as_array(fill_value, dtype).dtype), requires_grad)


def _like(x, dtype):
    return np.shape(x), dtype or np.result_type(x)


def zeros_like(x: Tensor | ArrayLike, dtype: DTypeLike | None = None,
               requires_grad: bool = False) -> Tensor:
    shape, dtype = _like(x, dtype)
    return _leaf(np.zeros(shape, dtype), requires_grad)


def ones_like(x: Tensor | ArrayLike, dtype: DTypeLike | None = None,
              requires_grad: bool = False) -> Tensor:
    shape, dtype = _like(x, dtype)
    return _leaf(np.ones(shape, dtype), requires_grad)


def full_like(x: Tensor | ArrayLike, fill_value: complex, dtype: DTypeLike | None = None,
              requires_grad: bool = False) -> Tensor:
    shape, dtype = _like(x, dtype)
    return _leaf(np.full(shape, fill_value, dtype), requires_grad)


def arange(start: float, stop: float | None = None, step: float = 1, dtype: DTypeLike | None = None,
           requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in [start, stop): integers when all arguments are ints."""
    values = np.arange(start, stop, step) if stop is not None else np.arange(start)
    if dtype is None and values.dtype.kind == "f":
        dtype = get_default_dtype()
    return _leaf(values.astype(dtype) if dtype else values, requires_grad)


def linspace(start: float, stop: float, num: int = 50, dtype: DTypeLike | None = None,
             requires_grad: bool = False) -> Tensor:
    return _leaf(np.linspace(start, stop, num, dtype=dtype or get_default_dtype()), requires_grad)


def eye(n: int, m: int | None = None, dtype: DTypeLike | None = None,
        requires_grad: bool = False) -> Tensor:
    return _leaf(np.eye(n, m, dtype=dtype or get_default_dtype()), requires_grad)


def rand(*shape: Shape, dtype: DTypeLike | None = None, generator: GeneratorLike = None,
         requires_grad: bool = False) -> Tensor:
    """Uniform samples on [0, 1)."""
    values = numpy_generator(generator).random(_shape(shape))
    return _leaf(values.astype(dtype or get_default_dtype()), requires_grad)


def randn(*shape: Shape, dtype: DTypeLike | None = None, generator: GeneratorLike = None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal samples."""
    values = numpy_generator(generator).standard_normal(_shape(shape))
    return _leaf(values.astype(dtype or get_default_dtype()), requires_grad)


def randint(low: int, high: int, shape: Sequence[int], dtype: DTypeLike = np.int64,
            generator: GeneratorLike = None) -> Tensor:
    """Uniform integers in [low, high)."""
    return _leaf(numpy_generator(generator).integers(low, high, tuple(shape), dtype=dtype), False)
