"""The main job behind ``graphgrad train``: load a dataset, train an MLP classifier on it with
``fit``, report the test accuracy, and leave metrics.json, curves.png and a checkpoint in the
output folder.

Everything is seeded: the split, the initial weights and the batch order."""
import json
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .. import data as gdata
from ..random import Generator

#: The datasets a job trains on (the 2-D ones are generated).
DATASETS = ("digits", "fashion-mnist", "mnist", *gdata.PLANAR)

#: Sensible defaults per dataset: hidden sizes, epochs, batch size.
PRESETS = {"digits": ((128, 64), 30, 32), "mnist": ((256, 128), 12, 128),
           "fashion-mnist": ((256, 128), 15, 128)}
PLANAR_PRESET = ((32, 32), 100, 32)

#: Learning rates an optimizer works well with on these problems.
DEFAULT_LR = {"sgd": 0.1, "momentum": 0.05, "nesterov": 0.05, "adam": 1e-3, "adamw": 1e-3,
              "nadam": 2e-3, "adamax": 2e-3, "rmsprop": 1e-3, "adagrad": 0.05, "adadelta": 1.0,
              "lbfgs": 1.0, "cg": 1.0}
OPTIMIZERS = tuple(DEFAULT_LR)
SCHEDULES = ("none", "cosine", "step", "onecycle", "plateau")


@dataclass
class Config:
    """The options of one run (``graphgrad train --help`` describes each)."""

    data: str = "digits"
    hidden: tuple = None
    activation: str = "relu"
    optimizer: str = "adam"
    lr: float = None
    batch_size: int = None
    epochs: int = None
    weight_decay: float = 0.0
    schedule: str = "cosine"
    seed: int = 0
    out: str = None
    samples: int = 400
    noise: float = None
    val_fraction: float = 0.1
    patience: int = 0
    download: bool = True
    plots: bool = True
    progress: bool = None
    verbose: bool = True
    resume: str = None

    def complete(self):
        """Fill the options left open from the dataset's preset."""
        hidden, epochs, batch_size = PRESETS.get(self.data, PLANAR_PRESET)
        self.hidden = tuple(self.hidden) if self.hidden else hidden
        self.epochs = self.epochs or epochs
        self.batch_size = self.batch_size or batch_size
        self.lr = self.lr or DEFAULT_LR[self.optimizer]
        if self.out is None:
            self.out = str(Path("runs") / f"{self.data}-{time.strftime('%Y%m%d-%H%M%S')}")
        return self


def load_splits(config):
    """(train, val, test) TensorDatasets, inputs standardised with the training statistics."""
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
        raise ValueError(f"unknown dataset {config.data!r}; choose from {', '.join(DATASETS)}")
    return _standardised(x, y, x_test, y_test, config)


def _standardised(x, y, x_test, y_test, config):
    n_val = int(round(config.val_fraction * len(y.data)))
    order = np.random.default_rng(config.seed).permutation(len(y.data))
    fit_rows, val_rows = order[n_val:], order[:n_val]
    x_fit, x_val, x_test = gdata.standardize(x.data[fit_rows], x.data[val_rows], x_test.data)
    train = gdata.TensorDataset(x_fit, y.data[fit_rows])
    val = gdata.TensorDataset(x_val, y.data[val_rows]) if n_val else None
    test = gdata.TensorDataset(x_test, y_test.data)
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
    """Train as configured; returns the metrics written to metrics.json."""
    from .. import nn
    from ..optim import ClosureOptimizer
    from .callbacks import EarlyStopping
    from .loop import evaluate, fit
    config.complete()
    began = time.perf_counter()
    train, val, test = load_splits(config)
    n_classes = int(max(train.tensors[1].data.max(), test.tensors[1].data.max())) + 1
    sizes = [train.tensors[0].shape[1], *config.hidden, n_classes]
    model = nn.MLP(sizes, activation=config.activation, generator=Generator(config.seed))
    optimizer = make_optimizer(config.optimizer, model.parameters(), config.lr,
                               config.weight_decay)
    # L-BFGS and CG evaluate one fixed f several times per step: give them the whole set
    full_batch = isinstance(optimizer, ClosureOptimizer)
    loader = gdata.DataLoader(train, batch_size=len(train) if full_batch else config.batch_size,
                              shuffle=True, seed=config.seed)
    schedule = make_schedule(config.schedule, optimizer, config.epochs, len(loader))
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    _say(config, f"graphgrad train: MLP {'-'.join(map(str, sizes))} ({config.activation}) on "
                 f"{config.data}: {len(train)} training, {len(val) if val else 0} validation, "
                 f"{len(test)} test samples; {config.optimizer} lr {config.lr:g}, batch "
                 f"{loader.batch_size}, {config.epochs} epochs, seed {config.seed}")
    callbacks = [EarlyStopping("val_loss", config.patience)] if config.patience and val else []
    loss_fn = nn.functional.cross_entropy
    history = fit(model, loss_fn, optimizer, loader, val_data=val, epochs=config.epochs,
                  scheduler=schedule, callbacks=callbacks, batch_size=256,
                  progress=config.progress, verbose=config.verbose,
                  checkpoint=out / "checkpoint.ckpt", resume=config.resume)
    tested = evaluate(model, loss_fn, test)
    metrics = _metrics(config, history, tested, time.perf_counter() - began)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    written = ["metrics.json", "checkpoint.ckpt"] + _plots(config, history, model, test, out)
    _say(config, f"test accuracy: {100 * tested['accuracy']:.2f} %  (loss {tested['loss']:.4f}, "
                 f"{metrics['seconds']:.1f} s)")
    _say(config, f"wrote {', '.join(written)} to {out}")
    return metrics


def _metrics(config, history, tested, seconds):
    options = {k: v for k, v in asdict(config).items() if k != "progress"}
    options["hidden"] = list(config.hidden)
    return {"dataset": config.data, "test_accuracy": tested["accuracy"],
            "test_loss": tested["loss"], "train_accuracy": history.last("accuracy"),
            "val_accuracy": history.last("val_accuracy"), "epochs_run": len(history),
            "seconds": seconds, "python": platform.python_version(), "config": options,
            "history": history.to_dict()}


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
        plot_decision_boundary(model, x, y.data, out / "decision_boundary.png",
                               title=f"{config.data}: test samples")
        written.append("decision_boundary.png")
    return written


def _say(config, message):
    if config.verbose:
        print(message, flush=True)
