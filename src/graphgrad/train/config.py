"""The options of a ``graphgrad train`` run (``Config``), their checks, and how a resumed run's
options are settled from the configuration saved in its checkpoint.

Every option left as None takes its default when the run starts (``Config.complete``), so an
option given as 0 means 0: it is checked, never replaced by a default. A resumed run
(``resume=CHECKPOINT``) starts from the options saved in the checkpoint; options given again
must agree with the run's data, model and optimizer (a disagreement is explained in one line),
and may change the number of epochs, the output folder and what is printed or plotted.
"""
import math
import numbers
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from .. import data as gdata

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
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "elu", "gelu", "silu")
#: The models: an MLP, or a small LeNet-style CNN (nn.ConvNet) for the image sets.
MODELS = ("mlp", "cnn")
#: --model cnn: dense sizes after the convolutions, epochs, batch size per dataset. Fashion-
#: MNIST: one epoch took 43 s on one core (87.4 % test after it alone); 10 fit in 10 minutes.
CNN_PRESETS = {"digits": ((128,), 30, 32), "mnist": ((128,), 4, 128),
               "fashion-mnist": ((128,), 10, 128)}
#: Schedules built for a number of epochs (resuming for more needs --new-schedule).
FIXED_LENGTH = ("cosine", "step", "onecycle")

#: What a resumed run keeps from its checkpoint: the data, the model and the optimizer.
IDENTITY = ("data", "model", "hidden", "activation", "optimizer", "weight_decay", "seed",
            "samples", "noise", "val_fraction", "batch_size")
#: What a resumed run may change only by building a new schedule (--new-schedule).
SCHEDULE = ("lr", "schedule")


class JobExit(RuntimeError):
    """The job ends without a result: a one-line message and the command line's exit status
    (1: the run failed, 2: options refused, 0: nothing to do, 128 + n: stopped by signal n)."""

    def __init__(self, message, status=1):
        super().__init__(message)
        self.status = status


class OptionError(JobExit, ValueError):
    """An option that is refused (exit status 2)."""

    def __init__(self, message):
        super().__init__(message, 2)


# ------------------------------------------------------------------------------ checks
def whole(value, low):
    """value as an int >= low; ValueError saying what is expected."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"must be a whole number >= {low}, got {value!r}")
    return int(value)


def real(value, low, high=math.inf, low_open=False, high_open=True):
    """value as a finite float in the interval; ValueError saying which interval."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"must be a number, got {value!r}")
    x = float(value)
    above = x > low if low_open else x >= low
    below = x < high if high_open else x <= high
    if not (math.isfinite(x) and above and below):
        left = f"> {low:g}" if low_open else f">= {low:g}"
        right = "" if high == math.inf else f" and {'<' if high_open else '<='} {high:g}"
        raise ValueError(f"must be a finite number {left}{right}, got {value!r}")
    return x


#: The check of each numeric option (the command line's types use the same).
CHECKS = {
    "epochs": lambda v: whole(v, 1), "batch_size": lambda v: whole(v, 1),
    "lr": lambda v: real(v, 0, low_open=True), "weight_decay": lambda v: real(v, 0),
    "seed": lambda v: whole(v, 0), "samples": lambda v: whole(v, 2),
    "noise": lambda v: real(v, 0), "val_fraction": lambda v: real(v, 0, 1),
    "patience": lambda v: whole(v, 0), "hidden_size": lambda v: whole(v, 1),
}
CHOICES = {"data": DATASETS, "optimizer": OPTIMIZERS, "schedule": SCHEDULES,
           "activation": ACTIVATIONS, "model": MODELS}


def flag(name):
    """How a field is written on the command line."""
    return "--" + name.replace("_", "-")


@dataclass
class Config:
    """The options of one run (``graphgrad train --help`` describes each); None means the
    default for the dataset and optimizer."""

    data: str = None
    model: str = None
    hidden: tuple = None
    activation: str = None
    optimizer: str = None
    lr: float = None
    batch_size: int = None
    epochs: int = None
    weight_decay: float = None
    schedule: str = None
    seed: int = None
    out: str = None
    samples: int = None
    noise: float = None
    val_fraction: float = None
    patience: int = None
    download: bool = True
    plots: bool = True
    progress: bool = None
    verbose: bool = True
    resume: str = None
    new_schedule: bool = False
    #: data-parallel over the ranks of an MPI job (gg.distributed); not saved: a checkpoint
    #: resumes on any number of ranks
    distributed: bool = False
    #: each batch's step as gg.compile programs (the same numbers; not saved either)
    compile: bool = False
    #: (epochs done when the schedule was built, last epoch it was built for)
    schedule_span: tuple = None

    def check(self):
        """Refuse what cannot mean anything (OptionError, one line naming the option)."""
        for name, value in asdict(self).items():
            if value is None:
                continue
            if name in CHOICES and value not in CHOICES[name]:
                raise OptionError(f"{flag(name)} {value!r}: choose from "
                                  f"{', '.join(CHOICES[name])}")
            if name == "hidden":
                if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
                    raise OptionError(f"--hidden: expected layer sizes, got {value!r}")
                for size in value:
                    _checked(name, CHECKS["hidden_size"], size)
            elif name in CHECKS:
                _checked(name, CHECKS[name], value)
        if self.distributed and self.optimizer in ("lbfgs", "cg"):
            raise OptionError(f"--distributed: the {self.optimizer} optimizer searches along "
                              "each rank's own loss; use a first-order optimizer (adam, sgd, ...)")
        if self.model == "cnn" and self.data in gdata.PLANAR:
            raise OptionError(f"--model cnn trains on images (digits, mnist, fashion-mnist), "
                              f"not on the 2-D set {self.data}")
        if self.data is not None and self.data not in gdata.PLANAR:
            for name in ("samples", "noise"):
                if getattr(self, name) is not None:
                    raise OptionError(f"{flag(name)} applies to the 2-D sets "
                                      f"({', '.join(gdata.PLANAR)}), not to {self.data}")
        return self

    def complete(self):
        """Fill the options left open (None) with the defaults of the dataset and optimizer."""
        self.data = "digits" if self.data is None else self.data
        self.model = "mlp" if self.model is None else self.model
        self.check()
        presets = CNN_PRESETS if self.model == "cnn" else PRESETS
        hidden, epochs, batch_size = presets.get(self.data, PLANAR_PRESET)
        self.hidden = hidden if self.hidden is None else tuple(int(h) for h in self.hidden)
        self.epochs = epochs if self.epochs is None else self.epochs
        self.batch_size = batch_size if self.batch_size is None else self.batch_size
        for name, default in (("activation", "relu"), ("optimizer", "adam"),
                              ("weight_decay", 0.0), ("schedule", "cosine"), ("seed", 0),
                              ("val_fraction", 0.1), ("patience", 0)):
            if getattr(self, name) is None:
                setattr(self, name, default)
        if self.data in gdata.PLANAR and self.samples is None:
            self.samples = 400
        self.lr = DEFAULT_LR[self.optimizer] if self.lr is None else self.lr
        if self.optimizer in ("lbfgs", "cg") and self.weight_decay:
            raise OptionError(f"--weight-decay {self.weight_decay:g}: the {self.optimizer} "
                              "optimizer takes no weight decay")
        if self.patience and not self.val_fraction:
            raise OptionError(f"--patience {self.patience} watches the validation loss: give "
                              "--val-fraction > 0 as well")
        if self.schedule_span is None:
            self.schedule_span = (0, self.epochs)
        if self.out is None:
            self.out = _fresh(Path("runs") / f"{self.data}-{time.strftime('%Y%m%d-%H%M%S')}")
        return self

    def saved(self):
        """What a checkpoint keeps of the run's options (JSON-able)."""
        kept = {k: v for k, v in asdict(self).items()
                if k in IDENTITY + SCHEDULE + ("epochs", "patience")}
        kept["hidden"] = list(self.hidden)
        kept["schedule_span"] = list(self.schedule_span)
        return kept


def _checked(name, check, value):
    try:
        return check(value)
    except ValueError as e:
        raise OptionError(f"{flag(name)}: {e}") from None


def _fresh(path):
    """path, or path-2, path-3, ... when it exists (two runs started in the same second)."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}-{n}")
    return str(candidate)


def settle_resume(config, saved, done, path):
    """The options of a resumed run: those saved in the checkpoint (`saved`, a dict, or None
    for a checkpoint without them), then those given in `config`. Refuses (OptionError) an
    option that disagrees with the saved run; ends with status 0 when nothing is left to do."""
    if saved is not None:
        names = {f.name for f in fields(Config)}
        for name in IDENTITY + SCHEDULE:
            given, kept = getattr(config, name), saved.get(name)
            if given is None or _same(given, kept):
                continue
            if name in SCHEDULE and config.new_schedule:
                continue
            how = ("add --new-schedule to restart the schedule from it, or drop it"
                   if name in SCHEDULE else "drop it, or start a new run without --resume")
            raise OptionError(f"{flag(name)} {_show(given)}: the run in {path} was trained "
                              f"with {flag(name)} {_show(kept)}; {how}")
        for name, value in saved.items():
            if name in names and getattr(config, name) is None:
                setattr(config, name, tuple(value) if isinstance(value, list) else value)
    if config.out is None:
        config.out = str(Path(path).parent)
    config.complete()
    if config.epochs <= done:
        asked = f" of {done}" if config.epochs == done else f", more than --epochs {config.epochs}"
        raise JobExit(f"nothing to do: the run in {path} has finished {done} epochs{asked}; "
                      f"give --epochs N with N > {done} to train longer", 0)
    start, end = config.schedule_span
    if config.new_schedule:
        config.schedule_span = (done, config.epochs)
    elif config.epochs > end and config.schedule in FIXED_LENGTH:
        raise OptionError(f"--epochs {config.epochs}: the run's {config.schedule} schedule was "
                          f"built for {end} epochs; add --new-schedule to build it again for "
                          f"epochs {done + 1}-{config.epochs}, or give --epochs {end} or fewer")
    return config


def _same(a, b):
    if a is None or b is None:
        return a is b
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return list(a) == list(b)
    if isinstance(a, numbers.Real) and isinstance(b, numbers.Real):
        return float(a) == float(b)
    return a == b


def _show(value):
    if value is None:
        return "left at its default"
    return " ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
