"""History: what ``fit`` measured, epoch by epoch (like Keras' History)."""
import math


class History:
    """Per-epoch values: ``history["loss"]``, ``history["val_accuracy"]``, ... with the epoch
    numbers in ``history.epochs``."""

    def __init__(self):
        self.epochs = []
        self.metrics = {}

    def append(self, epoch, logs):
        """Record one epoch's values (a metric missing in some epochs gets NaN there)."""
        for name in logs:  # columns in the order metrics first appear
            self.metrics.setdefault(name, [math.nan] * len(self.epochs))
        self.epochs.append(int(epoch))
        for name, column in self.metrics.items():
            column.append(float(logs.get(name, math.nan)))

    def __getitem__(self, name):
        if name not in self.metrics:
            raise KeyError(f"no metric {name!r} in this history; it has {sorted(self.metrics)}")
        return self.metrics[name]

    def __contains__(self, name):
        return name in self.metrics

    def __len__(self):
        return len(self.epochs)

    def last(self, name, default=None):
        values = self.metrics.get(name)
        return values[-1] if values else default

    def best(self, monitor, mode="auto"):
        """(epoch, value) of the best value of a metric (lowest for losses, highest for
        accuracies when mode is 'auto')."""
        values = self[monitor]
        better = _better(monitor, mode)
        index = None
        for i, v in enumerate(values):
            if not math.isnan(v) and (index is None or better(v, values[index])):
                index = i
        if index is None:
            raise ValueError(f"History.best: {monitor!r} has no value yet")
        return self.epochs[index], values[index]

    def to_dict(self):
        return {"epochs": list(self.epochs), **{k: list(v) for k, v in self.metrics.items()}}

    @classmethod
    def from_dict(cls, data):
        history = cls()
        history.epochs = [int(e) for e in data["epochs"]]
        history.metrics = {k: [math.nan if x is None else float(x) for x in v]
                           for k, v in data.items() if k != "epochs"}  # strict JSON: null
        return history

    def plot(self, path=None):
        """Loss and accuracy curves (matplotlib; see graphgrad.train.plots)."""
        from .plots import plot_history
        return plot_history(self, path)

    def __repr__(self):
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in sorted(self.metrics.items()) if v)
        return f"History({len(self.epochs)} epochs{': ' + last if last else ''})"


def _better(monitor, mode):
    """a, b -> whether a is better than b for this metric."""
    if mode == "auto":
        mode = "max" if "acc" in monitor else "min"
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'min', 'max' or 'auto', got {mode!r}")
    return (lambda a, b: a < b) if mode == "min" else (lambda a, b: a > b)
