"""Data-parallel training over MPI (Horovod's and PyTorch's DistributedDataParallel's way):
every rank holds the model, trains on its shard of each batch, and the gradients are averaged
with Allreduce.

    import graphgrad as gg
    gg.distributed.init()                     # under mpiexec: MPI_COMM_WORLD; else a world of 1
    model = gg.distributed.DistributedDataParallel(gg.nn.MLP([784, 256, 128, 10]))
    sampler = gg.utils.data.DistributedSampler(train_set, shuffle=True, seed=0)
    ...
    loss.backward()                           # .grad = the mean of the ranks' gradients

BatchNorm keeps per-rank statistics, as in PyTorch; ``SyncBatchNorm.convert_sync_batchnorm(model)``
normalises by the global batch's instead.

Run with ``mpiexec -n 4 python train.py`` (``pip install 'graphgrad[distributed]'`` brings
mpi4py and MPICH's mpiexec). docs/distributed.md has the details, several machines and Slurm.
"""
from .comm import (
    DistributedError,
    DistributedTimeout,
    abort,
    all_reduce,
    barrier,
    broadcast,
    check_same,
    fingerprint,
    init,
    is_initialized,
    launched_by_mpi,
    rank,
    world_size,
)
from .ddp import DistributedDataParallel
from .shard import JobShard, ShardedLoader, shard_bounds
from .sync_batch_norm import SyncBatchNorm, sum_over_ranks

#: torch.distributed's names for the same functions.
get_rank, get_world_size = rank, world_size

__all__ = ["init", "is_initialized", "rank", "world_size", "get_rank", "get_world_size",
           "all_reduce", "broadcast", "barrier", "abort", "check_same", "fingerprint",
           "launched_by_mpi", "DistributedDataParallel", "SyncBatchNorm", "sum_over_ranks",
           "ShardedLoader", "JobShard", "shard_bounds", "DistributedError", "DistributedTimeout"]
