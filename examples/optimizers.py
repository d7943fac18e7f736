"""SGD, momentum, Nesterov, Adam and L-BFGS on the same problem (notes 003 §3.4, 002).

Rosenbrock's valley f(x, y) = (1 − x)² + 100 (y − x²)² from (−1.5, 2): a narrow curved valley,
the poorly conditioned case momentum and adaptive steps are meant for. Each first-order method
takes up to 2,000 steps (fewer if f < 1e-8); L-BFGS uses a strong-Wolfe line search. The minimum
is f(1, 1) = 0. With matplotlib installed the paths are drawn to examples/out/optimizers.png
(or into the folder given with --out).

Run: python examples/optimizers.py [--out FOLDER]
"""
import argparse
import sys
from pathlib import Path

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
    path, evaluations = [p.array.copy()], [0]

    def closure():
        opt.zero_grad()
        loss = rosenbrock(p)
        loss.backward()
        evaluations[0] += 1
        return loss
    for _ in range(steps):
        opt.step(closure)
        path.append(p.array.copy())
        if rosenbrock(p.array) < 1e-8:
            break
    return np.array(path), evaluations[0]


def draw(paths, out):
    """The paths over Rosenbrock's contours: the shared start, each method's end point as a
    ring in its colour (rings of different sizes, so that coinciding ends stay visible), the
    minimum, and a legend beside the axes, where it hides nothing."""
    try:
        figure = gg.train.new_figure(11, 5.5)
    except ImportError as missing:
        sys.exit(f"({missing}; it would draw the paths)")
    axes = figure.add_axes((0.07, 0.11, 0.48, 0.8))
    u, v = np.meshgrid(np.linspace(-2, 2, 300), np.linspace(-1, 3, 300))
    axes.contour(u, v, rosenbrock(np.array([u, v])), levels=np.logspace(-1, 3.5, 15),
                 cmap="Greys", linewidths=0.6)
    colours = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple"]
    sizes = np.linspace(28, 11, len(paths))
    for (name, path), colour, size in zip(paths.items(), colours, sizes):
        axes.plot(path[:, 0], path[:, 1], "-", color=colour, linewidth=1.2, alpha=0.8)
        axes.plot(*path[-1], "o", markerfacecolor="none", markeredgecolor=colour,
                  markeredgewidth=2.2, markersize=size,
                  label=f"{name}: {len(path) - 1} steps, ends at f = {rosenbrock(path[-1]):.1e}")
    start = next(iter(paths.values()))[0]
    axes.plot(*start, "s", color="white", markeredgecolor="black", markersize=9,
              label=f"start ({start[0]:g}, {start[1]:g})")
    axes.plot(1, 1, "k+", markersize=7, markeredgewidth=1, label="minimum f(1, 1) = 0")
    axes.set_xlabel("x")
    axes.set_ylabel("y")
    axes.set_title("Rosenbrock's valley f(x, y) = (1 − x)² + 100 (y − x²)²", fontsize=11)
    figure.legend(loc="center left", bbox_to_anchor=(0.57, 0.5), fontsize=9, frameon=False,
                  title="each method's path and end point (ring)", title_fontsize=9)
    out.mkdir(parents=True, exist_ok=True)
    figure.savefig(out / "optimizers.png", dpi=120)
    return out / "optimizers.png"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out",
                        help="folder for the picture (examples/out)")
    args = parser.parse_args(argv)
    print(f"{'method':<26}{'steps':>7}{'f evaluations':>15}{'final f':>12}   final (x, y)")
    paths = {}
    for name, make in METHODS.items():
        path, evaluations = run(make)
        paths[name] = path
        print(f"{name:<26}{len(path) - 1:>7}{evaluations:>15}{rosenbrock(path[-1]):>12.2e}   "
              f"({path[-1][0]:.4f}, {path[-1][1]:.4f})")
    print(f"paths drawn to {draw(paths, args.out)}")


if __name__ == "__main__":
    main()
