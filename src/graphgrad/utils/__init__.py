"""graphgrad.utils, as torch.utils: ``gg.utils.data`` is graphgrad.data under PyTorch's name;
``gg.utils.checkpoint`` is gradient checkpointing (checkpoint, checkpoint_sequential)."""
from . import checkpoint, data

__all__ = ["checkpoint", "data"]
