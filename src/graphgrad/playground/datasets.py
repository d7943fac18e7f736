"""The Playground's six data sets on the plane [−6, 6]², as in TensorFlow Playground: four for
classification (labels ±1) and two for regression (targets in [−1, 1]).

Each generator takes (n, noise, rng) with noise in [0, 1] (the page's 0–50 % divided by 100)
and returns points (n, 2) and targets (n,), both float64.
"""
import numpy as np

RADIUS = 5.0          # the data live in the disc/square of this radius; the view spans ±6
CLASSIFICATION = ("circle", "xor", "gauss", "spiral")
REGRESSION = ("plane", "multigauss")
DATASETS = CLASSIFICATION + REGRESSION


def circle(n, noise, rng):
    """Label +1 inside r < R/2, −1 on the ring 0.7R < r < R; the label is read from the clean
    point, then uniform noise of ±noise·R moves it (so noisy points cross the gap)."""
    inner = np.arange(n) < n // 2
    r = np.where(inner, rng.uniform(0, 0.5 * RADIUS, n), rng.uniform(0.7 * RADIUS, RADIUS, n))
    angle = rng.uniform(0, 2 * np.pi, n)
    points = np.stack([r * np.sin(angle), r * np.cos(angle)], 1)
    labels = np.where(inner, 1.0, -1.0)
    return points + rng.uniform(-1, 1, (n, 2)) * noise * RADIUS, labels


def xor(n, noise, rng):
    """Uniform in [−R, R]² kept 0.3 away from the axes; label sign(x₁x₂) of the clean point."""
    points = rng.uniform(-RADIUS, RADIUS, (n, 2))
    points += np.where(points > 0, 0.3, -0.3)
    labels = np.where(points[:, 0] * points[:, 1] >= 0, 1.0, -1.0)
    return points + rng.uniform(-1, 1, (n, 2)) * noise * RADIUS, labels


def gauss(n, noise, rng):
    """Two Gaussian clouds at (2, 2) (label +1) and (−2, −2) (label −1), σ from 0.5 to 4."""
    sigma = 0.5 + 3.5 * noise
    labels = np.where(np.arange(n) < n // 2, 1.0, -1.0)
    points = labels[:, None] * 2.0 + rng.normal(0, sigma, (n, 2))
    return points, labels


def spiral(n, noise, rng):
    """Two interleaved spirals r = R·t, angle 1.75·2π·t (+π for the second), t ∈ [0, 1)."""
    half = n // 2
    t = np.concatenate([np.arange(half) / half, np.arange(n - half) / max(n - half, 1)])
    second = np.arange(n) >= half
    angle = 1.75 * 2 * np.pi * t + np.where(second, np.pi, 0.0)
    r = RADIUS * t
    points = np.stack([r * np.sin(angle), r * np.cos(angle)], 1)
    labels = np.where(second, -1.0, 1.0)
    return points + rng.uniform(-1, 1, (n, 2)) * noise, labels


def plane(n, noise, rng):
    """Target (x₁ + x₂)/(2R) of the clean point: a tilted plane, in [−1, 1]."""
    points = rng.uniform(-RADIUS, RADIUS, (n, 2))
    targets = points.sum(1) / (2 * RADIUS)
    return points + rng.uniform(-1, 1, (n, 2)) * noise * RADIUS, targets


#: Centres and signs of the multi-Gaussian's six bumps: target = Σ sign·exp(−|p − c|²/2σ²)
BUMPS = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1],
                  [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]], dtype=float)


def multigauss(n, noise, rng):
    """Six Gaussian bumps of alternating sign (σ = 1.5): a wavy regression surface."""
    points = rng.uniform(-RADIUS, RADIUS, (n, 2))
    targets = multigauss_surface(points)
    return points + rng.uniform(-1, 1, (n, 2)) * noise * RADIUS, targets


def multigauss_surface(points):
    d2 = ((points[:, None, :] - BUMPS[None, :, :2]) ** 2).sum(-1)
    return np.clip((BUMPS[:, 2] * np.exp(-d2 / (2 * 1.5 ** 2))).sum(1), -1, 1)


GENERATORS = {"circle": circle, "xor": xor, "gauss": gauss, "spiral": spiral,
              "plane": plane, "multigauss": multigauss}


def make(name, n, noise, seed, train_fraction):
    """(x_train, y_train, x_test, y_test) of data set `name`: n points from `seed`, shuffled,
    the first round(n·train_fraction) for training."""
    rng = np.random.default_rng(seed)
    points, targets = GENERATORS[name](n, noise, rng)
    order = rng.permutation(n)
    points, targets = points[order], targets[order]
    k = min(max(int(round(n * train_fraction)), 1), n - 1)
    return points[:k], targets[:k], points[k:], targets[k:]
