"""Checkpoints of a training run through ``gg.save`` / ``gg.load``: the model's and the
optimizer's state, the schedulers', the epoch and the history, so ``fit(..., resume=path)``
continues where the run stopped (with the same data order, for seeded loaders)."""
import json

from ..io import load, save
from .history import History


def run_state(run, epoch):
    """The run as one dict of tensors, arrays, numbers and strings."""
    return {
        "model": run.model.state_dict(),
        "optimizer": run.optimizer.state_dict(),
        "schedulers": [s.state_dict() for s in run.schedulers],
        "epoch": int(epoch),
        "history": json.dumps(run.history.to_dict()),
    }


def save_checkpoint(path, run, epoch):
    """Write the run's state after `epoch` to path."""
    save(run_state(run, epoch), path)


def load_checkpoint(path, run):
    """Restore a run saved by save_checkpoint; returns the epoch to continue from."""
    state = load(path)
    run.model.load_state_dict(state["model"])
    run.optimizer.load_state_dict(state["optimizer"])
    saved = state.get("schedulers", [])
    if len(saved) != len(run.schedulers):
        raise ValueError(f"checkpoint {path} has {len(saved)} schedulers, this run "
                         f"{len(run.schedulers)}; create the same schedulers to resume")
    for scheduler, sub in zip(run.schedulers, saved):
        scheduler.load_state_dict(sub)
    run.history = History.from_dict(json.loads(str(state["history"])))
    return int(state["epoch"]) + 1
