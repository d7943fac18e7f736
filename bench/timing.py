"""What the benchmarks share: the best-of-n timer, PyTorch when it is installed (limited to 2
threads, so that comparisons on a shared machine stay fair), and the MLP weights every
contender starts from."""
import math
import time

import numpy as np


def best_of(fn, repeat):
    """(smallest wall time of `repeat` calls — the least disturbed run —, the last result)."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def optional_torch():
    """The torch module set to 2 threads, or None (tables then leave PyTorch out)."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(2)
    return torch


def init(sizes, seed=0):
    """[W₁, b₁, W₂, b₂, …] of an MLP with these layer sizes, float32, each W stored (in, out):
    PyTorch's Linear initialisation U(−1/√n_in, 1/√n_in). seed: a seed or a NumPy Generator
    (whose stream it continues)."""
    rng = np.random.default_rng(seed)
    weights = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        bound = 1 / math.sqrt(n_in)
        weights.append(rng.uniform(-bound, bound, (n_in, n_out)).astype(np.float32))
        weights.append(rng.uniform(-bound, bound, n_out).astype(np.float32))
    return weights
