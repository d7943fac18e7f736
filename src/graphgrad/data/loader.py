"""DataLoader: mini-batches of a dataset for an epoch (003 §3.4.1-2), shuffled reproducibly.

For a dataset that answers a batch of indices at once (TensorDataset, and Subsets of one) a
batch costs one indexing per tensor — a view when the order is sequential, one gather when
shuffled; other datasets are read sample by sample and stacked.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..random import Generator, numpy_generator
from ..tensor import Tensor

if TYPE_CHECKING:
    from ..random import GeneratorLike
    from .datasets import Dataset


class DataLoader:
    """Iterate over `dataset` in batches of `batch_size` (the last one smaller unless
    `drop_last`). With `shuffle`, every epoch visits the samples in a new random order; with a
    `seed` that order depends only on (seed, epoch), so runs and resumed runs repeat exactly;
    with a `generator` (a gg.Generator, a NumPy Generator or a seed) the orders are drawn from
    it one epoch after another, and with neither from the global generator (gg.manual_seed).
    ``batch_size`` may be changed between epochs (see gg.optim.BatchSizeScheduler)."""

    def __init__(self, dataset: Dataset, batch_size: int = 1, shuffle: bool = False,
                 drop_last: bool = False, seed: int | None = None, generator: GeneratorLike = None,
                 collate_fn: Callable[[list[Any]], Any] | None = None) -> None:
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got "
                             f"{batch_size!r}")
        if seed is not None and generator is not None:
            raise ValueError("DataLoader: give seed or generator, not both")
        self.dataset, self.batch_size = dataset, int(batch_size)
        self.shuffle, self.drop_last = shuffle, drop_last
        if generator is not None and not isinstance(generator, (Generator, np.random.Generator)):
            # a seed: one stream for the loader's life (a fresh generator each epoch would
            # repeat the first order); a gg.Generator is kept, so re-seeding it takes effect
            generator = np.random.default_rng(generator)
        self.seed, self.generator, self.collate_fn = seed, generator, collate_fn
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Make the next iteration use the order of `epoch` (when resuming a run)."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        n, size = len(self.dataset), self.batch_size
        return n // size if self.drop_last else -(-n // size)

    def _order(self):
        n = len(self.dataset)
        if not self.shuffle:
            return None
        if self.seed is not None:
            return np.random.default_rng([self.seed, self.epoch]).permutation(n)
        return numpy_generator(self.generator).permutation(n)

    def __iter__(self) -> Iterator[Any]:
        order = self._order()
        self.epoch += 1
        fetch = self._fetcher()
        n, size = len(self.dataset), self.batch_size
        stop = n - n % size if self.drop_last else n
        for start in range(0, stop, size):
            index = slice(start, min(start + size, n)) if order is None \
                else order[start:start + size]
            yield fetch(index)

    def _fetcher(self):
        """index (a slice or an array of indices) -> batch: the dataset indexed by the whole batch
        when it answers batches and no collate_fn is given, else read sample by sample and
        collated."""
        dataset = self.dataset
        if self.collate_fn is None and getattr(dataset, "batchable", False):
            return dataset.__getitem__
        collate = self.collate_fn or default_collate

        def fetch(index):
            if isinstance(index, slice):
                index = range(index.start, index.stop)
            return collate([dataset[int(i)] for i in index])
        return fetch

    def __repr__(self) -> str:
        return (f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)}, batch_size="
                f"{self.batch_size}, shuffle={self.shuffle}, drop_last={self.drop_last})")


def default_collate(samples: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch: tuples field by field, tensors/arrays/numbers
    into one tensor with a new leading axis, dicts key by key."""
    first = samples[0]
    if isinstance(first, (tuple, list)):
        return type(first)(default_collate(list(field)) for field in zip(*samples))
    if isinstance(first, dict):
        return {key: default_collate([s[key] for s in samples]) for key in first}
    return Tensor(np.stack([s.data if isinstance(s, Tensor) else np.asarray(s)
                            for s in samples]))
