"""Checkpoints of a training run through ``gg.save`` / ``gg.load``: the model's and the
optimizer's state, the schedulers', the number of completed epochs, the history and (when the
run has one) its configuration, so ``fit(..., resume=path)`` continues where the run stopped
(with the same data order, for seeded loaders) and ``graphgrad train --resume`` needs no
other option.

Epochs are counted from 1 everywhere: ``epoch`` is the last completed epoch. Checkpoints of
format 1 (without ``version``) counted from 0 and are read as such.
"""
import json
import math
import os

from ..io import load, save
from .history import History

VERSION = 2


def strict_json(obj, **options):
    """json.dumps that writes strict JSON: NaN and ±Infinity become null."""
    return json.dumps(_finite(obj), allow_nan=False, **options)


def _finite(obj):
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def run_state(run, epoch):
    """The run after `epoch` (1-based, completed) as one dict of tensors, numbers and text."""
    return {
        "version": VERSION,
        "model": run.model.state_dict(),
        "optimizer": run.optimizer.state_dict(),
        "schedulers": [s.state_dict() for s in run.schedulers],
        "epoch": int(epoch),
        "history": strict_json(run.history.to_dict()),
        "config": strict_json(getattr(run, "config", None)),
    }


def save_checkpoint(path, run, epoch):
    """Write the run's state after `epoch` to path (atomically: gg.save)."""
    save(run_state(run, epoch), path)


def read_checkpoint(path):
    """The saved state as a dict, with 'epoch' (completed epochs), 'history' (a History) and
    'config' (a dict, or None) decoded; ValueError for a file that is no training checkpoint."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no checkpoint {os.fspath(path)!r}: " + (
            "it is a folder" if os.path.isdir(path) else "no such file"))
    state = load(path)
    missing = [k for k in ("model", "optimizer", "epoch", "history")
               if not isinstance(state, dict) or k not in state]
    if missing:
        raise ValueError(f"{os.fspath(path)} is not a training checkpoint (it has no "
                         f"{', '.join(map(repr, missing))})")
    history = History.from_dict(json.loads(str(state["history"])))
    epoch = int(state["epoch"])
    if int(state.get("version", 1)) < 2:  # format 1 counted epochs from 0
        epoch += 1
        history.epochs = [e + 1 for e in history.epochs]
    state.update(epoch=epoch, history=history,
                 config=json.loads(str(state.get("config", "null"))))
    return state


def load_checkpoint(path, run, schedulers=True):
    """Restore a run saved by save_checkpoint; returns the number of completed epochs.

    schedulers=False keeps the run's own (newly built) schedulers instead of the saved ones,
    and with them the learning rates they set."""
    state = read_checkpoint(path)
    saved = state.get("schedulers", [])
    if schedulers and len(saved) != len(run.schedulers):
        raise ValueError(f"checkpoint {path} has {len(saved)} schedulers, this run "
                         f"{len(run.schedulers)}; create the same schedulers to resume")
    run.model.load_state_dict(state["model"])
    kept = [{k: g[k] for k in ("lr", "initial_lr") if k in g}
            for g in run.optimizer.param_groups]
    run.optimizer.load_state_dict(state["optimizer"])
    if schedulers:
        for scheduler, sub in zip(run.schedulers, saved):
            scheduler.load_state_dict(sub)
    else:
        for group, lrs in zip(run.optimizer.param_groups, kept):
            group.update(lrs)
    run.history = state["history"]
    return state["epoch"]
