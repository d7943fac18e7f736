"""Global batches split across ranks, so that N processes compute what one process computes.

Every rank draws the same global batches (the same seeded order) and keeps its slice of each:
rank r of N takes rows ⌊rB/N⌋ … ⌊(r+1)B/N⌋ − 1 of a batch of B rows (b_r rows). With a
mean-reduced loss L_r over its rows, the global batch's gradient is

    ∇L = (1/B) Σ_i ∇ℓ_i = (1/N) Σ_r (N b_r / B) ∇L_r,

so each rank's loss is weighted by w_r = N b_r / B before DistributedDataParallel averages the
ranks' gradients. This holds for every batch, the last and smaller one included; a rank whose
slice is empty (B < N) contributes a zero gradient.
"""
import numpy as np

from ..data import DataLoader
from ..tensor import Tensor
from . import comm


def shard_bounds(n, rank, world):
    """(start, stop) of rank's rows in a batch of n rows split over world ranks."""
    return rank * n // world, (rank + 1) * n // world


class ShardedLoader(DataLoader):
    """A DataLoader whose batches are this rank's slices of the global batches that the same
    DataLoader (same arguments, seed and epoch) gives a single process. ``weight`` is
    N b_r / B for the batch last delivered; ``loss(fn)`` wraps a mean-reduced loss with it."""

    def __init__(self, *args, rank=None, world_size=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.batch_sampler is None:
            raise ValueError("ShardedLoader: batches are split across ranks; give a batch_size "
                             "(or a batch_sampler), not batch_size=None")
        comm.init()
        self.rank = comm.rank() if rank is None else int(rank)
        self.world_size = comm.world_size() if world_size is None else int(world_size)
        self.weight = 1.0

    def _index_batches(self, epoch):
        world, rank = self.world_size, self.rank
        for index in super()._index_batches(epoch):
            if isinstance(index, slice):
                n = index.stop - index.start
                lo, hi = shard_bounds(n, rank, world)
                part = slice(index.start + lo, index.start + hi)
            else:
                n = len(index)
                lo, hi = shard_bounds(n, rank, world)
                part = index[lo:hi]
            self.weight = world * (hi - lo) / n
            yield part

    def loss(self, loss_fn):
        """loss_fn(out, target) whose gradient is scaled by this rank's weight w_r (its value,
        what is reported, stays the mean over the rank's rows)."""
        loader = self

        def sharded_loss(out, target):
            if len(target) == 0:                 # an empty slice: no loss, a zero gradient
                return (out * 0.0).sum()
            value = loss_fn(out, target)
            weight = loader.weight
            if weight != 1.0 and isinstance(value, Tensor) and value.requires_grad:
                value.register_hook(lambda g: g * weight)
            return value
        sharded_loss.__name__ = getattr(loss_fn, "__name__", "loss")
        return sharded_loss

    def reduce_sums(self, *sums):
        """Each value summed over the ranks (the epoch's loss sum, correct predictions and
        sample count), as floats."""
        values = np.array(sums, np.float64)
        comm.all_reduce(values, "sum")
        return tuple(values.tolist())


class JobShard:
    """This rank's part of a data-parallel training job (``graphgrad train --distributed``):
    the check that every rank starts alike, the gradient averaging, the split batches."""

    Error = comm.DistributedError

    def __init__(self):
        comm.init()
        self.rank, self.world_size = comm.rank(), comm.world_size()
        self.model = None

    @property
    def lead(self):
        """Whether this rank prints and writes the run's files (rank 0)."""
        return self.rank == 0

    def start(self, options, data, model):
        """Check that every rank has the same options, training data and initial weights
        (DistributedError naming what differs), then average the model's gradients across
        the ranks (DistributedDataParallel, whose hooks live on the parameters)."""
        comm.check_same("the run's options", options, show=options)
        comm.check_same("the training data", *getattr(data, "tensors", (data,)))
        comm.check_same("the initial weights (same --seed and model?)", *model.parameters())
        from .ddp import DistributedDataParallel
        self.model = DistributedDataParallel(model)
        return self.model

    def loader(self, *args, **kwargs):
        """A ShardedLoader for this rank: its slices of the single-process loader's batches."""
        return ShardedLoader(*args, rank=self.rank, world_size=self.world_size, **kwargs)
