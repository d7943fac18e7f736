"""Numeric gradients versus backpropagation as the number of weights |W| grows (001: "computing
∇_W E numerically requires O(|W|²) operations", backprop "O(|W|)").

A one-hidden-layer tanh MLP with squared error on a fixed batch, built from gg operations; the
hidden width grows, so |W| does. Measured in the same run:

- numeric: gg.numeric_grad, central differences: 2|W| evaluations of the loss, each O(|W|);
- backprop: gg.value_and_grad (one forward and one backward sweep), PyTorch's backward, and the
  backward pass written out by hand in NumPy.

The exponents are fitted on the last sizes, where fixed per-call overheads no longer dominate:
numeric should approach 2, backprop 1 (or less while BLAS still speeds up with size).

Run: python -m bench numeric
"""
import numpy as np

import graphgrad as gg

from .timing import best_of, optional_torch

torch = optional_torch()

BATCH, FEATURES = 256, 16
WIDTHS = (8, 16, 32, 64, 128, 256)
QUICK_WIDTHS = (4, 8, 16)


def problem(width, seed=0):
    """Data and a flat weight vector w = (W1, b1, w2, b2) for FEATURES → width → 1."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(BATCH, FEATURES))
    y = rng.normal(size=BATCH)
    w = rng.normal(size=FEATURES * width + 2 * width + 1) / np.sqrt(FEATURES)
    return X, y, w


def unpack(w, width):
    """Views of the flat weights (slicing and .reshape: graphgrad, NumPy and torch alike)."""
    n1 = FEATURES * width
    return (w[:n1].reshape(FEATURES, width), w[n1:n1 + width], w[n1 + width:n1 + 2 * width],
            w[-1])


def loss_function(X, y, width):
    def loss(w):
        W1, b1, w2, b2 = unpack(w, width)
        prediction = gg.matmul(gg.tanh(gg.matmul(X, W1) + b1), w2) + b2
        return gg.mean((prediction - y) ** 2)
    return loss


def numpy_backprop(X, y, w, width):
    """∇ of the same loss with its backward pass written out by hand."""
    W1, b1, w2, b2 = unpack(w, width)
    h = np.tanh(X @ W1 + b1)
    r = h @ w2 + b2 - y
    g_pred = 2 * r / len(y)
    g_z = np.outer(g_pred, w2) * (1 - h * h)
    return np.concatenate([(X.T @ g_z).ravel(), g_z.sum(0), h.T @ g_pred, [g_pred.sum()]])


def torch_backprop(X, y, w, width):
    tX, ty = torch.tensor(X), torch.tensor(y)
    tw = torch.tensor(w, requires_grad=True)

    def run():
        tw.grad = None
        W1, b1, w2, b2 = unpack(tw, width)
        torch.mean((torch.tanh(tX @ W1 + b1) @ w2 + b2 - ty) ** 2).backward()
        return tw.grad
    return run


def measure(width, repeat):
    X, y, w = problem(width)
    loss = loss_function(X, y, width)
    value_and_grad = gg.value_and_grad(loss)
    # numeric gradients of the big models take seconds: time them once
    times, results = {}, {}
    times["numeric"], results["numeric"] = best_of(lambda: gg.numeric_grad(loss, w, eps=1e-6),
                                                   1 if width > 64 else repeat)
    times["gg"], (_, grad) = best_of(lambda: value_and_grad(w), repeat * 10)
    times["numpy"], results["numpy"] = best_of(lambda: numpy_backprop(X, y, w, width),
                                               repeat * 10)
    if torch is not None:
        times["torch"], tgrad = best_of(torch_backprop(X, y, w, width), repeat * 10)
        results["torch"] = tgrad.numpy()
    np.testing.assert_allclose(results["numeric"], grad.array, rtol=1e-4, atol=1e-7)
    for lib in ("numpy", "torch"):
        if lib in results:
            np.testing.assert_allclose(results[lib], grad.array, rtol=1e-9, atol=1e-12)
    return w.size, times


def slope(sizes, seconds):
    """The exponent k of seconds ∝ |W|^k, fitted in log-log on the last three sizes."""
    return np.polyfit(np.log(sizes[-3:]), np.log(seconds[-3:]), 1)[0]


def main(quick=False):
    widths = QUICK_WIDTHS if quick else WIDTHS
    repeat = 1 if quick else 3
    libs = ["numeric", "gg", "torch", "numpy"] if torch is not None else \
        ["numeric", "gg", "numpy"]
    print(f"MLP {FEATURES} → width → 1 (tanh), batch {BATCH}, float64; seconds per gradient")
    head = f"{'|W|':>7} |" + "".join(f" {lib:>10}" for lib in libs) + \
        f" | {'numeric/gg':>10} {'evals':>7}"
    print(head)
    print("-" * len(head))
    sizes, table = [], {lib: [] for lib in libs}
    for width in widths:
        size, times = measure(width, repeat)
        sizes.append(size)
        for lib in libs:
            table[lib].append(times[lib])
        cells = "".join(f" {times[lib]:>10.2e}" for lib in libs)
        print(f"{size:>7,} |{cells} | {times['numeric'] / times['gg']:>10.0f} {2 * size:>7,}")
    print("fitted exponent k in seconds ∝ |W|^k (last three sizes): " +
          ", ".join(f"{lib} {slope(sizes, table[lib]):.2f}" for lib in libs))
    if torch is not None:
        ratio = np.array(table["gg"]) / np.array(table["torch"])
        print(f"graphgrad backprop / PyTorch backprop: {ratio.min():.2f}x to {ratio.max():.2f}x")
    ratio = np.array(table["gg"]) / np.array(table["numpy"])
    print(f"graphgrad backprop / hand-written NumPy: {ratio.min():.2f}x to {ratio.max():.2f}x")
