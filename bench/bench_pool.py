"""Pooling: forward + backward of max_pool2d and avg_pool2d, 2×2 windows, stride 2, on a batch
of 64 × 32 channels × 28×28, float32 — graphgrad, PyTorch (2 threads) and hand-written NumPy
(the window axes split off by a reshape, the gradient sent back through the argmax), measured
in the same run, alternating, best of several rounds.

Run: python -m bench pool
"""
import numpy as np

import graphgrad as gg

from .timing import best_of, optional_torch

torch = optional_torch()
SHAPE = (64, 32, 28, 28)


def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=SHAPE).astype(np.float32)
    g = rng.normal(size=SHAPE[:2] + (SHAPE[2] // 2, SHAPE[3] // 2)).astype(np.float32)
    return x, g


def graphgrad(op):
    x, g = data()
    x, g = gg.tensor(x, requires_grad=True), gg.tensor(g)
    pool = getattr(gg.nn.functional, op)

    def run():
        x.grad = None
        pool(x, 2).backward(g)
        return x.grad
    return run


def pytorch(op):
    x, g = data()
    x, g = torch.tensor(x, requires_grad=True), torch.tensor(g)
    pool = getattr(torch.nn.functional, op)

    def run():
        x.grad = None
        pool(x, 2).backward(g)
        return x.grad
    return run


def numpy(op):
    """The hand-written version: windows as axes 3 and 5 of a reshaped view."""
    x, g = data()
    n, c, h, w = SHAPE

    def run_max():
        windows = x.reshape(n, c, h // 2, 2, w // 2, 2)
        flat = windows.transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h // 2, w // 2, 4)
        arg = flat.argmax(axis=-1)
        out = np.take_along_axis(flat, arg[..., None], -1)[..., 0]       # the forward's value
        grad = np.zeros_like(flat)
        np.put_along_axis(grad, arg[..., None], g[..., None], -1)
        del out
        return grad.reshape(n, c, h // 2, w // 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(
            SHAPE)

    def run_avg():
        out = x.reshape(n, c, h // 2, 2, w // 2, 2).mean(axis=(3, 5))
        del out
        share = np.broadcast_to((g / 4)[:, :, :, None, :, None], (n, c, h // 2, 2, w // 2, 2))
        return share.reshape(SHAPE)
    return run_max if op == "max_pool2d" else run_avg


def main(quick=False):
    rounds, repeat = (2, 2) if quick else (5, 10)
    print(f"pooling 2×2 stride 2, forward + backward, batch {SHAPE}, float32 "
          f"(best of {rounds}×{repeat}, alternating)")
    contenders = [("graphgrad", graphgrad), ("numpy", numpy)]
    if torch is not None:
        contenders.insert(1, ("pytorch", pytorch))
    print(f"{'op':<12}" + "".join(f"{name:>12}" for name, _ in contenders) + "   graphgrad/torch")
    for op in ("max_pool2d", "avg_pool2d"):
        runs = {name: make(op) for name, make in contenders}
        best = {name: float("inf") for name in runs}
        for _ in range(rounds):
            for name, run in runs.items():
                best[name] = min(best[name], best_of(run, repeat)[0])
        ratio = f"{best['graphgrad'] / best['pytorch']:.2f}×" if "pytorch" in best else "-"
        print(f"{op:<12}" + "".join(f"{best[name] * 1e3:>10.2f}ms" for name in runs)
              + f"   {ratio:>10}")
