"""gg.compile: a whole training step (forward, cross-entropy, backward, SGD update) recorded once
and replayed, against the same step in eager graphgrad, written by hand in NumPy, and in
PyTorch eager, all measured in the same run, alternating, best of several repeats.

1. 784-256-128-10 ReLU MLP, batch 128, SGD(lr=0.01): one epoch of 60,000 samples (469 steps)
   from a pool of 8,192 random float32 samples (the data does not change the cost).
2. 2-16-16-2 tanh MLP, batch 32, SGD: time per step (Python overhead dominates).
3. Compile cost: the first call of a compiled step (eager run, recording, program building)
   against 5 eager steps.

Run: python -m bench compile
"""
import time

import numpy as np

import graphgrad as gg

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
        lin.weight.data[...] = weights[i].T
        lin.bias.data[...] = weights[i + 1]
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
    """{name: best time of running all its batches}, the contenders alternating."""
    best = {name: float("inf") for name in runners}
    for step, batches in runners.values():   # warm up (and record, for compiled)
        step(*batches[0])
    for _ in range(repeat):
        for name, (step, batches) in runners.items():
            best[name] = min(best[name], best_of(_epoch(step, batches), 1)[0])
    return best


def _epoch(step, batches):
    def run():
        for b in batches:
            step(*b)
    return run


def table(title, best, unit, scale):
    base = best["NumPy"]
    print(f"{title}")
    print(f"  {'':<10}{unit:>12}{'/ NumPy':>10}" + (f"{'/ PyTorch':>11}" if "PyTorch" in best
                                                      else ""))
    for name, t in best.items():
        row = f"  {name:<10}{t * scale:>12.1f}{t / base:>10.2f}"
        if "PyTorch" in best:
            row += f"{t / best['PyTorch']:>11.2f}"
        print(row)


def compile_cost(sizes, act, lr, batch, repeat):
    """(first compiled call, 5 eager steps), best of `repeat` fresh compilations."""
    batches = [(gg.tensor(x), gg.tensor(y)) for x, y in data(sizes, batch, 6)]
    first, eager5 = float("inf"), float("inf")
    for _ in range(repeat):
        step = graphgrad_step(sizes, act, lr, True)
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


def main(quick=False):
    repeat = 2 if quick else 7
    big, tiny = (784, 256, 128, 10), (2, 16, 16, 2)
    steps = 20 if quick else EPOCH // 128 + 1
    best = race(contenders(big, gg.nn.ReLU, 0.01, data(big, 128, steps)), repeat)
    table(f"784-256-128-10 ReLU MLP, batch 128, SGD: {'an epoch' if not quick else 'steps'} "
          f"({steps} steps)", best, "ms", 1e3)
    n = 200 if quick else 2000
    best = race(contenders(tiny, gg.nn.Tanh, 0.1, data(tiny, 32, n)), repeat)
    table("2-16-16-2 tanh MLP, batch 32, SGD: per step", {k: v / n for k, v in best.items()},
          "µs", 1e6)
    for sizes, act, batch, name in ((big, gg.nn.ReLU, 128, "784-256-128-10"),
                                    (tiny, gg.nn.Tanh, 32, "2-16-16-2")):
        first, eager5 = compile_cost(sizes, act, 0.01, batch, repeat)
        print(f"compile cost, {name}: first call {first * 1e3:.2f} ms, 5 eager steps "
              f"{eager5 * 1e3:.2f} ms, ratio {first / eager5:.2f}")


if __name__ == "__main__":
    main()
