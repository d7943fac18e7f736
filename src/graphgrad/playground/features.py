"""The input features the network may read from a point (x₁, x₂), as in TensorFlow
Playground: x₁, x₂, x₁², x₂², x₁x₂, sin x₁, sin x₂ (each one toggled on the page)."""
import numpy as np

FUNCTIONS = {
    "x1": lambda p: p[:, 0],
    "x2": lambda p: p[:, 1],
    "x1sq": lambda p: p[:, 0] ** 2,
    "x2sq": lambda p: p[:, 1] ** 2,
    "x1x2": lambda p: p[:, 0] * p[:, 1],
    "sinx1": lambda p: np.sin(p[:, 0]),
    "sinx2": lambda p: np.sin(p[:, 1]),
}
FEATURES = tuple(FUNCTIONS)
LABELS = {"x1": "x₁", "x2": "x₂", "x1sq": "x₁²", "x2sq": "x₂²", "x1x2": "x₁x₂",
          "sinx1": "sin x₁", "sinx2": "sin x₂"}


def compute(points, names):
    """The chosen features of points (n, 2) as a float32 matrix (n, len(names))."""
    return np.stack([FUNCTIONS[n](points) for n in names], 1).astype(np.float32)
