"""gg.compile: a whole training step (forward, cross-entropy, backward, SGD update) recorded once
and replayed, against the same step in eager graphgrad, written by hand in NumPy, and in
PyTorch eager, all measured in the same run, alternating, best of several repeats; the tables
also give each contender's least disturbed single step (the steadier figure on a busy machine).

1. 784-256-128-10 ReLU MLP, batch 128, SGD(lr=0.01): one epoch of 60,000 samples (469 steps)
   from a pool of 8,192 random float32 samples (the data does not change the cost).
2. 2-16-16-2 tanh MLP, batch 32, SGD: time per step (Python overhead dominates).
3. Compile cost: the first call of a compiled step (eager run, recording, program building)
   against 5 eager steps, once with Python compiling each program's source (as in a fresh
   process) and once reusing the code of an identical earlier recording; and the big MLP's
   GEMMs alone against the hand NumPy step (the floor under any program of NumPy calls).
4. Peak memory of the big MLP's step (tracemalloc, which sees NumPy's allocations), counting
   all that each contender allocated: weights, gradients, optimizer state, program buffers.
5. The CNN of `graphgrad train --model cnn` (gg.nn.ConvNet, Adam, batch 128, 28×28 random
   images): compiled against eager, time per step.

torch.compile is not run here (it compiles for 13–17 s); issue 13 measured its best one-graph
figure on this machine at 0.78× hand NumPy for the big MLP.

Run: python -m bench compile
"""
import time
import tracemalloc

import numpy as np

import graphgrad as gg
from graphgrad.compile.program import forget_compiled_code

from .timing import best_of, init, optional_torch

torch = optional_torch()
EPOCH = 60_000
POOL = 8192


def data(sizes, batch, steps, seed=0):
    rng = np.random.default_rng(seed)
    pool = rng.normal(size=(max(POOL, batch), sizes[0])).astype(np.float32)
    labels = rng.integers(0, sizes[-1], len(pool))
    starts = [(i * batch) % (len(pool) - batch + 1) for i in range(steps)]
    return [(pool[s:s + batch], labels[s:s + batch]) for s in starts]


# ----------------------------------------------------------------------------- contenders
def graphgrad_step(sizes, act, lr, compiled):
    weights = init(sizes, 0)
    layers = []
    for i in range(0, len(weights), 2):
        lin = gg.nn.Linear(*weights[i].shape)
        lin.weight.array[...] = weights[i].T
        lin.bias.array[...] = weights[i + 1]
        layers += [lin, act()]
    model = gg.nn.Sequential(*layers[:-1])
    opt = gg.optim.SGD(model.parameters(), lr=lr)
    F = gg.nn.functional

    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return gg.compile(step) if compiled else step


def numpy_step(sizes, act, lr):
    """Forward, backward and update written out by hand, as a NumPy user would."""
    weights = init(sizes, 0)
    relu = act is gg.nn.ReLU

    def step(x, y):
        acts = [x]
        for i in range(0, len(weights) - 2, 2):
            z = acts[-1] @ weights[i] + weights[i + 1]
            acts.append(np.maximum(z, 0) if relu else np.tanh(z))
        logits = acts[-1] @ weights[-2] + weights[-1]
        shifted = logits - logits.max(axis=1, keepdims=True)
        probs = np.exp(shifted)
        probs /= probs.sum(axis=1, keepdims=True)
        rows = np.arange(len(y))
        loss = -np.log(probs[rows, y]).mean()
        g = probs
        g[rows, y] -= 1
        g /= len(y)
        for i in range(len(weights) - 2, -1, -2):
            h = acts[i // 2]
            gw, gb = h.T @ g, g.sum(axis=0)
            if i:
                g = g @ weights[i].T
                g = g * (h > 0) if relu else g * (1 - h * h)
            weights[i] -= lr * gw
            weights[i + 1] -= lr * gb
        return loss
    return step


def torch_step(sizes, act, lr):
    weights = init(sizes, 0)
    params = [torch.tensor(w, requires_grad=True) for w in weights]
    opt = torch.optim.SGD(params, lr=lr)
    fn = torch.relu if act is gg.nn.ReLU else torch.tanh

    def step(x, y):
        opt.zero_grad()
        h = x
        for i in range(0, len(params) - 2, 2):
            h = fn(h @ params[i] + params[i + 1])
        loss = torch.nn.functional.cross_entropy(h @ params[-2] + params[-1], y)
        loss.backward()
        opt.step()
        return loss
    return step


def contenders(sizes, act, lr, batches):
    gg_batches = [(gg.tensor(x), gg.tensor(y)) for x, y in batches]
    out = {"compiled": (graphgrad_step(sizes, act, lr, True), gg_batches),
           "eager": (graphgrad_step(sizes, act, lr, False), gg_batches),
           "NumPy": (numpy_step(sizes, act, lr), batches)}
    if torch is not None:
        out["PyTorch"] = (torch_step(sizes, act, lr),
                          [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in batches])
    return out


def race(runners, repeat):
    """({name: best time of running all its batches}, {name: its least disturbed single step}),
    the contenders alternating. On a busy machine the second is the steadier measure."""
    best = {name: float("inf") for name in runners}
    quickest = dict(best)
    for step, batches in runners.values():   # warm up (and record, for compiled)
        step(*batches[0])
    for _ in range(repeat):
        for name, (step, batches) in runners.items():
            start = lap = time.perf_counter()
            for b in batches:
                step(*b)
                now = time.perf_counter()
                quickest[name] = min(quickest[name], now - lap)
                lap = now
            best[name] = min(best[name], lap - start)
    return best, quickest


def table(title, timings, unit, scale):
    """The epoch (or per-step average) and the least disturbed step, each against NumPy and
    PyTorch."""
    print(title)
    torch_too = "PyTorch" in timings[0]
    print(f"  {'':<10}{unit:>10}{'/ NumPy':>9}" + (f"{'/ torch':>9}" if torch_too else "") +
          f"{'best step':>12}{'/ NumPy':>9}" + (f"{'/ torch':>9}" if torch_too else ""))
    for name in timings[0]:
        row = f"  {name:<10}"
        for times, width, s in ((timings[0], 10, scale), (timings[1], 12, 1e6)):
            row += f"{times[name] * s:>{width}.1f}{times[name] / times['NumPy']:>9.2f}"
            if torch_too:
                row += f"{times[name] / times['PyTorch']:>9.2f}"
        print(row)


def compile_cost(sizes, act, lr, batch, repeat, new_code):
    """(first compiled call, 5 eager steps), best of `repeat` fresh compilations. new_code: each
    compilation's source goes through Python's compiler (as in a fresh process); otherwise the
    code object kept from an identical earlier recording is reused (a model recorded again)."""
    batches = [(gg.tensor(x), gg.tensor(y)) for x, y in data(sizes, batch, 6)]
    first, eager5 = float("inf"), float("inf")
    for _ in range(repeat):
        step = graphgrad_step(sizes, act, lr, True)
        if new_code:
            forget_compiled_code()
        start = time.perf_counter()
        step(*batches[0])
        first = min(first, time.perf_counter() - start)
        eager = graphgrad_step(sizes, act, lr, False)
        eager(*batches[0])
        start = time.perf_counter()
        for b in batches[1:]:
            eager(*b)
        eager5 = min(eager5, time.perf_counter() - start)
    return first, eager5


def gemm_floor(sizes, batch, repeat, steps=50):
    """The time of one step's GEMMs alone (forward, ∂W of every layer and ∂h of all but the
    first), in hand NumPy's layout: what no program of NumPy calls can go below."""
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=(a, b)).astype(np.float32) for a, b in zip(sizes, sizes[1:])]
    acts = [rng.random((batch, n), dtype=np.float32) for n in sizes]

    def gemms():
        for _ in range(steps):
            for h, w in zip(acts, weights):
                h @ w
            for i, w in enumerate(weights):
                acts[i].T @ acts[i + 1]
                if i:
                    acts[i + 1] @ w.T
    gemms()                                          # warm-up
    return best_of(gemms, repeat)[0] / steps


def peak_memory(make_step, batches):
    """The most memory allocated at once (MB) during a step, counting everything the contender
    allocated since it was made: weights, gradients, optimizer state, a program's buffers."""
    tracemalloc.start()
    step = make_step()
    step(*batches[0])
    step(*batches[1])
    tracemalloc.reset_peak()
    step(*batches[2])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def memory_table(sizes, batch):
    batches = data(sizes, batch, 3)
    gg_batches = [(gg.tensor(x), gg.tensor(y)) for x, y in batches]
    graphgrad_step(sizes, gg.nn.ReLU, 0.01, True)(*gg_batches[0])   # imports: not counted
    peaks = {"compiled": peak_memory(lambda: graphgrad_step(sizes, gg.nn.ReLU, 0.01, True),
                                     gg_batches),
             "eager": peak_memory(lambda: graphgrad_step(sizes, gg.nn.ReLU, 0.01, False),
                                  gg_batches),
             "NumPy": peak_memory(lambda: numpy_step(sizes, gg.nn.ReLU, 0.01), batches)}
    print(f"peak memory of a {'-'.join(map(str, sizes))} step, batch {batch}, weights included")
    for name, mb in peaks.items():
        print(f"  {name:<10}{mb:>10.2f} MB{mb / peaks['NumPy']:>8.2f} × NumPy")


def cnn_table(steps, repeat):
    rng = np.random.default_rng(0)
    batches = [(gg.tensor(rng.normal(size=(128, 784)).astype(np.float32)),
                gg.tensor(rng.integers(0, 10, 128))) for _ in range(steps)]
    runners = {}
    for name in ("compiled", "eager"):
        model = gg.nn.ConvNet((1, 28, 28), 10, generator=0)
        opt = gg.optim.Adam(model.parameters(), lr=1e-3)

        def step(x, y, model=model, opt=opt):
            opt.zero_grad()
            loss = gg.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss
        runners[name] = (gg.compile(step) if name == "compiled" else step, batches)
    best, quickest = race(runners, repeat)
    print(f"CNN (gg.nn.ConvNet, Adam, batch 128), per step ({steps} steps)")
    for name, t in best.items():
        print(f"  {name:<10}{t / steps * 1e3:>10.1f} ms{t / best['eager']:>8.2f} × eager"
              f"{'   best step':>14}{quickest[name] * 1e3:>8.1f} ms"
              f"{quickest[name] / quickest['eager']:>8.2f} × eager")


def main(quick=False):
    repeat = 2 if quick else 7
    big, tiny = (784, 256, 128, 10), (2, 16, 16, 2)
    steps = 20 if quick else EPOCH // 128 + 1
    timings = race(contenders(big, gg.nn.ReLU, 0.01, data(big, 128, steps)), repeat)
    table(f"784-256-128-10 ReLU MLP, batch 128, SGD: {'an epoch' if not quick else 'steps'} "
          f"({steps} steps), ms; best step, µs", timings, "ms", 1e3)
    n = 200 if quick else 2000
    best, quickest = race(contenders(tiny, gg.nn.Tanh, 0.1, data(tiny, 32, n)), repeat)
    table("2-16-16-2 tanh MLP, batch 32, SGD: per step, µs", (
        {k: v / n for k, v in best.items()}, quickest), "µs", 1e6)
    for sizes, act, batch, name in ((big, gg.nn.ReLU, 128, "784-256-128-10"),
                                    (tiny, gg.nn.Tanh, 32, "2-16-16-2")):
        for new_code, how in ((True, "new code"), (False, "code reused")):
            first, eager5 = compile_cost(sizes, act, 0.01, batch, repeat, new_code)
            print(f"compile cost, {name} ({how}): first call {first * 1e3:.2f} ms, 5 eager "
                  f"steps {eager5 * 1e3:.2f} ms, ratio {first / eager5:.2f}")
    hand, floor_batches = numpy_step(big, gg.nn.ReLU, 0.01), data(big, 128, 50)
    hand(*floor_batches[0])                          # warm-up
    numpy_time = best_of(lambda: [hand(*b) for b in floor_batches], repeat)[0] / \
        len(floor_batches)
    floor = gemm_floor(big, 128, repeat)
    print(f"784-256-128-10, batch 128: its GEMMs alone {floor * 1e6:.0f} µs a step, "
          f"{floor / numpy_time:.2f}× the hand NumPy step ({numpy_time * 1e6:.0f} µs)")
    memory_table(big, 128)
    cnn_table(3 if quick else 10, 2 if quick else 3)


if __name__ == "__main__":
    main()
