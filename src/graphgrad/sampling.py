"""PyTorch's random sampling functions beyond rand/randn/randint: randperm, multinomial,
bernoulli, normal (its four overloads) and the *_like samplers. Draws come from the global
generator (gg.manual_seed) or generator=; the streams are NumPy's, not PyTorch's, so seeds
reproduce graphgrad's own draws only.

As in PyTorch, a sample is not differentiable with respect to the distribution's parameters:
when normal's mean/std or bernoulli's probabilities require grad, the sample stays in the
graph with a zero derivative (PyTorch's NormalBackward/BernoulliBackward give zeros too).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import _state, ops
from .creation import _randint_args, _shape
from .device import check_device
from .random import numpy_generator
from .tensor import Tensor, get_default_dtype, leaf, make

if TYPE_CHECKING:
    from collections.abc import Sequence

    from numpy.typing import ArrayLike, DTypeLike

    from .creation import DeviceLike
    from .random import GeneratorLike


def _constant_through(sample, *parameters):
    """sample, kept in the graph with zero derivative when a parameter requires grad."""
    live = [p for p in parameters if isinstance(p, Tensor) and p.requires_grad]
    if not (live and _state.grad_enabled):
        return make(sample)
    anchor = live[0]
    for p in live[1:]:
        anchor = ops.add(anchor, p)
    return ops.where(np.zeros(sample.shape, bool), anchor, sample)


def _data(x):
    return x.array if isinstance(x, Tensor) else np.asarray(x)


def randperm(n: int, *, generator: GeneratorLike = None, dtype: DTypeLike = np.int64,
             device: DeviceLike = None, requires_grad: bool = False) -> Tensor:
    """A random permutation of 0, ..., n−1."""
    check_device(device, "randperm")
    if n < 0:
        raise RuntimeError(f"randperm: n must be non-negative, got {n}")
    values = numpy_generator(generator).permutation(n).astype(dtype)
    return leaf(values, requires_grad=requires_grad)


def multinomial(input: Tensor | ArrayLike, num_samples: int, replacement: bool = False, *,
                generator: GeneratorLike = None) -> Tensor:
    """Indices drawn with probabilities proportional to the (unnormalised, non-negative)
    weights of each row of input (1-D or 2-D), with or without replacement."""
    weights = np.asarray(_data(input), np.float64)
    if weights.ndim not in (1, 2):
        raise RuntimeError("multinomial: prob_dist must be 1 or 2 dim")
    rows = weights.reshape(-1, weights.shape[-1])
    if np.any(rows < 0) or not np.all(np.isfinite(rows)):
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or "
                           "element < 0")
    if np.any(rows.sum(axis=1) <= 0):
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of "
                           "probabilities <= 0)")
    if not replacement and num_samples > rows.shape[1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    if not replacement and np.any(np.count_nonzero(rows, axis=1) < num_samples):
        raise RuntimeError("invalid multinomial distribution (with replacement=False, not "
                           "enough non-negative category to sample)")
    rng = numpy_generator(generator)
    out = np.stack([rng.choice(rows.shape[1], num_samples, replace=replacement,
                               p=row / row.sum()) for row in rows]).astype(np.int64)
    return make(out.reshape(weights.shape[:-1] + (num_samples,)))


def bernoulli(input: Tensor | ArrayLike, p: float | None = None, *,
              generator: GeneratorLike = None) -> Tensor:
    """1 with probability input (or p), else 0, elementwise; input's dtype and shape."""
    probs = _data(input)
    if p is not None:
        probs = np.full(probs.shape, p)
    if np.any((probs < 0) | (probs > 1)):
        raise RuntimeError("bernoulli: all elements of input should be between 0 and 1")
    sample = numpy_generator(generator).random(np.shape(probs)) < probs
    dtype = _data(input).dtype if _data(input).dtype.kind == "f" else get_default_dtype()
    return _constant_through(sample.astype(dtype), input)


def normal(mean: Tensor | float = 0.0, std: Tensor | float = 1.0,
           size: Sequence[int] | None = None, *, generator: GeneratorLike = None,
           dtype: DTypeLike | None = None, device: DeviceLike = None,
           requires_grad: bool = False) -> Tensor:
    """Samples of N(mean, std²): normal(mean_tensor, std_tensor) broadcasts them,
    normal(mean_tensor, std=1.0), normal(mean, std_tensor), normal(mean, std, size)."""
    check_device(device, "normal")
    tensors = isinstance(mean, Tensor) or isinstance(std, Tensor)
    if size is not None and tensors:
        raise TypeError("normal: size= goes with a float mean and std; with tensors the "
                        "shape is theirs")
    if size is None and not tensors:
        raise TypeError("normal() missing 'size': normal(mean, std, size) with float mean and "
                        "std")
    mean_a, std_a = _data(mean), _data(std)
    if np.any(std_a < 0):
        raise RuntimeError(f"normal expects all elements of std >= 0.0, got {std_a.min()}")
    shape = np.broadcast_shapes(mean_a.shape, std_a.shape) if size is None else _shape(size)
    draw = numpy_generator(generator).standard_normal(shape)
    dtype = dtype or next((a.dtype for a in (mean_a, std_a) if a.dtype.kind == "f" and a.ndim),
                          get_default_dtype())
    sample = (mean_a + std_a * draw).astype(dtype)
    result = _constant_through(sample, mean, std)
    return result.requires_grad_() if requires_grad else result


def _like(input, dtype):
    dtype = np.dtype(dtype) if dtype is not None else np.result_type(_data(input))
    return np.shape(input), dtype


def _float_samples_like(who, kernel, draw, input, dtype, device, requires_grad, generator):
    """draw(rng, shape) in input's shape and (floating) dtype; PyTorch's error for others."""
    check_device(device, who)
    shape, dtype = _like(input, dtype)
    if dtype.kind != "f":
        raise NotImplementedError(f'"{kernel}" not implemented for {dtype}')
    values = draw(numpy_generator(generator), shape).astype(dtype)
    return leaf(values, requires_grad=requires_grad)


def rand_like(input: Tensor | ArrayLike, *, dtype: DTypeLike | None = None,
              device: DeviceLike = None, requires_grad: bool = False,
              generator: GeneratorLike = None) -> Tensor:
    """Uniform samples on [0, 1) of input's shape and (floating) dtype."""
    return _float_samples_like("rand_like", "check_uniform_bounds",
                               lambda rng, shape: rng.random(shape),
                               input, dtype, device, requires_grad, generator)


def randn_like(input: Tensor | ArrayLike, *, dtype: DTypeLike | None = None,
               device: DeviceLike = None, requires_grad: bool = False,
               generator: GeneratorLike = None) -> Tensor:
    """Standard normal samples of input's shape and (floating) dtype."""
    return _float_samples_like("randn_like", "normal_kernel_cpu",
                               lambda rng, shape: rng.standard_normal(shape),
                               input, dtype, device, requires_grad, generator)


def randint_like(input: Tensor | ArrayLike, low: int = 0, high: int | None = None, *,
                 dtype: DTypeLike | None = None, device: DeviceLike = None,
                 requires_grad: bool = False, generator: GeneratorLike = None) -> Tensor:
    """Uniform integers in [low, high) of input's shape and dtype: randint_like(x, high) or
    randint_like(x, low, high)."""
    check_device(device, "randint_like")
    if high is None:
        low, high = 0, low
    low, high, _ = _randint_args("randint_like", (), low, high, ())
    shape, dtype = _like(input, dtype)
    values = numpy_generator(generator).integers(low, high, shape).astype(dtype)
    return leaf(values, requires_grad=requires_grad)
