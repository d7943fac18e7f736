"""How training stops before its last epoch without losing anything: a loss that is no longer
finite (``DivergenceError``), and Ctrl-C or ``kill`` (``GracefulStop``, ``TrainingInterrupted``).

In both cases the checkpoint of the last completed epoch is left as it is (it is written only
after an epoch whose loss and weights are finite), and the error carries the History of the
completed epochs.
"""
import math
import os
import signal
import threading

import numpy as np


class DivergenceError(RuntimeError):
    """Training produced a non-finite loss (or weights): where, with which learning rate, and
    what was kept. Attributes: value, epoch, step, steps, lr, epochs_done, history,
    checkpoint."""

    def __init__(self, what, value, step=None, steps=None, lr=None):
        """step None: found at the end of the epoch (validation loss, weights)."""
        self.what, self.value, self.step, self.steps, self.lr = what, value, step, steps, lr
        self.epoch = self.epochs_done = self.history = self.checkpoint = None
        super().__init__(self._message())

    def located(self, epoch, history, checkpoint):
        """The same error, told where it happened and what was kept."""
        self.epoch, self.epochs_done = epoch, epoch - 1
        self.history, self.checkpoint = history, checkpoint
        self.args = (self._message(),)
        return self

    def _message(self):
        if self.step is None:
            at = "" if self.epoch is None else f" at the end of epoch {self.epoch}"
        else:
            where = [] if self.epoch is None else [f"epoch {self.epoch}"]
            where.append(f"step {self.step}" + (f" of {self.steps}" if self.steps else ""))
            at = f" at {', '.join(where)}"
        lr = "" if self.lr is None else f" (learning rate {self.lr:g})"
        text = f"training diverged: {self.what} is {self.value}{at}{lr}"
        if self.epoch is not None:
            text += "; " + _kept(self.epochs_done, self.checkpoint)
        return text + "; try a smaller learning rate"


class TrainingInterrupted(KeyboardInterrupt):
    """Training stopped by SIGINT (Ctrl-C) or SIGTERM after finishing its current step.
    Attributes: signal, epochs_done (completed epochs, whose checkpoint is kept), history,
    checkpoint."""

    def __init__(self, signum, epochs_done, history, checkpoint):
        self.signal, self.epochs_done = signum, epochs_done
        self.history, self.checkpoint = history, checkpoint
        name = signal.Signals(signum).name
        super().__init__(f"training stopped by {name} after {epochs_done} completed epochs; "
                         + _kept(epochs_done, checkpoint))


def _kept(epochs_done, checkpoint):
    if checkpoint is None:
        return "no checkpoint was asked for"
    if epochs_done < 1:
        return "no epoch was completed, so there is no checkpoint"
    return f"the checkpoint of epoch {epochs_done} is kept in {checkpoint}"


class GracefulStop:
    """While active (``with GracefulStop() as stop``), the first SIGINT or SIGTERM only sets
    ``stop.signal`` (fit then ends after the current step) and says so on stderr; a second one
    raises KeyboardInterrupt at once. Outside the main thread, where Python cannot handle
    signals, it does nothing."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        self.signal = None
        self._previous = {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def _handle(self, signum, frame):
        if self.signal is not None:
            raise KeyboardInterrupt
        self.signal = signum
        # os.write: print() from a signal handler may re-enter a busy stream
        os.write(2, f"\n{signal.Signals(signum).name}: finishing this step, then saving "
                    "(again to stop at once)\n".encode())

    def __exit__(self, *exc):
        for signum, handler in self._previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        self._previous.clear()
        return False


def check_finite_epoch(logs, params):
    """DivergenceError when an epoch ends with a non-finite validation loss or weights (the
    training loss is checked at every step)."""
    value = logs.get("val_loss")
    if value is not None and not math.isfinite(value):
        raise DivergenceError("the validation loss", value, lr=logs.get("lr"))
    for name, p in params:
        if not np.isfinite(p.array).all():
            raise DivergenceError(f"parameter {name}", "not finite", lr=logs.get("lr"))
