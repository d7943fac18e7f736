"""Random graphs against PyTorch (issue 17): seeded random compositions, depth 3 to 6, of unary,
binary, reduction and shape operations over random float64 shapes with broadcasting, run in
graphgrad and in torch and compared in values, reverse mode (Tensor.backward and gg.gradients
against torch.autograd.grad), forward mode (gg.jvp against torch.func.jvp) and second order
(gg.grad of a gradient against torch's double backward: Hessian-vector products). Inputs are
kept away from kinks and poles: domains are guarded (log of x² + ½, asin of 0.9·tanh x, ...).

Prints the counts of graphs that agree and of disagreements by kind, the operations in the
disagreeing graphs and a few of those graphs; then a summary of the conformance table of
tests/conformance (entries, entries that agree fully, disagreements by kind).

Run: python -m bench conformance          (--quick: a few hundred graphs)
tests/conformance/test_random_graphs.py runs a few hundred of the same graphs.
"""
import collections
import sys
import time
from pathlib import Path

import numpy as np

import graphgrad as gg

KINDS = ("value", "backward", "gradients", "jvp", "hvp", "ours_raises")
#: graphs where torch, not graphgrad, is off: not compared (see TorchNonFinite, _second_order)
TORCH_SLIPS = ("torch_nonfinite", "torch_hvp_wrong")
RTOL, ATOL = 1e-8, 1e-10


# ------------------------------------------------------------------------------ operations
def _pos(L, x):
    return x * x + 0.5            # > 0, away from 0: log, sqrt, reciprocal, pow's base


def _unit(L, x):
    return L.tanh(x) * 0.9        # inside (−0.9, 0.9): asin, acos, atanh, erfinv


def _tanh(L, x):
    return L.tanh(x)              # bounded, for functions that grow fast


def _on(name, guard=lambda L, x: x):
    return lambda L, x: getattr(L, name)(guard(L, x))


UNARY = {
    **{n: _on(n) for n in ("sin", "cos", "tanh", "sigmoid", "atan", "asinh", "erf", "erfc",
                           "square", "abs", "relu", "sinc", "deg2rad")},
    **{n: _on(n, _pos) for n in ("log", "log2", "log1p", "sqrt", "rsqrt", "reciprocal")},
    **{n: _on(n, _unit) for n in ("asin", "acos", "atanh", "erfinv")},
    **{n: _on(n, _tanh) for n in ("expm1", "sinh", "cosh", "exp2")},
    "neg": lambda L, x: -x, "exp": lambda L, x: L.exp(L.tanh(x) * 2),
    "acosh": lambda L, x: L.acosh(_pos(L, x) + 1), "pow_scalar": lambda L, x: _pos(L, x) ** 1.7,
    "rpow": lambda L, x: 1.3 ** L.tanh(x), "affine": lambda L, x: x * 1.5 - 0.25,
    "clamp": lambda L, x: L.clamp(x, -0.6, 0.8),
}
BINARY = {
    "add": lambda L, x, y: x + y, "sub": lambda L, x, y: x - y, "mul": lambda L, x, y: x * y,
    "div": lambda L, x, y: x / _pos(L, y), "maximum": lambda L, x, y: L.maximum(x, y),
    "minimum": lambda L, x, y: L.minimum(x, y), "atan2": lambda L, x, y: L.atan2(x, y),
    "hypot": lambda L, x, y: L.hypot(x, _pos(L, y)), "logaddexp": lambda L, x, y: L.logaddexp(x, y),
    "pow": lambda L, x, y: _pos(L, x) ** L.tanh(y), "xlogy": lambda L, x, y: L.xlogy(x, _pos(L, y)),
    "lerp": lambda L, x, y: L.lerp(x, y, 0.3), "where": lambda L, x, y: L.where(x > y, x, y),
    "remainder": lambda L, x, y: L.remainder(x, _pos(L, y)),
    "copysign": lambda L, x, y: L.copysign(x, y), "logaddexp2": lambda L, x, y: L.logaddexp2(x, y),
}


def _dim(rng, shape):
    return int(rng.integers(-len(shape), len(shape))) if shape else 0


def _reduction(name, rng, shape):
    """(params, apply) of a reduction over one random dim, or None where it does not apply."""
    d, keep = _dim(rng, shape), bool(rng.integers(2))
    if name in ("var", "std") and (not shape or shape[d] < 2):
        return None
    table = {
        "sum": lambda L, x: x.sum(d, keepdim=keep), "mean": lambda L, x: x.mean(d, keepdim=keep),
        "prod": lambda L, x: x.prod(d, keepdim=keep), "amax": lambda L, x: x.amax(d, keep),
        "amin": lambda L, x: x.amin(d, keep), "logsumexp": lambda L, x: x.logsumexp(d, keep),
        "var": lambda L, x: x.var(d, keepdim=keep), "std": lambda L, x: x.std(d, keepdim=keep),
        "norm": lambda L, x: x.norm(3, d, keep), "max": lambda L, x: x.max(d, keep).values,
        # contiguous(): torch 2.13's median along a dim of an expanded (stride 0) tensor
        # returns uninitialised memory (6.9e-310 for expand(3) of 0.37); ours is right
        "median": lambda L, x: x.contiguous().median(d, keep).values,
        "cumsum": lambda L, x: x.cumsum(d), "cumprod": lambda L, x: x.cumprod(d),
        "logcumsumexp": lambda L, x: x.logcumsumexp(d), "softmax": lambda L, x: x.softmax(d),
        "log_softmax": lambda L, x: x.log_softmax(d), "cummax": lambda L, x: x.cummax(d).values,
        "sort": lambda L, x: x.sort(dim=d, descending=keep, stable=True).values,
        "sum_all": lambda L, x: x.sum(), "mean_all": lambda L, x: x.mean(),
    }
    return (f"dim={d}, keepdim={keep}", table[name])


REDUCTIONS = ("sum", "mean", "prod", "amax", "amin", "logsumexp", "var", "std", "norm", "max",
              "median", "cumsum", "cumprod", "logcumsumexp", "softmax", "log_softmax", "cummax",
              "sort", "sum_all", "mean_all")


def _shape_op(name, rng, shape):
    """(params, apply) of a shape operation, or None where it does not apply."""
    n, d = len(shape), _dim(rng, shape)
    if n == 0 and name not in ("flatten", "unsqueeze", "squeeze", "expand") or n < 2 and name in (
            "transpose", "permute", "tril", "diagonal") or name == "narrow" and shape[-1] < 2:
        return None
    a, b = (int(v) for v in rng.choice(max(n, 2), 2, replace=False))
    k, u, m = int(rng.integers(-2, 3)), int(rng.integers(0, n + 1)), int(rng.integers(1, 4))
    perm = tuple(int(v) for v in rng.permutation(n))
    reps = tuple(int(r) for r in rng.integers(1, 3, n))
    i, idx = (int(rng.integers(shape[d])), rng.integers(0, shape[d], 3)) if n else (0, None)
    return {
        "transpose": (f"{a},{b}", lambda L, x: x.transpose(a, b)),
        "permute": (str(perm), lambda L, x: x.permute(*perm)),
        "flatten": ("", lambda L, x: x.reshape(-1)),
        "unsqueeze": (f"{u}", lambda L, x: x.unsqueeze(u)),
        "squeeze": ("", lambda L, x: x.squeeze()),
        "flip": (f"{d}", lambda L, x: x.flip((d,))),
        "roll": (f"{k},{d}", lambda L, x: x.roll(k, d)),
        "expand": (f"{m}", lambda L, x: x.expand(m, *x.shape)),
        "narrow": ("", lambda L, x: x.narrow(-1, 1, x.shape[-1] - 1)),
        "step": ("", lambda L, x: x[..., ::2]),
        "select": (f"{d},{i}", lambda L, x: x.select(d, i)),
        "tril": (f"{k // 2}", lambda L, x: x.tril(k // 2)),
        "diagonal": ("", lambda L, x: x.diagonal(0, -2, -1)),
        "matmul_self": ("", lambda L, x: x @ x.mT if x.ndim >= 2 else x @ x),
        "repeat": (str(reps), lambda L, x: x.repeat(*reps)),
        "cat_self": (f"{d}", lambda L, x: L.cat([x, x * 0.5], d)),
        "index_select": (f"{d},{idx}", lambda L, x: x.index_select(d, L.tensor(idx))),
    }[name]


SHAPE_OPS = ("transpose", "permute", "flatten", "unsqueeze", "squeeze", "flip", "roll", "expand",
             "narrow", "step", "select", "tril", "diagonal", "matmul_self", "repeat", "cat_self",
             "index_select")
FAMILIES = (("unary", 0.35), ("binary", 0.3), ("reduction", 0.17), ("shape", 0.18))


# ------------------------------------------------------------------------------ graphs
class Graph:
    """Leaves (float64 arrays) and steps (name, operand indices, params text, apply(L, *xs)).
    Value i is leaf i for i < len(leaves), else the result of step i − len(leaves)."""

    def __init__(self, leaves):
        self.leaves, self.steps = leaves, []

    def run(self, L, xs):
        values = list(xs)
        for _, operands, _, apply in self.steps:
            values.append(apply(L, *(values[i] for i in operands)))
        return values

    def __str__(self):
        names = [f"x{i}{list(a.shape)}" for i, a in enumerate(self.leaves)]
        lines = []
        for k, (name, operands, params, _) in enumerate(self.steps):
            v = f"v{k}"
            args = ", ".join(names[i] for i in operands)
            lines.append(f"{v} = {name}({args}{'; ' + params if params else ''})")
            names.append(v)
        return "; ".join(lines)


def _shapes(rng):
    """1 to 3 leaf shapes that broadcast together: a base shape, each leaf dropping leading
    axes or setting some to 1."""
    base = tuple(int(s) for s in rng.integers(1, 5, int(rng.integers(0, 4))))
    shapes = []
    for _ in range(int(rng.integers(1, 4))):
        keep = int(rng.integers(0, len(base) + 1)) if base else 0
        shape = [1 if rng.random() < 0.3 else s for s in base[len(base) - keep:]]
        shapes.append(tuple(shape))
    return shapes


def _broadcastable(a, b):
    return all(m == n or 1 in (m, n) for m, n in zip(a[::-1], b[::-1]))


def generate(rng):
    """A random graph of depth 3 to 6 (operations in sequence; each may use any earlier
    value, so fan-out and reuse happen)."""
    graph = Graph([rng.uniform(-1.5, 1.5, s) for s in _shapes(rng)])
    values = [gg.tensor(a) for a in graph.leaves]
    depth = int(rng.integers(3, 7))
    families, weights = zip(*FAMILIES)
    tries = 0
    while len(graph.steps) < depth and tries < 200:
        tries += 1
        last = len(values) - 1
        first = last if rng.random() < 0.6 else int(rng.integers(len(values)))
        shape = values[first].shape
        family = families[rng.choice(len(families), p=np.array(weights) / sum(weights))]
        if family == "unary":
            name = rng.choice(list(UNARY))
            step = (str(name), (first,), "", UNARY[name])
        elif family == "binary":
            partners = [i for i in range(len(values)) if _broadcastable(shape, values[i].shape)]
            name = str(rng.choice(list(BINARY)))
            other = int(rng.choice(partners))
            pair = (first, other) if rng.random() < 0.5 else (other, first)
            step = (name, pair, "", BINARY[name])
        else:
            name = str(rng.choice(REDUCTIONS if family == "reduction" else SHAPE_OPS))
            made = (_reduction if family == "reduction" else _shape_op)(name, rng, shape)
            if made is None:
                continue
            step = (name, (first,), made[0], made[1])
        try:
            with gg.no_grad():
                out = step[3](gg, *(values[i] for i in step[1]))
        except Exception:                                          # noqa: BLE001
            continue                     # shapes that do not fit: draw again
        if out.array.size == 0 or out.array.size > 400:
            continue
        values.append(out)
        graph.steps.append(step)
    return graph


# ------------------------------------------------------------------------------ comparison
def _close(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        return False
    scale = np.max(np.abs(b), initial=1.0)
    return bool(np.allclose(a, b, rtol=RTOL, atol=ATOL * scale, equal_nan=True))


def _as_np(x):
    if x is None:
        return None
    return x.detach().numpy() if isinstance(x, gg.Tensor) else x.detach().numpy(force=True)


class TorchNonFinite(Exception):
    """torch's derivative is NaN or ∞ where the value is finite: the graph reached a kink or a
    pole exactly (an exact 0 fed to copysign or atan2(v, v)), where derivatives are conventions,
    or hit a torch bug: its double backward of logcumsumexp is NaN, of sinc at 0 NaN (ours
    gives −π²/3). Not compared."""


def _same_grads(ours, theirs, shapes):
    for a, b, shape in zip(ours, theirs, shapes):
        a = np.zeros(shape) if a is None else _as_np(a)
        b = np.zeros(shape) if b is None else _as_np(b)
        if not np.all(np.isfinite(b)):
            raise TorchNonFinite
        if not _close(a, b):
            return False
    return True


def compare(graph, torch, seed=0):
    """The kinds of disagreement of one graph (an empty set: all agree), None when the graph
    is skipped (torch gives a non-finite or huge output, or raises), or {'torch_nonfinite'}
    (see TorchNonFinite)."""
    rng = np.random.default_rng(seed)
    shapes = [a.shape for a in graph.leaves]
    xt = [torch.tensor(a, requires_grad=True) for a in graph.leaves]
    try:
        out_t = graph.run(torch, xt)[-1]
    except Exception:                                              # noqa: BLE001
        return None
    want = _as_np(out_t)
    if not np.all(np.isfinite(want)) or np.max(np.abs(want), initial=0) > 1e6:
        return None
    cot = rng.normal(size=want.shape)
    tangents = [rng.normal(size=s) for s in shapes]
    ws = [rng.normal(size=s) for s in shapes]
    found = set()
    try:
        xg = [gg.tensor(a, requires_grad=True) for a in graph.leaves]
        out_g = graph.run(gg, xg)[-1]
        if not _close(_as_np(out_g), want):
            found.add("value")
        g_t = torch.autograd.grad(out_t, xt, torch.tensor(cot), retain_graph=True,
                                  allow_unused=True)
        if not _same_grads(gg.gradients(out_g, xg, gg.tensor(cot), retain_graph=True,
                                        allow_unused=True), g_t, shapes):
            found.add("gradients")
        out_g.backward(gg.tensor(cot))
        if not _same_grads([x.grad for x in xg], g_t, shapes):
            found.add("backward")
        found |= _forward_mode(graph, torch, tangents)
        found |= _second_order(graph, torch, cot, ws, shapes)
    except TorchNonFinite:
        return found | {"torch_nonfinite"}
    except Exception:                                              # noqa: BLE001
        found.add("ours_raises")
    return found


def _forward_mode(graph, torch, tangents):
    def f_t(*xs):
        return graph.run(torch, xs)[-1]
    primals = tuple(torch.tensor(a) for a in graph.leaves)
    tt = tuple(torch.tensor(t) for t in tangents)
    try:
        _, want = torch.func.jvp(f_t, primals, tt)
    except Exception:                                              # noqa: BLE001
        _, want = torch.autograd.functional.jvp(f_t, primals, tt)
    _, got = gg.jvp(lambda *xs: graph.run(gg, xs)[-1], [gg.tensor(a) for a in graph.leaves],
                    [gg.tensor(t) for t in tangents])
    if not np.all(np.isfinite(_as_np(want))):
        raise TorchNonFinite
    if _close(_as_np(got), _as_np(want)):
        return set()
    _, second = torch.autograd.functional.jvp(f_t, primals, tt)    # torch.func's own slips
    return set() if _close(_as_np(got), _as_np(second)) else {"jvp"}


def _torch_grads(graph, torch, leaves, cot, create_graph=False):
    xt = [torch.tensor(a, requires_grad=True) for a in leaves]
    g = torch.autograd.grad(graph.run(torch, xt)[-1], xt, torch.tensor(cot),
                            create_graph=create_graph, allow_unused=True)
    return xt, [torch.zeros(x.shape, dtype=x.dtype) if gi is None else gi
                for x, gi in zip(xt, g)]


def _second_order(graph, torch, cot, ws, shapes):
    """H·w of L(x) = ⟨cot, f(x)⟩: gg.grad of gg.grad against torch's double backward; where
    they differ, torch's gradient differenced along w (central, step 1e-6) decides whether
    torch's double backward slipped ('torch_hvp_wrong')."""
    xt, g = _torch_grads(graph, torch, graph.leaves, cot, create_graph=True)
    terms = [(gi * torch.tensor(w)).sum() for gi, w in zip(g, ws) if gi.requires_grad]
    want = torch.autograd.grad(sum(terms), xt, allow_unused=True) if terms else [None] * len(xt)
    argnums = tuple(range(len(shapes)))

    def loss(*xs):
        return (graph.run(gg, xs)[-1] * gg.tensor(cot)).sum()

    def along_w(*xs):
        grads = gg.grad(loss, argnums)(*xs)
        total = (grads[0] * gg.tensor(ws[0])).sum()
        for gi, w in zip(grads[1:], ws[1:]):
            total = total + (gi * gg.tensor(w)).sum()
        return total
    got = gg.grad(along_w, argnums)(*[gg.tensor(a) for a in graph.leaves])
    if _same_grads(got, want, shapes):
        return set()
    h = 1e-6
    plus = _torch_grads(graph, torch, [a + h * w for a, w in zip(graph.leaves, ws)], cot)[1]
    minus = _torch_grads(graph, torch, [a - h * w for a, w in zip(graph.leaves, ws)], cot)[1]
    for a, p, m in zip(got, plus, minus):
        fd = (p - m).numpy() / (2 * h)
        if not np.allclose(_as_np(a), fd, rtol=1e-5, atol=1e-6 * np.max(np.abs(fd), initial=1)):
            return {"hvp"}
    return {"torch_hvp_wrong"}


def run(n, seed, torch):
    """(counts, ops_in_disagreements, examples): counts of 'agree', 'skipped' and each kind
    over n graphs drawn from `seed`; examples maps a kind to the first few graphs."""
    rng = np.random.default_rng(seed)
    counts, ops, examples = collections.Counter(), collections.Counter(), {}
    for i in range(n):
        graph = generate(rng)
        found = compare(graph, torch, seed=seed * 100003 + i)
        if found is None:
            counts["skipped"] += 1
        elif not found:
            counts["agree"] += 1
        else:
            if not found <= set(TORCH_SLIPS):
                counts["disagree"] += 1
                ops.update({name for name, *_ in graph.steps})
            for kind in found:
                counts[kind] += 1
                examples.setdefault(kind, []).append(str(graph))
    return counts, ops, examples


def main(quick=False):
    from .timing import optional_torch
    torch = optional_torch()
    if torch is None:
        print("PyTorch is the oracle here: pip install torch==2.13.0")
        return
    n = 300 if quick else 5000
    start = time.perf_counter()
    counts, ops, examples = run(n, seed=17, torch=torch)
    print(f"random graphs (depth 3-6, float64, seed 17): {n} in "
          f"{time.perf_counter() - start:.1f} s")
    for key in ("agree", "disagree", "skipped") + TORCH_SLIPS + KINDS:
        print(f"  {key:<14}{counts[key]:>7}")
    for name, count in ops.most_common(12):
        print(f"  in disagreeing graphs: {name} ×{count}")
    for kind, graphs in examples.items():
        for g in graphs[:3]:
            print(f"  [{kind}] {g}")
    _table_summary(torch)


def _table_summary(torch):
    """The conformance table's summary (tests/conformance/conformance_table.py)."""
    folder = Path(__file__).resolve().parent.parent / "tests" / "conformance"
    if folder.is_dir():
        sys.path.insert(0, str(folder))
        from conformance_table import summary
        print(summary(torch))
