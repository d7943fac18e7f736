"""Samplers: the orders in which a DataLoader visits a dataset, as torch.utils.data's.

A sampler is an iterable of indices (a batch sampler: of lists of indices). The samplers here
also give an epoch's indices as one array (``_order()``, drawn as ``__iter__`` draws; None:
0, 1, 2, … in order), which the DataLoader cuts into batches without a Python step per
sample. Random samplers draw from `generator`: a gg.Generator, a NumPy Generator, a seed
(one stream for the sampler's life) or None for the global generator (gg.manual_seed).
"""
from __future__ import annotations

import numbers
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import TYPE_CHECKING, Any

import numpy as np

from ..random import Generator, numpy_generator

if TYPE_CHECKING:
    from ..random import GeneratorLike


def stream(generator: GeneratorLike) -> GeneratorLike:
    """A generator argument kept for repeated draws: a seed becomes one NumPy stream (a fresh
    generator from the seed each epoch would repeat the first order); gg.Generators and NumPy
    Generators are kept, so re-seeding them takes effect."""
    if generator is None or isinstance(generator, (Generator, np.random.Generator)):
        return generator
    return np.random.default_rng(generator)


def _positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{name} should be a positive integer value, but got {name}={value!r}")
    return int(value)


def _boolean(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} should be a boolean value, but got {name}={value!r}")
    return bool(value)


class Sampler:
    """Base class: subclasses define ``__iter__`` (and ``__len__`` where they know it)."""

    def __init__(self, data_source: Sized | None = None) -> None:
        pass

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} does not implement __iter__")


class SequentialSampler(Sampler):
    """0, 1, …, len(data_source) − 1."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)

    def _order(self) -> None:
        return None


class RandomSampler(Sampler):
    """A random permutation of the indices, or with replacement num_samples draws; without
    replacement num_samples may exceed the dataset: whole permutations follow each other."""

    def __init__(self, data_source: Sized, replacement: bool = False,
                 num_samples: int | None = None, generator: GeneratorLike = None) -> None:
        self.data_source = data_source
        self.replacement = _boolean(replacement, "replacement")
        self._num_samples = num_samples
        self.generator = stream(generator)
        _positive_int(self.num_samples, "num_samples")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __len__(self) -> int:
        return self.num_samples

    def _order(self) -> np.ndarray:
        rng, n, count = numpy_generator(self.generator), len(self.data_source), self.num_samples
        if self.replacement:
            return rng.integers(0, n, count)
        full, rest = divmod(count, n)
        parts = [rng.permutation(n) for _ in range(full)]
        if rest:
            parts.append(rng.permutation(n)[:rest])
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def draws(self, size: int, drop_last: bool = False) -> Iterator[np.ndarray]:
        """With replacement: the num_samples indices, `size` at a time, drawn as they are
        needed (as PyTorch does: a huge num_samples costs nothing up front)."""
        rng, n, left = numpy_generator(self.generator), len(self.data_source), self.num_samples
        while left >= size or (left and not drop_last):
            count = min(size, left)
            yield rng.integers(0, n, count)
            left -= count

    def __iter__(self) -> Iterator[int]:
        if self.replacement:
            return (int(i) for chunk in self.draws(32) for i in chunk.tolist())
        return iter(self._order().tolist())


class SubsetRandomSampler(Sampler):
    """The given indices in a random order (without replacement)."""

    def __init__(self, indices: Sequence[int], generator: GeneratorLike = None) -> None:
        self.indices = indices
        self.generator = stream(generator)

    def __len__(self) -> int:
        return len(self.indices)

    def _order(self) -> np.ndarray:
        permutation = numpy_generator(self.generator).permutation(len(self.indices))
        return np.asarray(self.indices, np.int64)[permutation]

    def __iter__(self) -> Iterator[int]:
        permutation = numpy_generator(self.generator).permutation(len(self.indices))
        return (self.indices[i] for i in permutation.tolist())


class WeightedRandomSampler(Sampler):
    """num_samples indices drawn with probabilities proportional to `weights` (with
    replacement by default; without, each index at most once)."""

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator: GeneratorLike = None) -> None:
        self.num_samples = _positive_int(num_samples, "num_samples")
        self.replacement = _boolean(replacement, "replacement")
        weights = np.asarray(weights, np.float64)
        if weights.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape "
                             f"{weights.shape}")
        self.weights, self.generator = weights, stream(generator)

    def __len__(self) -> int:
        return self.num_samples

    def _order(self) -> np.ndarray:
        w = self.weights
        if not np.all(np.isfinite(w)) or np.any(w < 0) or not w.sum() > 0:
            raise RuntimeError("WeightedRandomSampler: invalid multinomial distribution: the "
                               "weights must be finite, non-negative and not all zero")
        if not self.replacement and self.num_samples > np.count_nonzero(w):
            raise RuntimeError(f"WeightedRandomSampler: cannot sample {self.num_samples} indices "
                               f"without replacement from {np.count_nonzero(w)} nonzero weights")
        rng = numpy_generator(self.generator)
        return rng.choice(len(w), self.num_samples, replace=self.replacement, p=w / w.sum())

    def __iter__(self) -> Iterator[int]:
        return iter(self._order().tolist())


class BatchSampler(Sampler):
    """Lists of batch_size indices from `sampler` (the last one shorter unless drop_last)."""

    def __init__(self, sampler: Sampler | Iterable[int], batch_size: int,
                 drop_last: bool) -> None:
        self.sampler = sampler
        self.batch_size = _positive_int(batch_size, "batch_size")
        self.drop_last = _boolean(drop_last, "drop_last")

    def __iter__(self) -> Iterator[list[int]]:
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n, size = len(self.sampler), self.batch_size
        return n // size if self.drop_last else -(-n // size)
