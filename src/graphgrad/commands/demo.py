"""`graphgrad demo`: 004's worked example, differentiated both ways, with the graph's values."""
import numpy as np

#: 004's f step by step: each intermediate value, written over its operands.
FORMULAS = (("a", "x ** 2"), ("b", "exp(a)"), ("c", "a + b"), ("d", "sqrt(c)"),
            ("e", "cos(c)"), ("f", "d + e"))


def register(sub):
    parser = sub.add_parser("demo", help="differentiate 004's example by forward and backward "
                                         "propagation and print every step")
    parser.add_argument("--x", type=float, default=1.5, help="where to differentiate (1.5)")
    parser.set_defaults(func=run)


def steps(x):
    """004's f step by step: a = x², b = e^a, c = a + b, d = √c, e = cos c, f = d + e."""
    import graphgrad as gg
    a = x ** 2
    b = gg.exp(a)
    c = a + b
    d = gg.sqrt(c)
    e = gg.cos(c)
    return a, b, c, d, e, d + e


def _number(value, decimals):
    """value with a sign column and `decimals` decimals; -0 is written as 0."""
    return f"{float(value) + 0.0: .{decimals}f}"


def run(args):
    with np.errstate(all="ignore"):   # a value beyond float64 is said once, below
        return _run(args.x)


def _run(x0):
    import graphgrad as gg

    print("f(x) = sqrt(x^2 + exp(x^2)) + cos(x^2 + exp(x^2))   (notes 004)")
    print(f"forward pass at x = {x0 + 0.0:g}: each value from its operands (its operation)")
    x = gg.tensor(x0, dtype=np.float64, requires_grad=True, name="x")
    values = steps(x)
    print(f"  {'x':<12} = {_number(x0, 6):>12}   (input)")
    for (name, formula), t in zip(FORMULAS, values):
        print(f"  {name + ' = ' + formula:<12} = {_number(t.item(), 6):>12}   ({t.grad_fn.op})")
    values[-1].backward()
    print(f"backward propagation:  df/dx = {_number(x.grad.item(), 10)}")
    _, tangent = gg.jvp(lambda x: steps(x)[-1], (np.float64(x0),), (np.float64(1.0),))
    print(f"forward propagation:   df/dx = {_number(tangent.item(), 10)}")
    s = x0 ** 2 + np.exp(x0 ** 2)
    closed = 2 * x0 * (1 / (2 * np.sqrt(s)) - np.sin(s)) * (1 + np.exp(x0 ** 2))
    print(f"closed form (004):     df/dx = {_number(closed, 10)}")
    if not np.isfinite(x0):
        print("(x is not a finite number, so neither is f)")
    elif not np.isfinite(closed):
        print("(beyond float64: exp(x^2) overflows for |x| > 26.6, so f is not a finite number "
              "there)")
    return 0
