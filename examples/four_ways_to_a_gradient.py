"""Four ways to a gradient (001), on 004's worked example

    f(x) = sqrt(x² + exp(x²)) + cos(x² + exp(x²))

1. by hand      004's closed form, worked out once on paper;
2. numeric      finite differences: cheap to write, but O(ε) or O(ε²) error and two evaluations
                of f per parameter (O(|W|²) for |W| weights: see `python -m bench numeric`);
3. symbolic     SymPy (optional: pip install graphgrad[symbolic]): exact, but the formula of
                the derivative swells, repeating shared terms instead of reusing them;
4. automatic    backward and forward propagation on the compute graph: exact to rounding, at
                the cost of a few evaluations of f, whatever the size of the formula.

Run: python examples/four_ways_to_a_gradient.py [--x 1.5] [--depth 6]
"""
import argparse
import math

import numpy as np

import graphgrad as gg


def f(x):
    """004's function, with graphgrad operations (tensors, arrays or numbers)."""
    a = x ** 2
    c = a + gg.exp(a)
    return gg.sqrt(c) + gg.cos(c)


def by_hand(x):
    """004: df/dx = 2x (1/(2√(x² + e^{x²})) − sin(x² + e^{x²})) (1 + e^{x²})."""
    s = x ** 2 + math.exp(x ** 2)
    return 2 * x * (1 / (2 * math.sqrt(s)) - math.sin(s)) * (1 + math.exp(x ** 2))


def numeric(x, exact):
    print("2. numeric: finite differences, error against the closed form")
    print(f"   {'ε':>8} {'forward (f(x+ε)−f(x))/ε':>26} {'central (f(x+ε)−f(x−ε))/2ε':>28}")
    fx = f(np.float64(x))
    for k in range(1, 11):
        eps = 10.0 ** -k
        forward = (f(np.float64(x + eps)) - fx) / eps
        central = gg.numeric_grad(f, np.float64(x), eps=eps)
        print(f"   {eps:>8.0e} {abs(forward - exact):>26.2e} {abs(central - exact):>28.2e}")
    print("   the error falls like ε (forward) or ε² (central) until rounding takes over\n")


def symbolic(x, exact, depth=6):
    print("3. symbolic: SymPy")
    try:
        import sympy
    except ImportError:
        print("   SymPy is not installed: pip install graphgrad[symbolic] (or pip install sympy)"
              "\n")
        return
    s = sympy.Symbol("x")

    def f_sym(u):
        return sympy.sqrt(u ** 2 + sympy.exp(u ** 2)) + sympy.cos(u ** 2 + sympy.exp(u ** 2))
    first = sympy.diff(f_sym(s), s)
    value = float(first.subs(s, x))
    print(f"   f'(x) = {first}")
    print(f"   f'({x}) = {value:.12f}   (error {abs(value - exact):.1e})")
    print("   composing f with itself, d/dx of f∘f∘...∘f (k times):")
    print(f"   {'k':>3} {'symbolic: operations':>21} {'with shared terms (cse)':>24} "
          f"{'compute graph: nodes':>21} {'backward multiply-adds':>23}")
    composed = s
    for k in range(1, depth + 1):
        composed = f_sym(composed)
        derivative = sympy.diff(composed, s)
        replacements, reduced = sympy.cse(derivative)
        shared = sum(sympy.count_ops(r) for _, r in replacements) + sympy.count_ops(reduced[0])
        graph = _composed_graph(k)
        print(f"   {k:>3} {sympy.count_ops(derivative):>21,} {shared:>24,} {len(graph):>21,} "
              f"{graph.cost().backward_madds:>23,}")
    print("   the symbolic derivative grows about fivefold per level (f uses its argument "
          "twice, and\n   the chain rule copies whole factors); the graph computes each value "
          "once and grows linearly (001)\n")


def _composed_graph(k):
    """The compute graph of f∘...∘f (k times), where values stay finite (x = 0)."""
    def composed(x):
        for _ in range(k):
            x = f(x)
        return x
    with np.errstate(over="ignore", invalid="ignore"):
        return gg.trace(composed, gg.tensor(np.float64(0.0), name="x"))


def automatic(x, exact):
    print("4. automatic: the compute graph, differentiated by propagation")
    backward = gg.grad(f)(np.float64(x)).item()
    _, forward = gg.jvp(f, (np.float64(x),), (np.float64(1.0),))
    print(f"   backward propagation (gg.grad): {backward:.12f}   "
          f"(error {abs(backward - exact):.1e})")
    print(f"   forward propagation  (gg.jvp):  {forward.item():.12f}   "
          f"(error {abs(forward.item() - exact):.1e})")
    graph = gg.trace(f, gg.tensor(np.float64(x), name="x"))
    print(f"   {graph}; {graph.cost()}".replace("\n", "\n   "))
    print("\n" + "\n".join("   " + line for line in str(graph.explain()).splitlines()))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--x", type=float, default=1.5, help="where to differentiate (1.5)")
    parser.add_argument("--depth", type=int, default=6,
                        help="deepest composition f∘...∘f to differentiate symbolically (6)")
    args = parser.parse_args(argv)
    x = args.x
    exact = by_hand(x)
    print(f"f(x) = sqrt(x² + exp(x²)) + cos(x² + exp(x²)) at x = {x}\n")
    print(f"1. by hand (004): df/dx = {exact:.12f}\n")
    numeric(x, exact)
    symbolic(x, exact, args.depth)
    automatic(x, exact)


if __name__ == "__main__":
    main()
