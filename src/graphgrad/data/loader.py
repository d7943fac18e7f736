"""DataLoader: mini-batches of a dataset for an epoch (003 §3.4.1-2), with the arguments of
torch.utils.data.DataLoader.

The samples of a batch are picked by a batch sampler (by default BatchSampler over a
SequentialSampler, or a RandomSampler with shuffle=True) and fetched: a dataset that answers a
batch of indices at once (TensorDataset, and Subsets of one) costs one indexing per tensor per
batch — a view when the order is sequential, one gather when shuffled; a dataset with
``__getitems__`` is asked for the whole list; any other is read sample by sample; then the
samples are collated (default_collate).

Loading runs in the calling process. num_workers > 0 is accepted and gives the batches
PyTorch's workers would deliver, in the same order, one after another (no worker processes:
NumPy indexing is rarely worth the cost of sending arrays between processes);
worker_init_fn, if given, is called with worker id 0 before the batches of each epoch (once
with persistent_workers). pin_memory and pin_memory_device are accepted and change nothing
(there is no accelerator memory to pin).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from .collate import default_collate, default_convert
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
    stream,
)

if TYPE_CHECKING:
    from ..random import GeneratorLike
    from .datasets import Dataset

#: Samplers that give an epoch's indices as one array (see sampler.py).
_ARRAY_SAMPLERS = (SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler)


def _check_workers(num_workers, timeout, prefetch_factor, persistent_workers, context):
    if num_workers < 0:
        raise ValueError("DataLoader: num_workers option should be non-negative; use "
                         "num_workers=0 to disable multiprocessing.")
    if timeout < 0:
        raise ValueError("DataLoader: timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError("DataLoader: prefetch_factor option could only be specified in "
                         "multiprocessing: let num_workers > 0 or set prefetch_factor to None.")
    if num_workers == 0 and persistent_workers:
        raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")
    if num_workers == 0 and context is not None:
        raise ValueError("DataLoader: multiprocessing_context can only be used with "
                         "multi-process loading (num_workers > 0), but got num_workers=0")


class DataLoader:
    """Iterate over `dataset` in batches of `batch_size` (the last one smaller unless
    `drop_last`; batch_size=None: sample by sample, without a batch axis), in the order of
    `sampler` or `batch_sampler`, or shuffled with `shuffle`.

    Shuffling draws each epoch's order from `generator` (a gg.Generator, a NumPy Generator or
    a seed: one stream for the loader's life) or the global generator (gg.manual_seed); with
    graphgrad's `seed` the order of an epoch depends only on (seed, epoch), so runs and resumed
    runs (set_epoch) repeat exactly. ``batch_size`` may be changed between epochs (see
    gg.optim.BatchSizeScheduler). The worker options are described in the module docstring."""

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | Iterable | None = None,
                 batch_sampler: Sampler | Iterable[list] | None = None, num_workers: int = 0,
                 collate_fn: Callable[[list[Any]], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable[[int], None] | None = None,
                 multiprocessing_context: Any = None, generator: GeneratorLike = None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True,
                 seed: int | None = None) -> None:
        _check_workers(num_workers, timeout, prefetch_factor, persistent_workers,
                       multiprocessing_context)
        if seed is not None and generator is not None:
            raise ValueError("DataLoader: give seed or generator, not both")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                                 "batch_size, shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and is "
                             "mutually exclusive with drop_last")
        self.generator = stream(generator)
        self.seed = seed
        self.shuffle = bool(shuffle)
        if sampler is None:
            sampler = RandomSampler(dataset, generator=self.generator) if shuffle \
                else SequentialSampler(dataset)
        self._seeded = bool(shuffle) and seed is not None
        self._own_batches = batch_sampler is None and batch_size is not None
        if self._own_batches:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset, self.sampler, self.batch_sampler = dataset, sampler, batch_sampler
        self._batch_size, self.drop_last = batch_size, drop_last
        if collate_fn is None:
            collate_fn = default_collate if batch_sampler is not None else default_convert
        self.collate_fn = collate_fn
        self.num_workers, self.timeout = num_workers, timeout
        self.worker_init_fn, self.multiprocessing_context = worker_init_fn, multiprocessing_context
        self.prefetch_factor, self.persistent_workers = prefetch_factor, persistent_workers
        self.pin_memory, self.pin_memory_device, self.in_order = pin_memory, pin_memory_device, \
            in_order
        self._workers_started = False
        self.epoch = 0

    @property
    def batch_size(self) -> int | None:
        return self._batch_size

    @batch_size.setter
    def batch_size(self, value: int) -> None:
        """A new batch size from the next epoch on (the loader's own batching only)."""
        if not self._own_batches:
            raise ValueError("DataLoader: batch_size can only be changed when the loader makes "
                             "its batches itself (no batch_sampler, batch_size not None)")
        self.batch_sampler = BatchSampler(self.sampler, value, self.drop_last)
        self._batch_size = self.batch_sampler.batch_size

    def set_epoch(self, epoch: int) -> None:
        """Make the next iteration use the order of `epoch` (when resuming a seeded run)."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def _order(self, epoch):
        """The epoch's indices as one array (None: in order)."""
        if self._seeded:
            return np.random.default_rng([self.seed, epoch]).permutation(len(self.dataset))
        return self.sampler._order()

    def _index_batches(self, epoch):
        """Each batch's indices: slices or arrays from the array samplers, else the batch
        sampler's lists."""
        batches = self.batch_sampler
        if not (self._own_batches and type(self.sampler) in _ARRAY_SAMPLERS):
            yield from batches
            return
        size = batches.batch_size
        if type(self.sampler) is RandomSampler and self.sampler.replacement and not self._seeded:
            yield from self.sampler.draws(size, batches.drop_last)
            return
        order = self._order(epoch)
        n = len(self.sampler) if order is None else len(order)
        stop = n - n % size if batches.drop_last else n
        for start in range(0, stop, size):
            yield slice(start, min(start + size, n)) if order is None \
                else order[start:start + size]

    def __iter__(self) -> Iterator[Any]:
        epoch = self.epoch
        self.epoch += 1
        if self.num_workers and self.worker_init_fn is not None and not (
                self.persistent_workers and self._workers_started):
            self.worker_init_fn(0)
        self._workers_started = True
        if self.batch_sampler is None:
            dataset, convert = self.dataset, self.collate_fn
            indices = self._order(epoch).tolist() if self._seeded else self.sampler
            return (convert(dataset[i]) for i in indices)
        return map(self._fetcher(), self._index_batches(epoch))

    def _fetcher(self):
        """indices (a slice, an array or a list) -> batch."""
        dataset, collate = self.dataset, self.collate_fn
        if collate is default_collate and getattr(dataset, "batchable", False):
            def whole(index):
                if index.__class__ is list:
                    index = np.asarray(index, np.int64)
                batch = dataset[index]
                return list(batch) if batch.__class__ is tuple else batch
            return whole
        many = getattr(dataset, "__getitems__", None)

        def fetch(index):
            if isinstance(index, slice):
                index = range(index.start, index.stop)
            elif isinstance(index, np.ndarray):
                index = index.tolist()
            if callable(many):
                return collate(many(list(index)))
            return collate([dataset[i] for i in index])
        return fetch

    def __repr__(self) -> str:
        return (f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)}, batch_size="
                f"{self.batch_size}, shuffle={self.shuffle}, drop_last={self.drop_last})")
