"""The 2-D classification sets of the notes and of TensorFlow Playground: XOR, two moons,
circles, spirals and Gaussian blobs. Each returns (x, y): float32 points of shape (n, 2) and
int64 labels, from a seed, with Gaussian noise of standard deviation `noise` on the points."""
import numpy as np

from ..random import numpy_generator
from ..tensor import leaf


def _finish(x, y, noise, rng):
    x = x + rng.normal(scale=noise, size=x.shape) if noise else x
    order = rng.permutation(len(y))
    return leaf(x[order].astype(np.float32)), leaf(y[order].astype(np.int64))


def _split(n, k):
    """n samples into k nearly equal class sizes."""
    return [n // k + (i < n % k) for i in range(k)]


def xor(n_samples=200, noise=0.1, seed=None, margin=0.1):
    """Points uniform in [−1, 1]², at least `margin` from the axes; label 1 where exactly one
    coordinate is positive (001's XOR: no line separates the classes)."""
    rng = numpy_generator(seed)
    y = np.repeat([0, 1], _split(n_samples, 2))
    first = rng.choice([-1.0, 1.0], size=n_samples)
    signs = np.stack([first, np.where(y == 1, -first, first)], 1)
    x = rng.uniform(margin, 1.0, size=(n_samples, 2)) * signs
    return _finish(x, y, noise, rng)


def moons(n_samples=200, noise=0.1, seed=None):
    """Two interleaving half circles (the upper one class 0)."""
    rng = numpy_generator(seed)
    n0, n1 = _split(n_samples, 2)
    a, b = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n1)
    x = np.concatenate([np.stack([np.cos(a), np.sin(a)], 1),
                        np.stack([1 - np.cos(b), 0.5 - np.sin(b)], 1)])
    return _finish(x, np.repeat([0, 1], [n0, n1]), noise, rng)


def circles(n_samples=200, noise=0.05, seed=None, factor=0.5):
    """A circle of radius 1 (class 0) around one of radius `factor` (class 1)."""
    rng = numpy_generator(seed)
    n0, n1 = _split(n_samples, 2)
    a = np.linspace(0, 2 * np.pi, n0, endpoint=False)
    b = np.linspace(0, 2 * np.pi, n1, endpoint=False)
    x = np.concatenate([np.stack([np.cos(a), np.sin(a)], 1),
                        factor * np.stack([np.cos(b), np.sin(b)], 1)])
    return _finish(x, np.repeat([0, 1], [n0, n1]), noise, rng)


def spirals(n_samples=200, noise=0.05, seed=None, n_classes=2, turns=1.0):
    """`n_classes` interleaved spiral arms r = t, θ = 2π(turns·t + k/n_classes), t ∈ (0, 1]."""
    rng = numpy_generator(seed)
    sizes = _split(n_samples, n_classes)
    arms = []
    for k, n in enumerate(sizes):
        t = np.linspace(0.05, 1.0, n)
        theta = 2 * np.pi * (turns * t + k / n_classes)
        arms.append(np.stack([t * np.cos(theta), t * np.sin(theta)], 1))
    return _finish(np.concatenate(arms), np.repeat(np.arange(n_classes), sizes), noise, rng)


def blobs(n_samples=200, noise=1.0, seed=None, n_classes=3, centers=None, box=(-5.0, 5.0)):
    """Gaussian blobs of standard deviation `noise` around `centers` (default: `n_classes`
    centres uniform in the box)."""
    rng = numpy_generator(seed)
    centers = (rng.uniform(*box, size=(n_classes, 2)) if centers is None
               else np.asarray(centers, dtype=np.float64))
    sizes = _split(n_samples, len(centers))
    x = np.concatenate([np.repeat(c[None], n, 0) for c, n in zip(centers, sizes)])
    return _finish(x, np.repeat(np.arange(len(centers)), sizes), noise, rng)


PLANAR = {"xor": xor, "moons": moons, "circles": circles, "spirals": spirals, "blobs": blobs}
