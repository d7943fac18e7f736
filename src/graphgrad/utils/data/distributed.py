"""DistributedSampler: each rank's share of a dataset, as torch.utils.data.distributed's.

Every rank draws the same order of the n indices (shuffled from (seed, epoch): call
``set_epoch`` before each epoch for a new order), pads it by repeating its beginning to
total = N·⌈n/N⌉ indices (or, with drop_last, cuts it to N·⌊n/N⌋), and keeps every N-th index
from its rank on: order[rank : total : N]. The shares are disjoint up to the padding and
together cover the dataset.

num_replicas and rank default to the job's world size and rank as the MPI launcher set them
(mpiexec, mpirun, srun: the same numbers as gg.distributed.world_size() and rank()); in a
process not started by one, 1 and 0.
"""
from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping, Sized

import numpy as np

from ...data.sampler import Sampler

__all__ = ["DistributedSampler", "launcher_world"]

#: (rank variable, size variable) of the launchers: MPICH/Intel MPI, Open MPI, PMIx, Slurm.
_LAUNCHERS = (("PMI_RANK", "PMI_SIZE"), ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"),
              ("PMIX_RANK", "PMIX_SIZE"), ("SLURM_PROCID", "SLURM_NTASKS"))


def launcher_world(environ: Mapping[str, str] | None = None) -> tuple[int, int] | None:
    """(rank, world size) as set by the MPI launcher that started this process, or None."""
    environ = os.environ if environ is None else environ
    for rank_name, size_name in _LAUNCHERS:
        if rank_name in environ and size_name in environ:
            return int(environ[rank_name]), int(environ[size_name])
    return None


class DistributedSampler(Sampler):
    """The indices of dataset that rank `rank` of `num_replicas` visits in an epoch (PyTorch's
    semantics: padding by repetition unless drop_last; the same permutation on every rank,
    drawn from seed + epoch)."""

    def __init__(self, dataset: Sized, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None or rank is None:
            rank_env, size_env = launcher_world() or (0, 1)
            num_replicas = size_env if num_replicas is None else num_replicas
            rank = rank_env if rank is None else rank
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset, self.num_replicas, self.rank = dataset, int(num_replicas), int(rank)
        self.epoch, self.drop_last, self.shuffle, self.seed = 0, bool(drop_last), bool(shuffle), \
            int(seed)
        n = len(dataset)
        if self.drop_last and n % self.num_replicas != 0:
            self.num_samples = math.ceil((n - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas

    def _order(self) -> np.ndarray:
        """This rank's indices for the current epoch, as one array."""
        n = len(self.dataset)
        if self.shuffle:
            indices = np.random.default_rng([self.seed, self.epoch]).permutation(n)
        else:
            indices = np.arange(n)
        if not self.drop_last:
            padding = self.total_size - n
            if padding:
                indices = np.concatenate([indices, np.resize(indices, padding)])
        else:
            indices = indices[:self.total_size]
        return indices[self.rank:self.total_size:self.num_replicas]

    def __iter__(self) -> Iterator[int]:
        return iter(self._order().tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Use the order of `epoch` (call it before each epoch, or every epoch is the same)."""
        self.epoch = int(epoch)
