"""torch.utils.data's name for graphgrad.data: the same objects (Dataset, TensorDataset,
DataLoader, the samplers, random_split, default_collate, ...), so that
``from graphgrad.utils.data import DataLoader`` works as in PyTorch."""
from ...data import *  # noqa: F403
from ...data import __all__ as __all__
from . import dataloader, dataset, distributed, sampler  # noqa: F401  (torch.utils.data.<module>)
from .distributed import DistributedSampler

__all__ = [*__all__, "DistributedSampler"]
