"""torch.utils.data.dataloader's names: DataLoader and default_collate."""
from ...data import DataLoader, default_collate

__all__ = ["DataLoader", "default_collate"]
