"""`graphgrad demo`: 004's worked example, differentiated both ways, with the graph's values."""
import numpy as np


def register(sub):
    parser = sub.add_parser("demo", help="differentiate 004's example by forward and backward "
                                         "propagation and print every step")
    parser.add_argument("--x", type=float, default=1.5, help="where to differentiate (1.5)")
    parser.set_defaults(func=run)


def run(args):
    import graphgrad as gg

    x0 = args.x
    print("f(x) = sqrt(x^2 + exp(x^2)) + cos(x^2 + exp(x^2))   (notes 004)")
    x = gg.tensor(x0, dtype=np.float64, requires_grad=True, name="x")
    a = x ** 2
    b = gg.exp(a)
    c = a + b
    d = gg.sqrt(c)
    e = gg.cos(c)
    f = d + e
    for name, t in zip("abcdef", (a, b, c, d, e, f)):
        op = t.grad_fn.op
        print(f"  {name} = {op:<5} -> {t.item(): .6f}")
    f.backward()
    print(f"backward propagation:  df/dx = {x.grad.item(): .10f}")
    _, tangent = gg.jvp(lambda x: gg.sqrt(x ** 2 + gg.exp(x ** 2)) + gg.cos(x ** 2 + gg.exp(x ** 2)),
                        (np.float64(x0),), (np.float64(1.0),))
    print(f"forward propagation:   df/dx = {tangent.item(): .10f}")
    s = x0 ** 2 + np.exp(x0 ** 2)
    closed = 2 * x0 * (1 / (2 * np.sqrt(s)) - np.sin(s)) * (1 + np.exp(x0 ** 2))
    print(f"closed form (004):     df/dx = {closed: .10f}")
    return 0
