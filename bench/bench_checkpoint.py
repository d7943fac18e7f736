"""Memory against recomputation (003 §3.3): one training step of a deep MLP with and without
gradient checkpointing (gg.utils.checkpoint.checkpoint_sequential).

A ReLU MLP of DEPTH hidden layers of width WIDTH, batch BATCH, float32, SGD. For each variant
the table gives the peak memory that tracemalloc sees during forward + backward + step (NumPy
reports its buffers to tracemalloc; the parameters and the batch, allocated before, are not
counted), the module forwards a step runs (recomputation included: a count the machine's
load does not change) and the best CPU time (time.process_time: what the step costs this
process, steadier than wall time on a shared machine) of a few steps; each is timed right after
a plain step and the ratio is the median of these pairs' ratios, so that it sees the same load;
timed without tracemalloc, which slows allocation.

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


def counted(net):
    """net's modules as functions that count their calls in calls[0] (the recomputation)."""
    calls = [0]

    def wrap(module):
        def run(h):
            calls[0] += 1
            return module(h)
        return run
    return [wrap(m) for m in net], calls


def step(net, opt, x, y, segments):
    """One SGD step; net is a list of functions (counted(...)'s)."""
    opt.zero_grad()
    if segments is None:
        out = x
        for f in net:
            out = f(out)
    else:
        out = checkpoint_sequential(net, segments, x, use_reentrant=False)
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
    module = model(depth, width)
    opt = gg.optim.SGD(module.parameters(), lr=1e-3)
    net, calls = counted(module)
    rng = np.random.default_rng(0)
    x = gg.tensor(rng.normal(size=(batch, width)).astype(np.float32))
    y = gg.tensor(rng.integers(0, 10, size=batch))
    modules = 2 * depth + 1
    variants = [("plain", None), *[(f"{k} segments", k) for k in
                                   sorted({2, int(round(np.sqrt(depth))), depth})]]
    activation = batch * width * 4
    print(f"ReLU MLP: {depth} hidden layers of {width}, batch {batch}, float32; one activation "
          f"{activation / 2**20:.2f} MiB; {modules} modules; best of {repeat} steps")
    print(f"{'variant':<14} {'peak MiB':>9} {'vs plain':>9} {'forwards':>9} {'CPU ms':>9} "
          f"{'vs plain':>9}")
    base_mem = None
    for name, segments in variants:
        calls[0] = 0
        step(net, opt, x, y, segments)                       # warm up; count the forwards
        forwards = calls[0]
        mem = peak_bytes(net, opt, x, y, segments)
        base_mem = base_mem or mem
        # plain and this variant alternate: each pair sees the same machine load, and the median
        # of the pairs' ratios is steadier than a ratio of two minima on a busy machine
        times, ratios = [], []
        for _ in range(repeat if segments else 0):
            t0 = best_time(net, opt, x, y, None, 1)
            times.append(best_time(net, opt, x, y, segments, 1))
            ratios.append(times[-1] / t0)
        t = min(times) if times else best_time(net, opt, x, y, None, repeat)
        ratio = float(np.median(ratios)) if ratios else 1.0
        print(f"{name:<14} {mem / 2**20:9.1f} {mem / base_mem:8.2f}× {forwards:9} "
              f"{t * 1e3:9.1f} {ratio:8.2f}×", flush=True)

if __name__ == "__main__":
    main()
