"""Forward versus backward propagation for the full Jacobian of f: Rⁿ → Rᵐ (000's two
algorithms): n forward sweeps or m backward sweeps. Where is the crossover?

f(x) = W2 tanh(W1 x) with a hidden width of 32 (W1, W2 constants), float64. For each (n, m)
the table shows the counts ComputeGraph.cost() predicts (sweeps and multiply-adds) next to
measured seconds for

- graphgrad: gg.jacfwd (one jvp sweep per input element) and gg.jacrev (one vjp sweep per
  output element);
- PyTorch: the same sweeps — forward-mode dual numbers, one per input element, and
  torch.autograd.functional.jacobian's loop of backward passes, one per output element;
- hand-written NumPy: the same products in forward order W2·(D·(W1·I)) and reverse order
  ((I·W2)·D)·W1, with D = diag(1 − tanh²) — exactly the counted multiply-adds, by BLAS.

The predicted ratio forward/backward is n/m here (each sweep costs the same); "agree" says
whether the measured faster mode is the predicted one.

Run: python -m bench modes
"""
import numpy as np

import graphgrad as gg

from .timing import best_of, optional_torch

torch = optional_torch()

HIDDEN = 32
SHAPES = [(1, 64), (4, 64), (16, 64), (64, 64), (256, 64), (64, 1), (64, 4), (64, 16),
          (64, 256)]
QUICK_SHAPES = [(4, 32), (32, 32), (32, 4)]


def problem(n, m, seed=0):
    rng = np.random.default_rng(seed)
    W1 = rng.normal(size=(HIDDEN, n)) / np.sqrt(n)
    W2 = rng.normal(size=(m, HIDDEN)) / np.sqrt(HIDDEN)
    return W1, W2, rng.normal(size=n)


def numpy_modes(W1, W2, x):
    """The Jacobian by hand, in forward and in reverse accumulation order."""
    d = 1 - np.tanh(W1 @ x) ** 2

    def forward():
        return W2 @ (d[:, None] * (W1 @ np.eye(W1.shape[1])))

    def reverse():
        return ((np.eye(W2.shape[0]) @ W2) * d[None, :]) @ W1
    return forward, reverse


def torch_modes(W1, W2, x):
    """PyTorch's sweeps, one per basis vector as ours: forward-mode AD with dual numbers, and
    torch.autograd.functional.jacobian's loop of backward passes. (torch.func's vmapped
    jacfwd/jacrev cost a constant ≈ 40 ms per call here, which hides the sweeps.)"""
    import torch.autograd.forward_ad as fwAD
    tW1, tW2, tx = (torch.tensor(a) for a in (W1, W2, x))

    def f(v):
        return tW2 @ torch.tanh(tW1 @ v)

    def forward():
        columns = []
        with fwAD.dual_level():
            for e in torch.eye(tx.numel(), dtype=tx.dtype):
                columns.append(fwAD.unpack_dual(f(fwAD.make_dual(tx, e))).tangent)
        return torch.stack(columns, dim=1)

    def reverse():
        return torch.autograd.functional.jacobian(f, tx, strategy="reverse-mode")
    return forward, reverse


def row(n, m, repeat):
    W1, W2, x = problem(n, m)

    def f(v):
        return gg.matmul(W2, gg.tanh(gg.matmul(W1, v)))
    cost = gg.trace(f, x).cost()
    fwd, jac = best_of(lambda: gg.jacfwd(f)(x), repeat)
    rev, _ = best_of(lambda: gg.jacrev(f)(x), repeat)
    (np_fwd, by_hand), (np_rev, _) = (best_of(fn, repeat * 5) for fn in numpy_modes(W1, W2, x))
    np.testing.assert_allclose(jac.array, by_hand, rtol=1e-10)
    times = {"gg": (fwd, rev), "numpy": (np_fwd, np_rev)}
    if torch is not None:
        times["torch"] = tuple(best_of(fn, repeat)[0] for fn in torch_modes(W1, W2, x))
    return cost, times


def main(quick=False):
    shapes = QUICK_SHAPES if quick else SHAPES
    repeat = 1 if quick else 5
    libs = ["gg", "torch", "numpy"] if torch is not None else ["gg", "numpy"]
    print(f"f(x) = W2 tanh(W1 x), hidden {HIDDEN}, float64; seconds are the best of {repeat}")
    head = f"{'n':>4} {'m':>4} | {'sweeps f/b':>10} {'madds fwd':>11} {'madds bwd':>11} " \
           f"{'pred':>4} |" + "".join(f" {lib + ' fwd':>10} {lib + ' bwd':>10} |" for lib in libs) \
           + f" {'gg f/b':>7} {'pred f/b':>8} agree"
    print(head)
    print("-" * len(head))
    agree = 0
    for n, m in shapes:
        cost, times = row(n, m, repeat)
        predicted = cost.forward_madds / cost.backward_madds
        measured = times["gg"][0] / times["gg"][1]
        same = (measured < 1) == (predicted < 1) or predicted == 1
        agree += same
        cells = "".join(f" {times[lib][0]:>10.2e} {times[lib][1]:>10.2e} |" for lib in libs)
        print(f"{n:>4} {m:>4} | {cost.forward_sweeps:>4}/{cost.backward_sweeps:<5} "
              f"{cost.forward_madds:>11,} {cost.backward_madds:>11,} {cost.cheaper[:4]:>4} |"
              f"{cells} {measured:>7.2f} {predicted:>8.2f} {'yes' if same else 'NO'}")
    print(f"the predicted cheaper mode was the measured faster one for graphgrad in "
          f"{agree} of {len(shapes)} shapes (n = m is a tie)")
