"""Convolutions: conv2d forward + backward (batch 64, 32 → 64 channels, 3×3, 28×28, stride 1,
padding 1, float32) in graphgrad, PyTorch (2 threads) and hand-written NumPy (im2col by
sliding_window_view, one GEMM each way, col2im by a loop over the 9 kernel offsets), measured
in the same run, alternating, best of several rounds; then one training epoch of the CNN of
`graphgrad train --model cnn` (conv 32 → pool → conv 64 → pool → dense 128 → 10, Adam, batch
128) on 60,000 28×28 images (Fashion-MNIST when it is installed, else random images) in
graphgrad and in PyTorch, each in a subprocess of its own that reports its time and its peak
resident memory (VmHWM; the 188 MB of images are in both).

The epoch is timed on its first `--batches` batches (default 60 of 469, `--quick` 8) and
scaled to the 469 batches of 60,000 images, the best of 3 alternating rounds (1 with
`--quick`); the table says so. `--full` times a whole epoch.

Run: python -m bench conv   (or python -m bench.bench_conv [--quick] [--full])
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import graphgrad as gg

from .timing import best_of, optional_torch

N, C, OUT, H, K = 64, 32, 64, 28, 3
IMAGES, BATCH = 60_000, 128


def conv_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N, C, H, H)).astype(np.float32)
    w = (rng.normal(size=(OUT, C, K, K)) * 0.1).astype(np.float32)
    b = rng.normal(size=OUT).astype(np.float32)
    g = rng.normal(size=(N, OUT, H, H)).astype(np.float32)
    return x, w, b, g


def graphgrad_conv():
    x, w, b, g = conv_data()
    x, w, b = (gg.tensor(a, requires_grad=True) for a in (x, w, b))
    g = gg.tensor(g)

    def run():
        x.grad = w.grad = b.grad = None
        gg.nn.functional.conv2d(x, w, b, padding=1).backward(g)
        return x.grad
    return run


def pytorch_conv():
    torch = optional_torch()
    x, w, b, g = conv_data()
    x, w, b = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    g = torch.tensor(g)

    def run():
        x.grad = w.grad = b.grad = None
        torch.nn.functional.conv2d(x, w, b, padding=1).backward(g)
        return x.grad
    return run


def numpy_conv():
    """The hand-written version: im2col, one GEMM forward, two backward, col2im."""
    x, w, b, g = conv_data()

    def run():
        xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
        cols = sliding_window_view(xp, (K, K), axis=(2, 3))           # (N, C, H, W, K, K)
        cols = cols.transpose(1, 4, 5, 0, 2, 3).reshape(C * K * K, -1)  # one copy
        wm = w.reshape(OUT, -1)
        y = (wm @ cols).reshape(OUT, N, H, H).transpose(1, 0, 2, 3) + b[:, None, None]
        y = np.ascontiguousarray(y)
        gm = g.transpose(1, 0, 2, 3).reshape(OUT, -1)
        dw = (gm @ cols.T).reshape(w.shape)
        db = g.sum(axis=(0, 2, 3))
        dcols = (wm.T @ gm).reshape(C, K, K, N, H, H)
        dxp = np.zeros((C, N, H + 2, H + 2), np.float32)
        for i in range(K):
            for j in range(K):
                dxp[:, :, i:i + H, j:j + H] += dcols[:, i, j]
        dx = np.ascontiguousarray(dxp[:, :, 1:-1, 1:-1].transpose(1, 0, 2, 3))
        return y, dw, db, dx
    return run


def check_agreement():
    """The three compute the same gradient (float32 accuracy)."""
    ours, hand = graphgrad_conv()().numpy(), numpy_conv()()[3]
    np.testing.assert_allclose(ours, hand, rtol=1e-3, atol=1e-3)
    if optional_torch() is not None:
        np.testing.assert_allclose(ours, pytorch_conv()().numpy(), rtol=1e-3, atol=1e-3)


def conv_table(quick):
    check_agreement()
    contenders = {"graphgrad": graphgrad_conv(), "NumPy by hand": numpy_conv()}
    if optional_torch() is not None:
        contenders["PyTorch 2 threads"] = pytorch_conv()
    best = {name: float("inf") for name in contenders}
    for _ in range(2 if quick else 5):               # alternating rounds, best of each
        for name, fn in contenders.items():
            best[name] = min(best[name], best_of(fn, 1 if quick else 2)[0])
    print(f"conv2d forward + backward, x {N}x{C}x{H}x{H}, W {OUT}x{C}x{K}x{K}, padding 1, float32 "
          f"(best of {'2' if quick else '5'} alternating rounds)")
    base = best.get("PyTorch 2 threads")
    for name, seconds in best.items():
        ratio = f"{seconds / base:5.2f}x PyTorch" if base else ""
        print(f"  {name:<20} {seconds * 1e3:8.1f} ms  {ratio}")
    return best


# ------------------------------------------------------------------------------ the epoch
def epoch_data():
    try:
        x, y = gg.data.fashion_mnist(train=True, download=False)
        x, y, source = x.numpy(), y.numpy(), "Fashion-MNIST"
    except Exception:                                 # not installed: images of that shape
        rng = np.random.default_rng(0)
        x = rng.uniform(size=(IMAGES, 784)).astype(np.float32)
        y, source = rng.integers(0, 10, IMAGES), "random images"
    x = np.require(x, np.float32, ["W"])              # standardised in place, in slices: no
    mean = x.mean(dtype=np.float64)                   # full-size temporaries to lift the peak
    std = np.sqrt(sum(np.square(part - mean).sum() for part in np.array_split(x, 20)) / x.size)
    x -= mean
    x /= std
    return x, y.astype(np.int64), source


def _peak_kb():
    """This process's peak resident set in kB: Linux's VmHWM (ru_maxrss would include the
    parent's peak at the fork), else ru_maxrss."""
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _worker(library, batches):
    """One (partial) epoch in this process: prints its time, peak and starting memory."""
    x, y, source = epoch_data()
    base = _peak_kb()
    order = np.random.default_rng(0).permutation(len(y))
    steps = [order[i:i + BATCH] for i in range(0, len(y), BATCH)][:batches]
    step = _gg_step() if library == "graphgrad" else _torch_step()
    step(x[steps[0]], y[steps[0]])                    # warm-up (not timed)
    start = time.perf_counter()
    for rows in steps:
        step(x[rows], y[rows])
    seconds = time.perf_counter() - start
    peak = _peak_kb()
    print(json.dumps({"seconds": seconds, "batches": len(steps), "peak_mb": peak / 1024,
                      "base_mb": base / 1024, "source": source}))


def _gg_step():
    model = gg.nn.ConvNet((1, 28, 28), 10, generator=0)
    opt = gg.optim.Adam(model.parameters(), lr=1e-3)

    def step(xb, yb):
        opt.zero_grad()
        gg.nn.functional.cross_entropy(model(gg.tensor(xb)), gg.tensor(yb)).backward()
        opt.step()
    return step


def _torch_step():
    torch = optional_torch()
    t = torch.nn
    model = t.Sequential(t.Unflatten(1, (1, 28, 28)), t.Conv2d(1, 32, 3, padding=1), t.ReLU(),
                         t.MaxPool2d(2), t.Conv2d(32, 64, 3, padding=1), t.ReLU(),
                         t.MaxPool2d(2), t.Flatten(), t.Linear(64 * 7 * 7, 128), t.ReLU(),
                         t.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step(xb, yb):
        opt.zero_grad()
        t.functional.cross_entropy(model(torch.from_numpy(xb)), torch.from_numpy(yb)).backward()
        opt.step()
    return step


def epoch_table(batches, rounds=3):
    """Each library's (partial) epoch in a subprocess, `rounds` times alternating; the fastest
    round of each is reported (this machine's speed wanders by a third from minute to
    minute)."""
    libraries = ["graphgrad"] + (["PyTorch"] if optional_torch() is not None else [])
    results = {}
    for _ in range(rounds):
        for library in libraries:
            done = subprocess.run([sys.executable, "-m", "bench.bench_conv", "--worker", library,
                                   str(batches)], capture_output=True, text=True,
                                  cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
            if done.returncode:
                raise RuntimeError(f"the {library} epoch failed:\n{done.stderr}")
            result = json.loads(done.stdout.strip().splitlines()[-1])
            if library not in results or result["seconds"] < results[library]["seconds"]:
                results[library] = result
    total = -(-IMAGES // BATCH)
    first = results["graphgrad"]
    scaled = "" if first["batches"] == total else \
        f"; timed on {first['batches']} batches, scaled to {total}"
    print(f"one epoch of the CNN on {IMAGES:,} images ({first['source']}), batch {BATCH}, "
          f"Adam{scaled}, the best of {rounds} alternating rounds; memory: peak resident set "
          f"(the images included)")
    base = results.get("PyTorch")
    for name, r in results.items():
        epoch = r["seconds"] * total / r["batches"]
        ratio = (f"{epoch / (base['seconds'] * total / base['batches']):5.2f}x PyTorch time, "
                 f"{r['peak_mb'] / base['peak_mb']:4.2f}x memory") if base else ""
        print(f"  {name:<10} {epoch:7.1f} s/epoch  peak {r['peak_mb']:6.0f} MB (at start "
              f"{r['base_mb']:4.0f} MB)  {ratio}")
    return results


def main(quick=False, batches=None):
    conv_table(quick)
    epoch_table(batches or (8 if quick else 60), 1 if quick else 3)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--full", action="store_true", help="time a whole epoch")
    parser.add_argument("--batches", type=int, help="batches to time the epoch on")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args.worker[0], int(args.worker[1]))
    else:
        main(args.quick, -(-IMAGES // BATCH) if args.full else args.batches)
