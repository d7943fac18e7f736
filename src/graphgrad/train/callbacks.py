"""Callbacks: code run by ``fit`` at the start, after every epoch and at the end.

A callback overrides any of ``on_train_begin(run)``, ``on_epoch_end(run, epoch, logs)`` and
``on_train_end(run)``; ``run`` (a ``Run``) holds the model, optimizer, history, ... and
``run.stop = True`` ends training after the current epoch.
"""
import math

import numpy as np

from .history import _better


class Callback:
    """Base class with hooks that do nothing."""

    def on_train_begin(self, run):
        pass

    def on_epoch_end(self, run, epoch, logs):
        pass

    def on_train_end(self, run):
        pass


class EarlyStopping(Callback):
    """Stop when `monitor` has not improved by more than `min_delta` for `patience` epochs;
    with restore_best_weights, put back the parameters of the best epoch at the end."""

    def __init__(self, monitor="val_loss", patience=5, min_delta=0.0, mode="auto",
                 restore_best_weights=True):
        self.monitor, self.patience, self.min_delta = monitor, patience, abs(min_delta)
        self.better = _better(monitor, mode)
        self._sign = 1.0 if self.better(0, 1) else -1.0  # +1 when lower is better
        self.restore_best_weights = restore_best_weights
        self.best = self.best_epoch = self.best_state = None
        self.wait = 0
        self.stopped_epoch = None

    def on_train_begin(self, run):
        self.best = self.best_epoch = self.best_state = None
        self.wait = 0

    def _improved(self, value):
        if self.best is None:
            return True
        shifted = value + self._sign * self.min_delta   # must beat the best by min_delta
        return self.better(shifted, self.best)

    def on_epoch_end(self, run, epoch, logs):
        value = logs.get(self.monitor)
        if value is None:
            raise KeyError(f"EarlyStopping monitors {self.monitor!r}, which this run does not "
                           f"measure (it has {sorted(logs)}); pass val_data for val_* metrics")
        if not math.isnan(value) and self._improved(value):    # a diverged run never improves
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_state = {k: np.array(v.array if hasattr(v, "array") else v)
                                   for k, v in run.model.state_dict().items()}
            return
        self.wait += 1
        if self.wait >= self.patience:
            run.stop, self.stopped_epoch = True, epoch

    def on_train_end(self, run):
        if self.restore_best_weights and self.best_state is not None:
            run.model.load_state_dict(self.best_state)


class ModelCheckpoint(Callback):
    """Save a checkpoint (model, optimizer, schedulers, history; see save_checkpoint) to
    `path` after every epoch, or only when `monitor` improves with save_best_only. `path` may
    contain ``{epoch}``."""

    def __init__(self, path, monitor="val_loss", save_best_only=False, mode="auto"):
        self.path, self.monitor, self.save_best_only = str(path), monitor, save_best_only
        self.better = _better(monitor, mode)
        self.best = None

    def on_epoch_end(self, run, epoch, logs):
        if self.save_best_only:
            value = logs.get(self.monitor)
            if value is None or (self.best is not None and not self.better(value, self.best)):
                return
            self.best = value
        from .checkpoint import save_checkpoint
        save_checkpoint(self.path.format(epoch=epoch), run, epoch)


class LambdaCallback(Callback):
    """A callback from plain functions: LambdaCallback(on_epoch_end=lambda run, e, logs: ...)."""

    def __init__(self, on_train_begin=None, on_epoch_end=None, on_train_end=None):
        for name, fn in (("on_train_begin", on_train_begin), ("on_epoch_end", on_epoch_end),
                         ("on_train_end", on_train_end)):
            if fn is not None:
                setattr(self, name, fn)
