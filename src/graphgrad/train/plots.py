"""Pictures of training (matplotlib, optional: ``pip install graphgrad[plot]``): loss and
accuracy curves, and for 2-D inputs the decision regions as TensorFlow Playground draws them.

Figures are drawn on their own Agg canvas, so no pyplot state or GUI backend is touched."""
import numpy as np

from ..grad_mode import no_grad
from ..tensor import Tensor, leaf


def new_figure(width, height):
    """A matplotlib Figure (inches) on its own Agg canvas; ImportError naming the extra when
    matplotlib is missing."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("plotting needs matplotlib: pip install 'graphgrad[plot]' "
                          "(or pip install matplotlib)") from None
    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    return figure


def plot_history(history, path=None):
    """Loss (and accuracy, when measured) per epoch, training and validation; saved to path
    (PNG, SVG or PDF by its suffix) when given. Returns the matplotlib Figure."""
    panels = [name for name in ("loss", "accuracy") if name in history]
    figure = new_figure(5 * len(panels), 3.6)
    for i, name in enumerate(panels, 1):
        axes = figure.add_subplot(1, len(panels), i)
        for key, label in ((name, "train"), (f"val_{name}", "validation")):
            if key in history:
                axes.plot(history.epochs, history[key], marker=".", label=label)
        axes.set_xlabel("epoch")
        axes.set_ylabel(name)
        if name == "loss" and min(history["loss"]) > 0:
            axes.set_yscale("log")
        axes.grid(alpha=0.3)
        axes.legend()
    figure.tight_layout()
    if path is not None:
        figure.savefig(path)
    return figure


def predict_classes(model, x):
    """Class predictions of a classifier's outputs: argmax of scores, or logit > 0 for one
    output."""
    with no_grad():
        out = model(x if isinstance(x, Tensor) else leaf(np.asarray(x)))
    scores = np.asarray(out.array)
    if scores.ndim == 2 and scores.shape[1] > 1:
        return scores.argmax(axis=1)
    return (scores.reshape(len(scores)) > 0).astype(np.int64)


def plot_decision_boundary(model, x, y, path=None, resolution=200, title=None):
    """The plane coloured by the model's predicted class, with the samples on top
    (2-D inputs only). Returns the Figure; saves it to path when given."""
    x, y = np.asarray(getattr(x, "array", x)), np.asarray(getattr(y, "array", y))
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary needs 2-D inputs (n, 2), got shape {x.shape}")
    low, high = x.min(axis=0), x.max(axis=0)
    pad = 0.1 * (high - low)
    u = np.linspace(low[0] - pad[0], high[0] + pad[0], resolution)
    v = np.linspace(low[1] - pad[1], high[1] + pad[1], resolution)
    grid = np.stack(np.meshgrid(u, v), axis=-1).reshape(-1, 2).astype(x.dtype)
    regions = predict_classes(model, grid).reshape(resolution, resolution)
    figure = new_figure(4.8, 4.4)
    axes = figure.add_subplot(1, 1, 1)
    levels = np.arange(max(regions.max(), y.max()) + 2) - 0.5
    axes.contourf(u, v, regions, levels=levels, cmap="coolwarm", alpha=0.35)
    axes.scatter(x[:, 0], x[:, 1], c=y, cmap="coolwarm", s=12, edgecolors="k", linewidths=0.3,
                 vmin=levels[0], vmax=levels[-1])
    axes.set_aspect("equal")
    axes.set_title(title or "decision regions")
    figure.tight_layout()
    if path is not None:
        figure.savefig(path)
    return figure
