"""`graphgrad demo`: 004's worked example, differentiated both ways, with the graph's values."""
import numpy as np


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


def run(args):
    import graphgrad as gg

    x0 = args.x
    print("f(x) = sqrt(x^2 + exp(x^2)) + cos(x^2 + exp(x^2))   (notes 004)")
    x = gg.tensor(x0, dtype=np.float64, requires_grad=True, name="x")
    values = steps(x)
    for name, t in zip("abcdef", values):
        op = t.grad_fn.op
        print(f"  {name} = {op:<5} -> {t.item(): .6f}")
    values[-1].backward()
    print(f"backward propagation:  df/dx = {x.grad.item(): .10f}")
    _, tangent = gg.jvp(lambda x: steps(x)[-1], (np.float64(x0),), (np.float64(1.0),))
    print(f"forward propagation:   df/dx = {tangent.item(): .10f}")
    s = x0 ** 2 + np.exp(x0 ** 2)
    closed = 2 * x0 * (1 / (2 * np.sqrt(s)) - np.sin(s)) * (1 + np.exp(x0 ** 2))
    print(f"closed form (004):     df/dx = {closed: .10f}")
    return 0
