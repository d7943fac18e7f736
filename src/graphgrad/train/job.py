"""The main job behind ``graphgrad train``: load a dataset, train an MLP classifier on it with
``fit``, report the test accuracy, and leave metrics.json, curves.png and a checkpoint in the
output folder.

Everything is seeded: the split, the initial weights and the batch order, so a run resumed from
its checkpoint ends where the uninterrupted run ends. The checkpoint keeps the run's options,
so ``--resume CHECKPOINT`` alone continues it (see train.config).

metrics.json is strict JSON: NaN and ±Infinity are written as null. It is written when the
run ends, with ``"status"`` ``"completed"``, ``"interrupted"`` (Ctrl-C or SIGTERM: the
completed epochs) or ``"diverged"``; the checkpoint, written after every epoch whose loss and
weights are finite, holds the history too. A run that ends before its first epoch leaves no
folder behind. Errors the user can fix end the job with ``JobExit``: one line
and the command line's exit status.
"""
import os
import platform
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .. import data as gdata
from ..random import Generator
from .checkpoint import read_checkpoint, strict_json
from .config import (
    DATASETS,
    OPTIMIZERS,
    SCHEDULES,
    Config,
    JobExit,
    OptionError,
    settle_resume,
)
from .models import build_model
from .stops import DivergenceError, TrainingInterrupted

__all__ = ["Config", "JobExit", "OptionError", "run_job", "load_splits", "make_optimizer",
           "make_schedule", "DATASETS", "OPTIMIZERS", "SCHEDULES"]


def load_splits(config):
    """(train, val, test) TensorDatasets, inputs standardised with the training statistics;
    JobExit when a split would be empty."""
    if config.data == "digits":
        x, y = gdata.digits()
        rest, test = gdata.random_split(gdata.TensorDataset(x, y), [0.8, 0.2], seed=config.seed)
        (x, y), (x_test, y_test) = rest[:], test[:]
    elif config.data in ("mnist", "fashion-mnist"):
        load = gdata.mnist if config.data == "mnist" else gdata.fashion_mnist
        x, y = load(train=True, download=config.download)
        x_test, y_test = load(train=False, download=config.download)
    elif config.data in gdata.PLANAR:
        make = gdata.PLANAR[config.data]
        options = {} if config.noise is None else {"noise": config.noise}
        x, y = make(n_samples=config.samples, seed=config.seed, **options)
        x_test, y_test = make(n_samples=config.samples // 2, seed=config.seed + 1, **options)
    else:
        raise OptionError(f"--data {config.data!r}: choose from {', '.join(DATASETS)}")
    return _standardised(x, y, x_test, y_test, config)


def _standardised(x, y, x_test, y_test, config):
    n = len(y.array)
    n_val = int(round(config.val_fraction * n))
    if config.val_fraction > 0 and n_val == 0:
        raise JobExit(f"--val-fraction {config.val_fraction:g} of {n} training samples holds "
                      f"out none: give 0 for no validation, or at least {1 / n:.2g}")
    if n_val >= n:
        raise JobExit(f"--val-fraction {config.val_fraction:g} of {n} training samples leaves "
                      "none to train on")
    if len(y_test.array) == 0:
        raise JobExit(f"the test split of {config.data} is empty; give more --samples")
    order = np.random.default_rng(config.seed).permutation(n)
    fit_rows, val_rows = order[n_val:], order[:n_val]
    x_fit, x_val, x_test = gdata.standardize(x.array[fit_rows], x.array[val_rows], x_test.array)
    train = gdata.TensorDataset(x_fit, y.array[fit_rows])
    val = gdata.TensorDataset(x_val, y.array[val_rows]) if n_val else None
    test = gdata.TensorDataset(x_test, y_test.array)
    return train, val, test


def make_optimizer(name, params, lr, weight_decay):
    from .. import optim
    if name in ("sgd", "momentum", "nesterov"):
        momentum = 0.0 if name == "sgd" else 0.9
        return optim.SGD(params, lr=lr, momentum=momentum, nesterov=name == "nesterov",
                         weight_decay=weight_decay)
    if name == "lbfgs":
        return optim.LBFGS(params, lr=lr, max_iter=4, line_search_fn="strong_wolfe")
    if name == "cg":
        return optim.ConjugateGradient(params, lr=lr, max_iter=4)
    classes = {"adam": optim.Adam, "adamw": optim.AdamW, "nadam": optim.NAdam,
               "adamax": optim.Adamax, "rmsprop": optim.RMSprop, "adagrad": optim.Adagrad,
               "adadelta": optim.Adadelta}
    if name not in classes:
        raise ValueError(f"unknown optimizer {name!r}; choose from {', '.join(OPTIMIZERS)}")
    return classes[name](params, lr=lr, weight_decay=weight_decay)


def make_schedule(name, optimizer, epochs, steps_per_epoch):
    from ..optim import lr_scheduler as s
    if name == "none":
        return None
    if name == "cosine":
        return s.CosineAnnealingLR(optimizer, T_max=epochs)
    if name == "step":
        return s.StepLR(optimizer, step_size=max(1, epochs // 3), gamma=0.1)
    if name == "onecycle":
        return s.OneCycleLR(optimizer, max_lr=optimizer.param_groups[0]["lr"] * 10,
                            total_steps=epochs * steps_per_epoch,
                            cycle_momentum="momentum" in optimizer.defaults
                            or "betas" in optimizer.defaults)
    if name == "plateau":
        return s.ReduceLROnPlateau(optimizer, factor=0.3, patience=2)
    raise ValueError(f"unknown schedule {name!r}; choose from {', '.join(SCHEDULES)}")


def run_job(config):
    """Train as configured; returns the metrics written to metrics.json. Raises JobExit (one
    line, and the exit status) for options or files it cannot use, a run that diverged and a
    run stopped by a signal; OptionError (a JobExit and ValueError) for refused options."""
    began = time.perf_counter()
    shard = _join(config)
    done = _settle(config)
    folder = RunFolder(config.out) if shard is None or shard.lead else _NoFolder(config.out)
    folder.create()
    try:
        return _train(config, folder, done, began, shard)
    except BaseException:
        folder.discard_if_empty()
        raise


def _join(config):
    """With --distributed, this rank's place in the MPI job (gg.distributed.JobShard); only
    rank 0 prints, plots and writes."""
    if not config.distributed:
        return None
    from ..distributed import JobShard
    try:
        shard = JobShard()
    except JobShard.Error as e:  # no mpi4py, or an MPI that cannot talk to the launcher
        raise JobExit(f"--distributed: {e}") from None
    if not shard.lead:
        config.verbose = config.plots = config.progress = False
    return shard


class _NoFolder:
    """The output folder of a rank that writes nothing (all but rank 0 of a --distributed run)."""

    def __init__(self, path):
        self.path = Path(path)

    def create(self):
        pass

    keep_only = write_json = discard_if_empty = lambda self, *args: None


def _settle(config):
    """Complete and check the options (from the checkpoint when resuming); the number of
    epochs already done."""
    if config.resume is None:
        config.complete()
        return 0
    config.check()
    try:
        state = read_checkpoint(config.resume)
    except (OSError, ValueError) as e:  # no such file, not a checkpoint, corrupt
        raise JobExit(f"--resume: {e}") from None
    settle_resume(config, state["config"], state["epoch"], config.resume)
    return state["epoch"]


def _train(config, folder, done, began, shard=None):
    from .. import nn
    from ..optim import ClosureOptimizer
    from .callbacks import EarlyStopping
    from .loop import evaluate, fit
    try:
        train, val, test = load_splits(config)
    except JobExit:
        raise
    except gdata.DataNotFoundError as e:
        raise JobExit(str(e)) from None
    except (OSError, EOFError, ValueError) as e:  # IDXError is a ValueError
        raise JobExit(f"--data {config.data}: {e}") from None
    n_classes = int(max(train.tensors[1].array.max(), test.tensors[1].array.max())) + 1
    sizes = [train.tensors[0].shape[1], *config.hidden, n_classes]
    try:
        model, described = build_model(config, sizes, Generator(config.seed))
    except MemoryError:
        raise JobExit(f"not enough memory for an MLP {'-'.join(map(str, sizes))}: give "
                      "smaller --hidden sizes") from None
    if shard is not None:  # same options, data and seed on every rank; gradients averaged
        try:
            shard.start(config.saved(), train, model)
        except shard.Error as e:
            raise JobExit(str(e)) from None
    optimizer = make_optimizer(config.optimizer, model.parameters(), config.lr,
                               config.weight_decay)
    # L-BFGS and CG evaluate one fixed f several times per step: give them the whole set
    full_batch = isinstance(optimizer, ClosureOptimizer)
    make_loader = gdata.DataLoader if shard is None else shard.loader  # a rank: its slices
    loader = make_loader(train, batch_size=len(train) if full_batch else config.batch_size,
                         shuffle=True, seed=config.seed)
    start, end = config.schedule_span
    schedule = make_schedule(config.schedule, optimizer, end - start, len(loader))
    resuming = "" if config.resume is None else \
        f"; resuming {config.resume} after epoch {done}"
    _say(config, f"graphgrad train: {described} ({config.activation}) on "
                 f"{config.data}: {len(train)} training, {len(val) if val else 0} validation, "
                 f"{len(test)} test samples; {config.optimizer} lr {config.lr:g}, batch "
                 f"{loader.batch_size}, {config.epochs} epochs, seed {config.seed}{resuming}"
                 f"{'' if shard is None else f'; {shard.world_size} ranks'}")
    options = dict(epochs=config.epochs, scheduler=schedule, batch_size=256,
                   progress=config.progress, verbose=config.verbose,
                   checkpoint=folder.path / "checkpoint.ckpt" if shard is None or shard.lead
                   else None, config=config.saved(),
                   resume_schedulers=not config.new_schedule, compile=config.compile)
    if config.resume is not None:
        _check_fits(config, model, optimizer, schedule)
    progress = _Progress(folder, config, began)
    callbacks = [EarlyStopping("val_loss", config.patience)] if config.patience else []
    loss_fn = nn.functional.cross_entropy
    if shard is not None:  # each rank's loss weighted by its share of the global batch
        loss_fn = loader.loss(loss_fn)
    try:  # a diverging run is reported by fit in one line, not by NumPy's warnings
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            history = fit(model, loss_fn, optimizer, loader, val_data=val,
                          resume=config.resume, callbacks=[*callbacks, progress],
                          interruptible=shard is None, **options)
    except (DivergenceError, TrainingInterrupted, KeyboardInterrupt) as e:
        raise _stopped(e, folder, config, progress, began) from None
    except MemoryError:
        raise JobExit(f"ran out of memory training an MLP {'-'.join(map(str, sizes))} with "
                      f"batches of {loader.batch_size}: give smaller --hidden sizes or "
                      "--batch-size") from None
    tested = evaluate(model, loss_fn, test)
    metrics = _metrics(config, history, tested, time.perf_counter() - began, "completed")
    folder.write_json("metrics.json", metrics)
    written = ["metrics.json", "checkpoint.ckpt"] + _plots(config, history, model, test,
                                                           folder.path)
    folder.keep_only(written)
    _say(config, f"test accuracy: {100 * tested['accuracy']:.2f} %  (loss {tested['loss']:.4f}, "
                 f"{metrics['seconds']:.1f} s)")
    _say(config, f"wrote {', '.join(written)} to {folder.path}")
    return metrics


def _check_fits(config, model, optimizer, schedule):
    """Load the checkpoint into the new run once, to explain in one line what does not fit
    (fit then loads it again)."""
    from .checkpoint import load_checkpoint
    from .loop import Run
    run = Run(model, optimizer, [] if schedule is None else [schedule], None)
    try:
        load_checkpoint(config.resume, run, schedulers=not config.new_schedule)
    except (ValueError, KeyError, TypeError, RuntimeError) as e:
        raise JobExit(f"--resume {config.resume}: the checkpoint does not fit this run: "
                      f"{str(e).splitlines()[0] if str(e) else type(e).__name__}") from None


def _stopped(error, folder, config, progress, began):
    """The JobExit for a run that diverged or was stopped by a signal, after writing
    metrics.json for the completed epochs."""
    checkpoint = folder.path / "checkpoint.ckpt"
    resume = f"continue with: graphgrad train --resume {checkpoint}"
    if isinstance(error, DivergenceError):
        if error.epochs_done:
            progress.write(error.history, "diverged", stopped={
                "epoch": error.epoch, "step": error.step, "what": error.what,
                "value": str(error.value), "lr": error.lr})
        return JobExit(str(error), 1)
    if isinstance(error, TrainingInterrupted):
        status, done = 128 + error.signal, error.epochs_done
        how = f"stopped by {_signal_name(error.signal)}"
        history = error.history
    else:  # a second Ctrl-C: stop at once
        status, done, how, history = 130, progress.done, "stopped at once", progress.history
    if not done:
        return JobExit(f"{how} during epoch 1: no epoch was completed, nothing was kept", status)
    try:
        progress.write(history, "interrupted")
    except (OSError, KeyboardInterrupt):  # stopping at once wins over the metrics
        pass
    return JobExit(f"{how} after epoch {done} of {config.epochs}: the checkpoint and "
                   f"metrics.json are in {folder.path}; {resume}", status)


def _signal_name(signum):
    import signal
    return signal.Signals(signum).name


class _Progress:
    """A callback that remembers the completed epochs, for the metrics of a run stopped at
    once. (metrics.json is written when the run ends; the checkpoint, written after every
    epoch, holds the history as well.)"""

    def __init__(self, folder, config, began):
        self.folder, self.config, self.began = folder, config, began
        self.done, self.history = 0, None

    def on_train_begin(self, run):
        self.done, self.history = len(run.history), run.history

    def on_epoch_end(self, run, epoch, logs):
        self.done, self.history = epoch, run.history

    def on_train_end(self, run):
        pass

    def write(self, history, status, **extra):
        metrics = _metrics(self.config, history, None, time.perf_counter() - self.began, status)
        self.folder.write_json("metrics.json", {**metrics, **extra})
        self.folder.keep_only(["metrics.json", "checkpoint.ckpt"])


class RunFolder:
    """The output folder: created up front (so an unwritable --out fails before training),
    removed again, with the parents created for it, when the run ends with nothing in it."""

    def __init__(self, path):
        self.path = Path(path)
        self.created = []

    def create(self):
        missing, existing = [], self.path.absolute()
        while not existing.exists() and existing != existing.parent:
            missing.append(existing)
            existing = existing.parent
        if not existing.is_dir():
            raise JobExit(f"--out {self.path}: {existing} is a file, not a folder")
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise JobExit(f"--out {self.path}: cannot create the folder ({e.strerror})") from None
        self.created = missing  # deepest first
        if not os.access(self.path, os.W_OK | os.X_OK):
            self.discard_if_empty()
            raise JobExit(f"--out {self.path}: the folder is not writable")

    def keep_only(self, written):
        """Once a run has written its metrics: delete what an earlier run in the same --out
        left and this one did not write (a refused run touches nothing)."""
        for name in set(OUTPUTS) - set(written):
            (self.path / name).unlink(missing_ok=True)

    def discard_if_empty(self):
        for folder in self.created:
            try:
                folder.rmdir()
            except OSError:  # not empty: keep it and its parents
                break

    def write_json(self, name, obj):
        """Write strict JSON to name in the folder, atomically (a temporary file replaces it)."""
        target = self.path / name
        temporary = self.path / f".{name}.{os.getpid()}.tmp"
        temporary.write_text(strict_json(obj, indent=2) + "\n")
        os.replace(temporary, target)


#: Every file a run writes to its folder.
OUTPUTS = ("metrics.json", "checkpoint.ckpt", "curves.png", "decision_boundary.png")


def _metrics(config, history, tested, seconds, status):
    options = {k: v for k, v in asdict(config).items() if k != "progress"}
    options["hidden"] = list(config.hidden)
    options["schedule_span"] = list(config.schedule_span)
    tested = tested or {}
    return {"status": status, "dataset": config.data,
            "test_accuracy": tested.get("accuracy"), "test_loss": tested.get("loss"),
            "train_accuracy": history.last("accuracy"),
            "val_accuracy": history.last("val_accuracy"), "epochs_run": len(history),
            "epochs": config.epochs, "seconds": seconds, "python": platform.python_version(),
            "config": options, "history": history.to_dict()}


def _plots(config, history, model, test, out):
    if not config.plots:
        return []
    try:
        history.plot(out / "curves.png")
    except ImportError as e:
        _say(config, f"(no curves.png: {e})")
        return []
    written = ["curves.png"]
    x, y = test.tensors
    if x.shape[1] == 2:
        from .plots import plot_decision_boundary
        plot_decision_boundary(model, x, y.array, out / "decision_boundary.png",
                               title=f"{config.data}: test samples")
        written.append("decision_boundary.png")
    return written


def _say(config, message):
    if config.verbose:
        print(message, flush=True)
