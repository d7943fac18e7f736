"""Memory against recomputation (003 §3.3): one training step of a deep MLP with and without
gradient checkpointing (gg.utils.checkpoint.checkpoint_sequential).

A ReLU MLP of DEPTH hidden layers of width WIDTH, batch BATCH, float32, SGD. For each variant
the table gives the peak memory that tracemalloc sees during forward + backward + step (NumPy
reports its buffers to tracemalloc; the parameters and the batch, allocated before, are not
counted) and the best CPU time (time.process_time: what the step costs this process, steadier
than wall time on a shared machine) of a few steps, alternating with plain steps so that the
ratio sees the same load; timed without tracemalloc, which slows allocation.

- plain: every activation is kept for the backward pass: memory grows like DEPTH;
- k segments: only the input of each segment is kept, and a segment's activations exist only
  while its forward is recomputed during the backward pass: memory ~ k + DEPTH/k, least near
  k = √DEPTH, for about one extra forward pass (the backward costs ~2 forwards, so ~+1/3).

Run: python -m bench checkpoint
"""
import time
import tracemalloc

import numpy as np

import graphgrad as gg
from graphgrad.utils.checkpoint import checkpoint_sequential

DEPTH, WIDTH, BATCH = 36, 256, 1024


def model(depth, width, seed=0):
    gg.manual_seed(seed)
    layers = []
    for _ in range(depth):
        layers += [gg.nn.Linear(width, width), gg.nn.ReLU()]
    return gg.nn.Sequential(*layers, gg.nn.Linear(width, 10))


def step(net, opt, x, y, segments):
    opt.zero_grad()
    out = net(x) if segments is None else \
        checkpoint_sequential(net, segments, x, use_reentrant=False)
    loss = gg.nn.functional.cross_entropy(out, y)
    loss.backward()
    opt.step()
    return float(loss)


def peak_bytes(net, opt, x, y, segments):
    tracemalloc.start()
    tracemalloc.reset_peak()
    step(net, opt, x, y, segments)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def best_time(net, opt, x, y, segments, repeat):
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        step(net, opt, x, y, segments)
        best = min(best, time.process_time() - t)
    return best


def main(quick=False):
    depth, width, batch = (8, 64, 256) if quick else (DEPTH, WIDTH, BATCH)
    repeat = 2 if quick else 5
    net = model(depth, width)
    opt = gg.optim.SGD(net.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    x = gg.tensor(rng.normal(size=(batch, width)).astype(np.float32))
    y = gg.tensor(rng.integers(0, 10, size=batch))
    modules = 2 * depth + 1
    variants = [("plain", None), *[(f"{k} segments", k) for k in
                                   sorted({2, int(round(np.sqrt(depth))), depth})]]
    activation = batch * width * 4
    print(f"ReLU MLP: {depth} hidden layers of {width}, batch {batch}, float32; one activation "
          f"{activation / 2**20:.2f} MiB; {modules} modules; best of {repeat} steps")
    print(f"{'variant':<14} {'peak MiB':>9} {'vs plain':>9} {'CPU ms':>9} {'vs plain':>9}")
    base_mem = None
    for name, segments in variants:
        step(net, opt, x, y, segments)                       # warm up
        mem = peak_bytes(net, opt, x, y, segments)
        base_mem = base_mem or mem
        # plain and this variant alternate, best of each: the ratio sees the same machine load
        t, t0 = float("inf"), float("inf")
        for _ in range(repeat):
            t0 = min(t0, best_time(net, opt, x, y, None, 1))
            t = min(t, best_time(net, opt, x, y, segments, 1))
        print(f"{name:<14} {mem / 2**20:9.1f} {mem / base_mem:8.2f}× {t * 1e3:9.1f} "
              f"{t / t0:8.2f}×", flush=True)

if __name__ == "__main__":
    main()
