"""graphgrad.utils, as torch.utils: ``gg.utils.data`` is graphgrad.data under PyTorch's name."""
from . import data

__all__ = ["data"]
