"""``gg.backends``: PyTorch's backend queries (only ``mps`` is mirrored: device-picking code
asks it)."""
from . import mps

__all__ = ["mps"]
