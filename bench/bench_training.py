"""Training speed: graphgrad against PyTorch (2 threads) and hand-written NumPy, in one run.

1. One epoch of a 784-256-128-10 ReLU MLP, softmax cross-entropy, batch 128, float32, plain
   SGD, shuffled each epoch — on Fashion-MNIST's 60,000 training images when they are on this
   machine, else on random data of the same shape.
2. One training step (forward, backward, SGD update) of a 2-16-16-2 tanh MLP at batch 32:
   Python overhead dominates.
3. One step of a micrograd-style network built from scalars (2-8-8-1, tanh, 4 samples): every
   operation is on 0-d tensors; the reference is a minimal scalar autodiff in pure Python.

Each time is the best of several repetitions. Run: python -m bench training [--quick]
"""
import math

import numpy as np

import graphgrad as gg

from .timing import best_of, init, optional_torch

torch = optional_torch()         # None: the table shows graphgrad and NumPy only

BIG, SMALL, SCALAR = (784, 256, 128, 10), (2, 16, 16, 2), (2, 8, 8, 1)
LR = 0.05


def training_data(n_limit):
    """(x, y, source): Fashion-MNIST's training set if present, else random data alike."""
    try:
        x, y = gg.data.fashion_mnist(train=True, download=False)
        x, y, source = x.array, y.array, "Fashion-MNIST"
    except (FileNotFoundError, ValueError):
        rng = np.random.default_rng(0)
        x = rng.random((60000, 784), dtype=np.float32)
        y = rng.integers(0, 10, 60000)
        source = "random data of MNIST's shape"
    return x[:n_limit], y[:n_limit], source


# ----------------------------------------------------------------------------- graphgrad
def graphgrad_trainer(sizes, activation, x, y, batch):
    model = gg.nn.MLP(sizes, activation=activation, generator=0)
    for p, w in zip(model.parameters(), init(sizes)):  # same start as the others
        p.array[...] = w.T if p.ndim == 2 else w  # nn.Linear keeps weights (out, in)
    opt = gg.optim.SGD(model.parameters(), lr=LR)
    loader = gg.data.DataLoader(gg.data.TensorDataset(x, y), batch_size=batch, shuffle=True,
                                generator=0)      # one stream of orders, as the others draw
    loss_fn = gg.nn.functional.cross_entropy

    def epoch():
        for xb, yb in loader:
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            opt.step()
    return epoch


# ----------------------------------------------------------------------------- PyTorch
def torch_trainer(sizes, activation, x, y, batch):
    layers = []
    for i, w in enumerate(init(sizes)[::2]):
        linear = torch.nn.Linear(*w.shape)
        layers.append(linear)
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU() if activation == "relu" else torch.nn.Tanh())
    model = torch.nn.Sequential(*layers)
    with torch.no_grad():
        for p, w in zip(model.parameters(), init(sizes)):
            p.copy_(torch.from_numpy(w.T.copy() if w.ndim == 2 else w))
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    generator = torch.Generator().manual_seed(0)

    def epoch():
        order = torch.randperm(len(yt), generator=generator)
        for start in range(0, len(yt), batch):
            index = order[start:start + batch]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(xt[index]), yt[index]).backward()
            opt.step()
    return epoch


# ----------------------------------------------------------------------------- NumPy
def numpy_trainer(sizes, activation, x, y, batch):
    """Forward, backward and update written out by hand: the floor the engine aims at."""
    weights = init(sizes)
    rng = np.random.default_rng(0)
    relu = activation == "relu"

    def step(xb, yb):
        acts = [xb]
        for i in range(0, len(weights) - 2, 2):
            z = acts[-1] @ weights[i] + weights[i + 1]
            acts.append(np.maximum(z, 0) if relu else np.tanh(z))
        logits = acts[-1] @ weights[-2] + weights[-1]
        probs = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        rows = np.arange(len(yb))
        loss = -np.log(probs[rows, yb]).mean()     # computed by all three contenders
        g = probs
        g[rows, yb] -= 1
        g /= len(yb)
        for i in range(len(weights) - 2, -1, -2):
            h = acts[i // 2]
            grad_w, grad_b = h.T @ g, g.sum(axis=0)
            if i:
                g = g @ weights[i].T
                g *= (h > 0) if relu else (1 - h * h)
            weights[i] -= LR * grad_w
            weights[i + 1] -= LR * grad_b
        return loss

    def epoch():
        order = rng.permutation(len(y))
        for start in range(0, len(y), batch):
            index = order[start:start + batch]
            step(x[index], y[index])
    return epoch


def small_problem(trainer):
    """A trainer for one step of the small MLP at batch 32 (its data is one batch)."""
    x, y = gg.data.moons(n_samples=32, seed=0)
    return trainer(SMALL, "tanh", x.array, y.array, 32)


# ----------------------------------------------------------------------------- scalars
class Scalar:
    """A minimal reverse-mode scalar (micrograd's idea), the pure-Python reference."""

    __slots__ = ("array", "grad", "parents", "local")

    def __init__(self, data, parents=(), local=()):
        self.array, self.grad, self.parents, self.local = data, 0.0, parents, local

    def __add__(self, other):
        return Scalar(self.array + other.array, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        return Scalar(self.array * other.array, (self, other), (other.array, self.array))

    def __sub__(self, other):
        return Scalar(self.array - other.array, (self, other), (1.0, -1.0))

    def tanh(self):
        t = math.tanh(self.array)
        return Scalar(t, (self,), (1 - t * t,))

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((p, False) for p in node.parents)
        self.grad = 1.0
        for node in reversed(order):
            for parent, local in zip(node.parents, node.local):
                parent.grad += local * node.grad


def scalar_network(make, tanh, samples):
    """f(x) = tanh-MLP built neuron by neuron from scalars; returns (params, step)."""
    weights = init(SCALAR, seed=1)
    layers = []
    for i in range(0, len(weights), 2):
        w, b = weights[i], weights[i + 1]
        layers.append([([make(float(v)) for v in w[:, j]], make(float(b[j])))
                       for j in range(w.shape[1])])
    params = [p for layer in layers for ws, b in layer for p in ws + [b]]

    def loss():
        total = None
        for xs, target in samples:
            h = [make(v) for v in xs]
            for depth, layer in enumerate(layers):
                outs = []
                for ws, b in layer:
                    s = b
                    for w, v in zip(ws, h):
                        s = s + w * v
                    outs.append(tanh(s) if depth < len(layers) - 1 else s)
                h = outs
            err = h[0] - make(target)
            total = err * err if total is None else total + err * err
        return total
    return params, loss


def scalar_samples():
    x, y = gg.data.moons(n_samples=4, seed=0)
    return [(tuple(map(float, row)), float(2 * t - 1)) for row, t in zip(x.array, y.array)]


def scalar_graphgrad():
    params, loss = scalar_network(lambda v: gg.tensor(v, dtype=np.float64, requires_grad=True),
                                  gg.tanh, scalar_samples())

    def step():
        loss().backward()
        with gg.no_grad():
            for p in params:
                p.sub_(LR * p.grad.array)
                p.grad = None
    return step


def scalar_torch():
    params, loss = scalar_network(
        lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True), torch.tanh,
        scalar_samples())

    def step():
        loss().backward()
        with torch.no_grad():
            for p in params:
                p.sub_(LR * p.grad)
                p.grad = None
    return step


def scalar_python():
    params, loss = scalar_network(Scalar, Scalar.tanh, scalar_samples())

    def step():
        loss().backward()
        for p in params:
            p.array -= LR * p.grad
            p.grad = 0.0
    return step


# ----------------------------------------------------------------------------- the table
def main(quick=False):
    n = 6000 if quick else 60000
    x, y, source = training_data(n)
    epochs, steps = (2, 30) if quick else (4, 300)
    print(f"data: {source}, {len(y)} samples; PyTorch {torch.__version__ if torch else 'absent'}"
          f" with {torch.get_num_threads() if torch else 0} threads; the three take turns, "
          "best of each")
    print(f"{'benchmark':<44}{'graphgrad':>11}{'PyTorch':>11}{'NumPy':>11}"
          f"{'gg/torch':>10}{'gg/NumPy':>10}")
    trainers = (graphgrad_trainer, torch_trainer if torch else None, numpy_trainer)
    epoch_runs = [make(BIG, "relu", x, y, 128) if make else None for make in trainers]
    _print("epoch 784-256-128-10, batch 128, s", _turns(epoch_runs, epochs), 1.0)
    step_runs = [_repeated(small_problem(make), steps) if make else None for make in trainers]
    _print("step 2-16-16-2 tanh, batch 32, µs", [t / steps for t in _turns(step_runs, 5)], 1e6)
    scalar_runs = [make() if make else None
                   for make in (scalar_graphgrad, scalar_torch if torch else None, scalar_python)]
    _print("step scalar net 2-8-8-1 (micrograd), ms", _turns(scalar_runs, max(3, steps // 30)),
           1e3, reference="Python")


def _repeated(step, times):
    step()  # warm up

    def run():
        for _ in range(times):
            step()
    return run


def _turns(runs, repeat):
    """Best time of each run, the runs taking turns so that a busy spell hits all of them."""
    best = [math.inf if run else math.nan for run in runs]
    for _ in range(repeat):
        for i, run in enumerate(runs):
            if run:
                best[i] = min(best[i], best_of(run, 1)[0])
    return best


def _print(label, row, scale, reference="NumPy"):
    ours, theirs, reference_time = (v * scale for v in row)
    print(f"{label:<44}{ours:>11.4g}{theirs:>11.4g}{reference_time:>11.4g}"
          f"{ours / theirs:>10.2f}{ours / reference_time:>10.2f}"
          f"{'  (' + reference + ': pure Python)' if reference != 'NumPy' else ''}", flush=True)
