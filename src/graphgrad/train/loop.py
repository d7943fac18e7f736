"""The fit loop: mini-batch training (003 §3.4.1) with evaluation, schedules, callbacks,
checkpoints and resume.

Per batch: zero the gradients, forward, loss, backward, ``optimizer.step()`` (or
``step(closure)`` for L-BFGS, conjugate gradients and line-search GD, which re-evaluate the
loss). Per epoch: the mean loss (and accuracy, for classification) on the training batches and
on the validation data, the learning rate, then the schedulers and the callbacks.
"""
import sys
import time

import numpy as np

from ..data import DataLoader, TensorDataset
from ..grad_mode import no_grad
from ..optim import ClosureOptimizer
from ..optim.lr_scheduler import ReduceLROnPlateau
from ..tensor import Tensor
from .history import History


class Run:
    """What callbacks see: the model, optimizer, schedulers, history, the epoch, and ``stop``."""

    def __init__(self, model, optimizer, schedulers, history):
        self.model, self.optimizer, self.schedulers = model, optimizer, schedulers
        self.history, self.epoch, self.stop = history, 0, False


def fit(model, loss_fn, optimizer, train_data, val_data=None, epochs=10, scheduler=None,
        callbacks=(), batch_size=32, shuffle=True, seed=None, metric="auto", progress=None,
        verbose=False, checkpoint=None, resume=None):
    """Train `model` to minimise ``loss_fn(model(x), y)`` over `train_data`; returns a History.

    train_data / val_data: a DataLoader, a Dataset, or a pair (x, y) of tensors or arrays
    (batched with batch_size; training batches shuffled, reproducibly when seed is given).
    scheduler: one or a list of lr schedulers (stepped per epoch; OneCycleLR per batch;
    ReduceLROnPlateau with the validation loss, else the training loss) or BatchSizeSchedulers.
    metric: 'auto' (accuracy for class-index or 0/1 targets), None, or f(output, target) ->
    number of correct predictions. progress: a tqdm bar per epoch (default: when stderr is a
    terminal and tqdm is installed). verbose: print one line per epoch.
    checkpoint: a path written after every epoch; resume: a checkpoint to continue from.
    """
    train_loader = as_loader(train_data, batch_size, shuffle, seed)
    val_loader = None if val_data is None else as_loader(val_data, batch_size, False, None)
    schedulers = [] if scheduler is None else list(scheduler) if isinstance(
        scheduler, (list, tuple)) else [scheduler]
    run = Run(model, optimizer, schedulers, History())
    start = 0
    if resume is not None:
        from .checkpoint import load_checkpoint
        start = load_checkpoint(resume, run)
    metric = _metric(metric, loss_fn)
    bar = _progress(progress)
    for callback in callbacks:
        callback.on_train_begin(run)
    for epoch in range(start, epochs):
        run.epoch = epoch
        if isinstance(train_loader, DataLoader):
            train_loader.set_epoch(epoch)
        began = time.perf_counter()
        logs = train_epoch(model, loss_fn, optimizer, train_loader, metric, schedulers,
                           bar(train_loader, epoch, epochs))
        if val_loader is not None:
            measured = evaluate(model, loss_fn, val_loader, metric=metric)
            logs.update({f"val_{k}": v for k, v in measured.items()})
        logs["lr"] = float(optimizer.param_groups[0]["lr"])
        logs["time"] = time.perf_counter() - began
        _step_schedulers(schedulers, logs)
        run.history.append(epoch, logs)
        if verbose:
            print(_summary(epoch, epochs, logs), flush=True)
        if checkpoint is not None:
            from .checkpoint import save_checkpoint
            save_checkpoint(checkpoint, run, epoch)
        for callback in callbacks:
            callback.on_epoch_end(run, epoch, logs)
        if run.stop:
            break
    for callback in callbacks:
        callback.on_train_end(run)
    return run.history


def train_epoch(model, loss_fn, optimizer, loader, metric=None, schedulers=(), batches=None):
    """One pass over the loader, updating the parameters after every batch; returns the mean
    training loss (and accuracy) of the batches as they were seen."""
    _set_mode(model, True)
    per_batch = [s for s in schedulers if _per_batch(s)]
    closure_driven = isinstance(optimizer, ClosureOptimizer)
    postfix = getattr(batches, "set_postfix", None)  # a tqdm bar's
    total = _Totals()
    for xb, yb in (loader if batches is None else batches):
        if closure_driven:
            out, loss = _closure_step(model, loss_fn, optimizer, xb, yb)
        else:
            optimizer.zero_grad()
            out = model(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            optimizer.step()
        total.add(loss, out, yb, metric)
        for scheduler in per_batch:
            scheduler.step()
        if postfix is not None:
            postfix(loss=f"{loss.item():.4f}", refresh=False)
    return total.logs()


def _closure_step(model, loss_fn, optimizer, xb, yb):
    first = []

    def closure():
        optimizer.zero_grad()
        out = model(xb)
        loss = loss_fn(out, yb)
        loss.backward()
        if not first:
            first.append((out, loss))
        return loss
    optimizer.step(closure)
    return first[0]


def evaluate(model, loss_fn, data, batch_size=256, metric="auto"):
    """Mean loss (and accuracy) of the model on data, without recording or updating."""
    loader = as_loader(data, batch_size, False, None)
    metric = _metric(metric, loss_fn)
    was_training = getattr(model, "training", None)
    _set_mode(model, False)
    total = _Totals()
    with no_grad():
        for xb, yb in loader:
            out = model(xb)
            total.add(loss_fn(out, yb), out, yb, metric)
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
        target = target.data if isinstance(target, Tensor) else target
        n = len(target)
        self.loss += float(loss.item()) * n
        self.count += n
        if metric is not None:
            hits = metric(out.data, target)
            if hits is not None:
                self.correct += hits
                self.measured = True

    def logs(self):
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


def as_loader(data, batch_size, shuffle, seed):
    """A DataLoader for a Dataset or a pair (x, y); a DataLoader or any other iterable of
    (x, y) batches is used as it is."""
    if isinstance(data, DataLoader):
        return data
    if isinstance(data, (tuple, list)):
        data = TensorDataset(*data)
    if hasattr(data, "__getitem__") and hasattr(data, "__len__"):
        return DataLoader(data, batch_size=batch_size, shuffle=shuffle, seed=seed)
    return data


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
    parts = [f"epoch {epoch + 1:>{len(str(epochs))}}/{epochs}"]
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
    return lambda loader, epoch, epochs: tqdm(loader, desc=f"epoch {epoch + 1}/{epochs}",
                                              leave=False, unit="batch")
