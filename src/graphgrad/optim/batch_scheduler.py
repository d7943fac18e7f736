"""The batch-size scheduler of 003 §3.4.3: grow the batch size during training instead of
decaying the learning rate.

The noise of a mini-batch step scales like ε/|B| (003's table: with a mean loss, doubling |B|
halves the gradient variance V, halving ε halves the step length L), so multiplying |B| by k
at the epochs where a schedule would divide ε by k reaches similar results with fewer, larger
(better parallelisable) steps (Smith, Kindermans, Ying & Le, "Don't decay the learning rate,
increase the batch size", 2018). Once |B| reaches ``max_batch_size`` the scheduler falls back
to dividing the learning rate by the factor, as they do.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing import Protocol

    from .optimizer import Optimizer

    class Batched(Protocol):
        """A data loader whose batch size can be changed (gg.data.DataLoader)."""

        batch_size: int


class BatchSizeScheduler:
    """Multiply ``loader.batch_size`` by `factor` at each milestone epoch (or every `step_size`
    epochs); past `max_batch_size`, divide the optimizer's lr by `factor` instead (when an
    optimizer is given). Call ``step()`` once per epoch, like an lr scheduler; the loader uses
    the new size from its next epoch on.

    >>> loader = gg.data.DataLoader(train, batch_size=32, shuffle=True, seed=0)
    >>> grow = gg.optim.BatchSizeScheduler(loader, milestones=[10, 20], factor=4)
    """

    per_batch = False  # stepped once per epoch, as the lr schedulers (see LRScheduler)

    def __init__(self, loader: Batched, milestones: Sequence[int] | None = None,
                 step_size: int | None = None, factor: float = 2, max_batch_size: int | None = None,
                 optimizer: Optimizer | None = None, last_epoch: int = 0) -> None:
        if (milestones is None) == (step_size is None):
            raise ValueError("BatchSizeScheduler: give either milestones (epochs) or step_size")
        if factor <= 1:
            raise ValueError(f"BatchSizeScheduler: factor must be > 1, got {factor}")
        if not hasattr(loader, "batch_size"):
            raise TypeError(f"BatchSizeScheduler needs a loader with a batch_size attribute, got "
                            f"{type(loader).__name__}")
        self.loader, self.optimizer = loader, optimizer
        self.milestones = sorted(milestones) if milestones is not None else None
        self.step_size, self.factor, self.max_batch_size = step_size, factor, max_batch_size
        self.last_epoch = last_epoch

    def _is_milestone(self, epoch):
        if self.milestones is not None:
            return self.milestones.count(epoch)
        return int(epoch > 0 and epoch % self.step_size == 0)

    def step(self) -> None:
        """Advance one epoch: grow the batch (or shrink the lr) at a milestone."""
        self.last_epoch += 1
        for _ in range(self._is_milestone(self.last_epoch)):
            grown = int(round(self.loader.batch_size * self.factor))
            if self.max_batch_size is None or grown <= self.max_batch_size:
                self.loader.batch_size = grown
            elif self.optimizer is not None:
                for group in self.optimizer.param_groups:
                    group["lr"] = group["lr"] / self.factor

    def get_last_batch_size(self) -> int:
        return self.loader.batch_size

    def state_dict(self) -> dict[str, int]:
        return {"last_epoch": self.last_epoch, "batch_size": self.loader.batch_size}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.last_epoch = int(state_dict["last_epoch"])
        self.loader.batch_size = int(state_dict["batch_size"])
