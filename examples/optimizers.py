"""SGD, momentum, Nesterov, Adam and L-BFGS on the same problem (notes 003 §3.4, 002).

Rosenbrock's valley f(x, y) = (1 − x)² + 100 (y − x²)² from (−1.5, 2): a narrow curved valley,
the poorly conditioned case momentum and adaptive steps are meant for. Each first-order method
takes up to 2,000 steps (fewer if f < 1e-8); L-BFGS uses a strong-Wolfe line search. The minimum
is f(1, 1) = 0. With matplotlib installed the paths are drawn to optimizers.png.

Run: python examples/optimizers.py
"""
import sys

import numpy as np

import graphgrad as gg


def rosenbrock(p):
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


METHODS = {
    "SGD (lr 1e-3)": lambda p: gg.optim.SGD(p, lr=1e-3),
    "momentum 0.9 (lr 2e-4)": lambda p: gg.optim.SGD(p, lr=2e-4, momentum=0.9),
    "Nesterov 0.9 (lr 2e-4)": lambda p: gg.optim.SGD(p, lr=2e-4, momentum=0.9, nesterov=True),
    "Adam (lr 0.05)": lambda p: gg.optim.Adam(p, lr=0.05),
    "L-BFGS (strong Wolfe)": lambda p: gg.optim.LBFGS(p, max_iter=1, max_eval=25,
                                                      line_search_fn="strong_wolfe"),
}


def run(make, steps=2000):
    p = gg.tensor(np.array([-1.5, 2.0]), requires_grad=True)
    opt = make([p])
    path, evaluations = [p.data.copy()], [0]

    def closure():
        opt.zero_grad()
        loss = rosenbrock(p)
        loss.backward()
        evaluations[0] += 1
        return loss
    for _ in range(steps):
        opt.step(closure)
        path.append(p.data.copy())
        if rosenbrock(p.data) < 1e-8:
            break
    return np.array(path), evaluations[0]


print(f"{'method':<26}{'steps':>7}{'f evaluations':>15}{'final f':>12}   final (x, y)")
paths = {}
for name, make in METHODS.items():
    path, evaluations = run(make)
    paths[name] = path
    print(f"{name:<26}{len(path) - 1:>7}{evaluations:>15}{rosenbrock(path[-1]):>12.2e}   "
          f"({path[-1][0]:.4f}, {path[-1][1]:.4f})")

try:
    figure = gg.train.new_figure(7, 5)
except ImportError as missing:
    sys.exit(f"({missing}; it would draw the paths)")
axes = figure.add_subplot()
u, v = np.meshgrid(np.linspace(-2, 2, 300), np.linspace(-1, 3, 300))
axes.contour(u, v, rosenbrock(np.array([u, v])), levels=np.logspace(-1, 3.5, 15), cmap="Greys",
             linewidths=0.6)
for name, path in paths.items():
    axes.plot(path[:, 0], path[:, 1], ".-", markersize=2, linewidth=0.8, label=name)
axes.plot(1, 1, "k*", markersize=12)
axes.legend(fontsize=8)
figure.savefig("optimizers.png", dpi=120)
print("paths drawn to optimizers.png")
