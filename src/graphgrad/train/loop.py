"""The fit loop: mini-batch training (003 §3.4.1) with evaluation, schedules, callbacks,
checkpoints and resume.

Per batch: zero the gradients, forward, loss, backward, ``optimizer.step()`` (or
``step(closure)`` for L-BFGS, conjugate gradients and line-search GD, which re-evaluate the
loss). Per epoch: the mean loss (and accuracy, for classification) on the training batches and
on the validation data, the learning rate, then the schedulers and the callbacks.

Epochs are numbered from 1 (the History, the callbacks, the checkpoint and the printed lines
agree). A loss that is not finite stops training before it reaches the weights
(``DivergenceError``), and the checkpoint is written only after an epoch whose losses and
weights are finite, so the last good one is never overwritten.
"""
import math
import numbers
import os
import sys
import time
from contextlib import nullcontext

import numpy as np

from ..data import DataLoader, TensorDataset
from ..grad_mode import no_grad
from ..optim import ClosureOptimizer, Optimizer
from ..optim.lr_scheduler import ReduceLROnPlateau
from ..tensor import Tensor
from .history import History
from .stops import DivergenceError, GracefulStop, TrainingInterrupted, check_finite_epoch


class Run:
    """What callbacks see: the model, optimizer, schedulers, history, the epoch (from 1),
    ``stop``, and ``config`` (saved in checkpoints)."""

    def __init__(self, model, optimizer, schedulers, history, config=None):
        self.model, self.optimizer, self.schedulers = model, optimizer, schedulers
        self.history, self.epoch, self.stop, self.config = history, 0, False, config


class _StopRequested(Exception):
    """A signal asked training to stop after the current step."""


def fit(model, loss_fn, optimizer, train_data, val_data=None, epochs=10, scheduler=None,
        callbacks=(), batch_size=32, shuffle=True, seed=None, metric="auto", progress=None,
        verbose=False, checkpoint=None, resume=None, interruptible=False, config=None,
        resume_schedulers=True, compile=False):  # noqa: A002 - gg.compile's name
    """Train `model` to minimise ``loss_fn(model(x), y)`` over `train_data`; returns a History.

    train_data / val_data: a DataLoader, a Dataset, or a pair (x, y) of tensors or arrays
    (batched with batch_size; training batches shuffled, reproducibly when seed is given; a
    floating-point NumPy array of the pair takes the model's dtype, as its layers need).
    epochs: the last epoch (counted from 1; a resumed run continues up to it).
    scheduler: one or a list of lr schedulers (stepped per epoch; OneCycleLR per batch;
    ReduceLROnPlateau with the validation loss, else the training loss) or BatchSizeSchedulers.
    metric: 'auto' (accuracy for class-index or 0/1 targets), None, or f(output, target) ->
    number of correct predictions. progress: a tqdm bar per epoch (default: when stderr is a
    terminal and tqdm is installed). verbose: print one line per epoch.
    checkpoint: a path written after every epoch (with `config`, a JSON-able dict, if given);
    resume: a checkpoint to continue from (resume_schedulers=False: keep the given schedulers,
    newly built, instead of the saved ones).
    interruptible: the first SIGINT/SIGTERM ends training after the current step with
    TrainingInterrupted (the checkpoint of the last completed epoch is kept); a second one
    stops at once. A non-finite loss raises DivergenceError.
    compile: run each batch's forward and backward, and the optimizer step, as programs
    recorded once by gg.compile (the same numbers as eager mode; closure optimizers stay eager).
    """
    _check_arguments(model, loss_fn, optimizer, epochs, callbacks, checkpoint, resume)
    _check_not_empty(train_data, "train_data")
    _check_not_empty(val_data, "val_data")
    dtype = _float_dtype(model)
    train_loader = as_loader(train_data, batch_size, shuffle, seed, dtype)
    val_loader = None if val_data is None else as_loader(val_data, batch_size, False, None,
                                                         dtype)
    schedulers = [] if scheduler is None else list(scheduler) if isinstance(
        scheduler, (list, tuple)) else [scheduler]
    for s in schedulers:
        if not callable(getattr(s, "step", None)):
            raise TypeError(f"fit: scheduler must be an lr or batch-size scheduler (with step()), "
                            f"got {type(s).__name__}")
    run = Run(model, optimizer, schedulers, History(), config)
    run.compiled = _compiled(model, loss_fn, optimizer) if compile else None
    done = 0
    if resume is not None:
        from .checkpoint import load_checkpoint
        done = load_checkpoint(resume, run, schedulers=resume_schedulers)
    metric = _metric(metric, loss_fn)
    bar = _progress(progress)
    for callback in callbacks:
        callback.on_train_begin(run)
    with GracefulStop() if interruptible else nullcontext() as stop:
        for epoch in range(done + 1, epochs + 1):
            try:
                logs = _one_epoch(run, loss_fn, train_loader, val_loader, metric, epoch, epochs,
                                  bar, stop)
            except DivergenceError as e:
                raise e.located(epoch, run.history, checkpoint) from None
            except _StopRequested:
                raise TrainingInterrupted(stop.signal, epoch - 1, run.history,
                                          checkpoint) from None
            if verbose:
                print(_summary(epoch, epochs, logs), flush=True)
            if checkpoint is not None:
                from .checkpoint import save_checkpoint
                save_checkpoint(checkpoint, run, epoch)
            for callback in callbacks:
                callback.on_epoch_end(run, epoch, logs)
            if stop is not None and stop.signal is not None and epoch < epochs:
                raise TrainingInterrupted(stop.signal, epoch, run.history, checkpoint)
            if run.stop:
                break
    for callback in callbacks:
        callback.on_train_end(run)
    return run.history


def _one_epoch(run, loss_fn, train_loader, val_loader, metric, epoch, epochs, bar, stop):
    """Train one epoch and measure it; the logs, recorded in the history."""
    run.epoch = epoch
    if isinstance(train_loader, DataLoader):
        train_loader.set_epoch(epoch - 1)  # the data order of epoch index epoch - 1
    began = time.perf_counter()
    logs = train_epoch(run.model, loss_fn, run.optimizer, train_loader, metric, run.schedulers,
                       bar(train_loader, epoch, epochs), stop=stop, compiled=run.compiled)
    if val_loader is not None:
        measured = evaluate(run.model, loss_fn, val_loader, metric=metric)
        logs.update({f"val_{k}": v for k, v in measured.items()})
    logs["lr"] = float(run.optimizer.param_groups[0]["lr"])
    logs["time"] = time.perf_counter() - began
    check_finite_epoch(logs, _named_parameters(run))
    _step_schedulers(run.schedulers, logs)
    run.history.append(epoch, logs)
    return logs


def _named_parameters(run):
    named = getattr(run.model, "named_parameters", None)
    if callable(named):
        return list(named())
    return [(str(i), p) for i, group in enumerate(run.optimizer.param_groups)
            for p in group["params"]]


def train_epoch(model, loss_fn, optimizer, loader, metric=None, schedulers=(), batches=None,
                stop=None, compiled=None):
    """One pass over the loader, updating the parameters after every batch; returns the mean
    training loss (and accuracy) of the batches as they were seen. A batch whose loss is not
    finite raises DivergenceError before its gradient reaches the weights; `stop` (a
    GracefulStop) ends the pass after the step during which a signal came. compiled: (forward
    and backward, update) from gg.compile (see fit)."""
    _set_mode(model, True)
    per_batch = [s for s in schedulers if _per_batch(s)]
    closure_driven = isinstance(optimizer, ClosureOptimizer)
    postfix = getattr(batches, "set_postfix", None)  # a tqdm bar's
    steps = len(loader) if hasattr(loader, "__len__") else None
    total = _Totals()
    for step, (xb, yb) in enumerate(loader if batches is None else batches, 1):
        if closure_driven:
            out, value = _closure_step(model, loss_fn, optimizer, xb, yb, step, steps)
        else:
            if compiled is not None:
                out, loss = compiled[0](xb, yb)
            else:
                optimizer.zero_grad()
                out = model(xb)
                loss = loss_fn(out, yb)
            value = float(loss.item())
            if not math.isfinite(value):
                raise DivergenceError("the training loss", value, step, steps,
                                      optimizer.param_groups[0]["lr"])
            if compiled is not None:
                compiled[1]()
            else:
                loss.backward()
                optimizer.step()
        total.add(value, out, yb, metric)
        for scheduler in per_batch:
            scheduler.step()
        if postfix is not None:
            postfix(loss=f"{value:.4f}", refresh=False)
        if stop is not None and stop.signal is not None and step != steps:
            raise _StopRequested  # (after the last step, fit completes the epoch)
    return total.logs(getattr(loader, "reduce_sums", None))


def _compiled(model, loss_fn, optimizer):
    """(forward and backward, update) as gg.compile programs: two, so that a loss that is not
    finite is still caught before the update (None for closure optimizers)."""
    if isinstance(optimizer, ClosureOptimizer):
        return None
    from ..compile import compile as compile_step

    def forward_backward(xb, yb):
        optimizer.zero_grad()
        out = model(xb)
        loss = loss_fn(out, yb)
        loss.backward()
        return out, loss
    return compile_step(forward_backward), compile_step(lambda: optimizer.step())


def _closure_step(model, loss_fn, optimizer, xb, yb, step, steps):
    first = []

    def closure():
        optimizer.zero_grad()
        out = model(xb)
        loss = loss_fn(out, yb)
        if not first:  # the loss at the weights the step starts from
            value = float(loss.item())
            if not math.isfinite(value):
                raise DivergenceError("the training loss", value, step, steps,
                                      optimizer.param_groups[0]["lr"])
            first.append((out, value))
        loss.backward()
        return loss
    optimizer.step(closure)
    return first[0]


def _check_arguments(model, loss_fn, optimizer, epochs, callbacks, checkpoint, resume):
    """TypeError/ValueError/FileNotFoundError before training for what would fail later."""
    if not callable(model):
        raise TypeError(f"fit: model must be callable (a Module), got {type(model).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"fit: loss_fn must be callable, got {type(loss_fn).__name__}")
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"fit: optimizer must be a graphgrad Optimizer (gg.optim.SGD, Adam, "
                        f"...), got {type(optimizer).__name__}")
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral):
        raise TypeError(f"fit: epochs must be a whole number, got {epochs!r}")
    if epochs < 0:
        raise ValueError(f"fit: epochs must be >= 0, got {epochs}")
    for i, callback in enumerate(callbacks):
        if not all(callable(getattr(callback, hook, None))
                   for hook in ("on_train_begin", "on_epoch_end", "on_train_end")):
            raise TypeError(f"fit: callbacks[{i}] is a {type(callback).__name__}, not a "
                            "Callback; wrap a function as LambdaCallback(on_epoch_end=f)")
    if checkpoint is not None:
        folder = os.path.dirname(os.path.abspath(checkpoint))
        if os.path.isdir(checkpoint):
            raise IsADirectoryError(f"fit: checkpoint {os.fspath(checkpoint)!r} is a folder; "
                                    "give a file name in it")
        if not os.path.isdir(folder):
            raise FileNotFoundError(f"fit: the folder of checkpoint {os.fspath(checkpoint)!r} "
                                    "does not exist")
    if resume is not None and not os.path.isfile(resume):
        raise FileNotFoundError(f"fit: resume={os.fspath(resume)!r}: no such checkpoint file")


def _check_not_empty(data, name):
    """ValueError for data with no sample (a pair of empty arrays, an empty Dataset)."""
    if isinstance(data, (tuple, list)) and data and hasattr(data[0], "__len__"):
        data = data[0]
    data = getattr(data, "dataset", data)  # a DataLoader's
    if data is not None and hasattr(data, "__len__") and len(data) == 0:
        raise ValueError(f"fit: {name} is empty")


def evaluate(model, loss_fn, data, batch_size=256, metric="auto"):
    """Mean loss (and accuracy) of the model on data, without recording or updating."""
    loader = as_loader(data, batch_size, False, None, _float_dtype(model))
    metric = _metric(metric, loss_fn)
    was_training = getattr(model, "training", None)
    _set_mode(model, False)
    total = _Totals()
    with no_grad():
        for xb, yb in loader:
            out = model(xb)
            total.add(float(loss_fn(out, yb).item()), out, yb, metric)
    if was_training is not None:
        _set_mode(model, was_training)
    return total.logs()


class _Totals:
    """Sample-weighted sums of the loss and of the correct predictions."""

    def __init__(self):
        self.loss = 0.0
        self.correct = 0
        self.count = 0
        self.measured = False

    def add(self, loss, out, target, metric):
        """loss: the batch's mean loss (a number)."""
        target = target.array if isinstance(target, Tensor) else target
        n = len(target)
        self.loss += loss * n
        self.count += n
        if metric is not None:
            hits = metric(out.array, target)
            if hits is not None:
                self.correct += hits
                self.measured = True

    def logs(self, reduce_sums=None):
        """reduce_sums: a data-parallel loader's, summing the totals over its ranks."""
        if reduce_sums is not None:
            self.loss, self.correct, self.count, measured = reduce_sums(
                self.loss, self.correct, self.count, self.measured)
            self.correct, self.count, self.measured = int(self.correct), int(self.count), \
                measured > 0
        if not self.count:
            raise ValueError("fit/evaluate: the data produced no batch (is it empty, or "
                             "smaller than the batch size with drop_last?)")
        logs = {"loss": self.loss / self.count}
        if self.measured:
            logs["accuracy"] = self.correct / self.count
        return logs


def accuracy(output, target, threshold=0.0):
    """Number of correct predictions: argmax over classes (axis 1) against class indices, or
    output > threshold against 0/1 targets; None when the targets are not class labels."""
    output, target = np.asarray(output), np.asarray(target)
    if output.ndim == target.ndim + 1 and target.dtype.kind in "iu":
        return int(np.count_nonzero(output.argmax(axis=1) == target))
    if output.size == target.size and np.all((target == 0) | (target == 1)):
        predicted = output.reshape(target.shape) > threshold
        return int(np.count_nonzero(predicted == target.astype(bool)))
    return None


def _metric(metric, loss_fn):
    if metric != "auto":
        return metric
    name = getattr(loss_fn, "__name__", type(loss_fn).__name__).lower()
    on_probabilities = ("bce" in name or "binary_cross_entropy" in name) and "logit" not in name
    threshold = 0.5 if on_probabilities else 0.0
    return lambda out, target: accuracy(out, target, threshold)


def as_loader(data, batch_size, shuffle, seed, dtype=None):
    """A DataLoader for a Dataset or a pair (x, y) (its floating-point NumPy arrays converted
    to `dtype`, when given); a DataLoader or any other iterable of (x, y) batches is used as it
    is."""
    if isinstance(data, DataLoader):
        return data
    if isinstance(data, (tuple, list)):
        data = TensorDataset(*(a.astype(dtype) if dtype is not None and isinstance(
            a, np.ndarray) and a.dtype.kind == "f" else a for a in data))
    if hasattr(data, "__getitem__") and hasattr(data, "__len__"):
        return DataLoader(data, batch_size=batch_size, shuffle=shuffle, seed=seed)
    return data


def _float_dtype(model):
    """The dtype of the model's first floating-point parameter (None: it has none)."""
    params = model.parameters() if hasattr(model, "parameters") else ()
    return next((p.dtype for p in params if p.dtype.kind == "f"), None)


def _set_mode(model, training):
    if hasattr(model, "train"):
        model.train(training)


def _step_schedulers(schedulers, logs):
    for scheduler in schedulers:
        if isinstance(scheduler, ReduceLROnPlateau):
            scheduler.step(logs.get("val_loss", logs["loss"]))
        elif not _per_batch(scheduler):  # lr and batch-size schedulers, per epoch
            scheduler.step()


def _per_batch(scheduler):
    """Whether fit steps this scheduler after every batch (OneCycleLR) instead of per epoch."""
    return getattr(scheduler, "per_batch", False)


def _summary(epoch, epochs, logs):
    parts = [f"epoch {epoch:>{len(str(epochs))}}/{epochs}"]
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        if key in logs:
            parts.append(f"{key} {logs[key]:.4f}")
    parts.append(f"lr {logs['lr']:.3g}  {logs['time']:.2f}s")
    return "  ".join(parts)


def _progress(progress):
    """bar(loader, epoch, epochs) -> an iterable over the loader (a tqdm bar or the loader)."""
    if progress is None:
        progress = sys.stderr.isatty()
    if progress:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            if progress is True:
                print("progress bars need tqdm: pip install 'graphgrad[progress]'",
                      file=sys.stderr)
            progress = False
    if not progress:
        return lambda loader, epoch, epochs: None
    return lambda loader, epoch, epochs: tqdm(loader, desc=f"epoch {epoch}/{epochs}",
                                              leave=False, unit="batch")
