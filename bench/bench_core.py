"""Engine overhead: forward + backward time per operation of graphgrad, PyTorch and
hand-written NumPy, measured in the same run.

1. A chain of 1,000 elementwise operations (cycling ×a, +b, tanh, ×scalar) on shapes (1,) and
   (1000,), float64: per-operation time (Python overhead dominates at (1,)).
2. Forward + backward of a 784-256-128-10 ReLU MLP with softmax cross-entropy, batch 128,
   float32 (BLAS dominates: overhead must not show), written as a user would: gg.nn's fused
   linear and cross-entropy.

Run: python -m bench core
"""
import numpy as np

import graphgrad as gg

from .timing import best_of, init, optional_torch

torch = optional_torch()
CHAIN = 1000


# ----------------------------------------------------------------------------- the chain
def chain_recorded(tensor, tanh):
    """The chain in a library that records it (graphgrad or PyTorch): forward, then backward."""
    def make(shape):
        a, b = tensor(np.full(shape, 0.999)), tensor(np.full(shape, 0.001))
        x = tensor(np.random.default_rng(0).random(shape), requires_grad=True)

        def run():
            y = x
            for _ in range(CHAIN // 4):
                y = tanh(y * a + b) * 1.0001
            y.sum().backward()
        return run
    return make


def chain_numpy(shape):
    """The same chain with its backward pass written out by hand."""
    a, b = np.full(shape, 0.999), np.full(shape, 0.001)
    x = np.random.default_rng(0).random(shape)

    def run():
        y, saved = x, []
        for _ in range(CHAIN // 4):
            t = np.tanh(y * a + b)
            saved.append(t)
            y = t * 1.0001
        g = np.ones(shape)
        for t in reversed(saved):
            g = g * 1.0001
            g = g * (1 - t * t)
            g = g * a
        return g
    return run


# ----------------------------------------------------------------------------- the MLP
SIZES = (784, 256, 128, 10)
BATCH = 128


def mlp_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], BATCH)
    return x, y, init(SIZES, rng)


def mlp_graphgrad():
    """The same network from gg.nn's fused operations, weights laid out as nn.Linear keeps
    them ((out, in), column-major)."""
    x, y, weights = mlp_data()
    params = [gg.nn.Parameter(np.asfortranarray(w.T) if w.ndim == 2 else w) for w in weights]
    x, y = gg.tensor(x), gg.tensor(y)
    F = gg.nn.functional

    def run():
        h = x
        for i in range(0, len(params) - 2, 2):
            h = F.relu(F.linear(h, params[i], params[i + 1]))
        F.cross_entropy(F.linear(h, params[-2], params[-1]), y).backward()
        for p in params:
            p.grad = None
    return run


def mlp_torch():
    x, y, weights = mlp_data()
    params = [torch.tensor(w, requires_grad=True) for w in weights]
    x, y = torch.tensor(x), torch.tensor(y)

    def run():
        h = x
        for i in range(0, len(params) - 2, 2):
            h = torch.relu(h @ params[i] + params[i + 1])
        logits = h @ params[-2] + params[-1]
        loss = torch.nn.functional.cross_entropy(logits, y)
        loss.backward()
        for p in params:
            p.grad = None
    return run


def mlp_numpy():
    """Forward and backward written out by hand (the reference the engine must match)."""
    x, y, weights = mlp_data()
    rows = np.arange(BATCH)

    def run():
        acts = [x]
        for i in range(0, len(weights) - 2, 2):
            acts.append(np.maximum(acts[-1] @ weights[i] + weights[i + 1], 0))
        logits = acts[-1] @ weights[-2] + weights[-1]
        shifted = logits - logits.max(axis=1, keepdims=True)
        probs = np.exp(shifted)
        probs /= probs.sum(axis=1, keepdims=True)
        loss = -np.log(probs[rows, y]).mean()
        g = probs
        g[rows, y] -= 1
        g /= BATCH
        grads = []
        for i in range(len(weights) - 2, -1, -2):
            h = acts[i // 2]
            grads += [h.T @ g, g.sum(axis=0)]
            if i:
                g = (g @ weights[i].T) * (h > 0)
        return loss, grads
    return run


def main(quick=False):
    repeat = 5 if quick else 30
    print(f"{'benchmark':<34}{'graphgrad':>12}{'PyTorch':>12}{'NumPy':>12}"
          f"{'gg/torch':>10}{'gg/NumPy':>10}")
    chains = (chain_recorded(gg.tensor, gg.tanh),
              chain_recorded(torch.tensor, torch.tanh) if torch else None, chain_numpy)
    for shape in ((1,), (1000,)):
        row = [best_of(make(shape), repeat)[0] / CHAIN * 1e6 if make else float("nan")
               for make in chains]
        _print(f"chain of {CHAIN} ops {shape}, µs/op", row)
    row = [best_of(make(), repeat)[0] * 1e3 if make else float("nan")
           for make in (mlp_graphgrad, mlp_torch if torch else None, mlp_numpy)]
    _print("MLP fwd+bwd 784-256-128-10, ms", row)


def _print(label, row):
    ours, theirs, numpy_time = row
    print(f"{label:<34}{ours:>12.2f}{theirs:>12.2f}{numpy_time:>12.2f}"
          f"{ours / theirs:>10.2f}{ours / numpy_time:>10.2f}", flush=True)


