"""The Playground's settings: what each control may hold, checked on every change, and the
round trip to the page's URL (``#dataset=circle&learningRate=0.03&networkShape=4,2&...``).

Nothing from the page is evaluated: each value is parsed by its field's own rule (a number, a
choice from a list, a flag or a list of layer sizes) and anything else is refused.
"""
import math
from dataclasses import dataclass, fields, replace
from urllib.parse import parse_qsl, urlencode

from .datasets import CLASSIFICATION, DATASETS, REGRESSION
from .features import FEATURES

MAX_LAYERS, MAX_NEURONS = 6, 8
NUM_POINTS = 500
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REGULARIZATION_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
REGULARIZATIONS = ("none", "L1", "L2")
PROBLEMS = ("classification", "regression")
OPTIMIZERS = ("sgd", "momentum", "adam")
SCHEDULES = ("none", "lr-decay", "batch-growth")


class Refused(ValueError):
    """A value that a control cannot hold; the message says which and why."""


@dataclass(frozen=True)
class Settings:
    dataset: str = "circle"
    problem: str = "classification"
    learningRate: float = 0.03
    activation: str = "tanh"
    regularization: str = "none"
    regularizationRate: float = 0.0
    noise: int = 0
    percTrainData: int = 50
    batchSize: int = 10
    networkShape: tuple = (4, 2)
    features: tuple = ("x1", "x2")
    seed: int = 1
    optimizer: str = "sgd"
    schedule: str = "none"
    showTestData: bool = False
    discretize: bool = False
    #: fields whose change needs new data, a new network (and fresh weights)
    DATA_KEYS = ("dataset", "problem", "noise", "percTrainData", "seed")
    NET_KEYS = ("activation", "networkShape", "features", "optimizer", "schedule")

    def to_url(self):
        """The URL fragment (without '#') that from_url reads back into the same settings."""
        items = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "networkShape":
                items.append((f.name, ",".join(str(n) for n in value)))
            elif f.name == "features":
                items.extend((name, _flag(name in value)) for name in FEATURES)
            elif isinstance(value, bool):
                items.append((f.name, _flag(value)))
            else:
                items.append((f.name, _number(value) if isinstance(value, float) else str(value)))
        return urlencode(items, safe=",")

    def change(self, key, value):
        """A copy with `key` set to `value` (parsed from text or JSON); Refused if it cannot."""
        if key in FEATURES:
            on = _parse_flag(value)
            chosen = tuple(f for f in FEATURES if (f == key and on) or (f != key and f in
                                                                          self.features))
            if not chosen:
                raise Refused("at least one input feature must stay on")
            return replace(self, features=chosen)
        if key not in PARSERS:
            raise Refused(f"unknown setting {str(key)[:40]!r}")
        new = replace(self, **{key: PARSERS[key](value)})
        if key == "dataset":
            new = replace(new, problem="classification" if new.dataset in CLASSIFICATION
                          else "regression")
        elif key == "problem" and (new.dataset in CLASSIFICATION) != (
                new.problem == "classification"):
            new = replace(new, dataset=CLASSIFICATION[0] if new.problem == "classification"
                          else REGRESSION[0])
        return new

    @classmethod
    def from_url(cls, text):
        """Settings from a URL fragment or query; unknown keys and refused values are skipped
        (a shared link from another version still opens), and the rest are applied in order."""
        settings = cls()
        pairs = parse_qsl(str(text)[:4000].lstrip("#?"), keep_blank_values=True)
        dataset = None
        for key, value in pairs[:100]:
            try:
                settings = settings.change(key, value)
            except Refused:
                continue
            if key == "dataset":
                dataset = settings.dataset
        if dataset is not None and settings.dataset != dataset:   # problem came after it
            settings = settings.change("dataset", dataset)
        return settings

    def as_dict(self):
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["networkShape"], out["features"] = list(self.networkShape), list(self.features)
        return out


def _flag(value):
    return "true" if value else "false"


def _number(x):
    return f"{x:g}"


def _parse_flag(value):
    if isinstance(value, bool):
        return value
    if value in ("true", "1", 1):
        return True
    if value in ("false", "0", 0):
        return False
    raise Refused(f"expected true or false, got {str(value)[:20]!r}")


def _choice(options):
    def parse(value):
        if isinstance(value, str) and value in options:
            return value
        raise Refused(f"expected one of {', '.join(options)}, got {str(value)[:20]!r}")
    return parse


def _from_list(options):
    def parse(value):
        x = _parse_float(value)
        for option in options:
            if math.isclose(x, option, rel_tol=1e-9, abs_tol=1e-12):
                return option
        raise Refused(f"expected one of {', '.join(map(_number, options))}, got {x:g}")
    return parse


def _parse_float(value):
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise Refused(f"expected a number, got {type(value).__name__}")
    try:
        x = float(str(value)[:30]) if isinstance(value, str) else float(value)
    except ValueError:
        raise Refused(f"expected a number, got {str(value)[:20]!r}") from None
    if not math.isfinite(x):
        raise Refused("expected a finite number")
    return x


def _integer(low, high, step=1):
    def parse(value):
        x = _parse_float(value)
        if x != int(x) or not low <= x <= high or (int(x) - low) % step:
            raise Refused(f"expected a whole number from {low} to {high} in steps of {step}, "
                          f"got {x:g}")
        return int(x)
    return parse


def _shape(value):
    if isinstance(value, str):
        parts = [p for p in value[:40].split(",") if p.strip()]
    elif isinstance(value, (list, tuple)):
        parts = list(value)
    else:
        raise Refused("expected layer sizes such as 4,2")
    if len(parts) > MAX_LAYERS:
        raise Refused(f"at most {MAX_LAYERS} hidden layers")
    return tuple(_integer(1, MAX_NEURONS)(p) for p in parts)


def _features(value):
    if not isinstance(value, (list, tuple)) or not value:
        raise Refused("expected a non-empty list of features")
    chosen = tuple(f for f in FEATURES if f in value)
    if len(chosen) != len(set(value)):
        raise Refused(f"features are {', '.join(FEATURES)}")
    return chosen


PARSERS = {
    "dataset": _choice(DATASETS), "problem": _choice(PROBLEMS),
    "learningRate": _from_list(LEARNING_RATES), "activation": _choice(ACTIVATIONS),
    "regularization": _choice(REGULARIZATIONS),
    "regularizationRate": _from_list(REGULARIZATION_RATES),
    "noise": _integer(0, 50, 5), "percTrainData": _integer(10, 90, 10),
    "batchSize": _integer(1, 30), "networkShape": _shape, "features": _features,
    "seed": _integer(0, 2 ** 31 - 1), "optimizer": _choice(OPTIMIZERS),
    "schedule": _choice(SCHEDULES), "showTestData": _parse_flag, "discretize": _parse_flag,
}
