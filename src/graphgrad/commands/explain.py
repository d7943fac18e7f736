"""`graphgrad explain EXPR --at x=1.5`: the forward values and the backward pass of an
expression as numbered steps (002's `u.grad += L.grad * dL/du` listing)."""
import argparse

from .graph import add_expression_arguments, expression_graph, fail, prepare

__all__ = ["register", "run", "prepare"]

#: The most decimals worth showing: float64 holds 15-17 significant digits.
MAX_PRECISION = 17


def _precision(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value <= MAX_PRECISION:
        raise argparse.ArgumentTypeError(f"must be between 0 and {MAX_PRECISION} (float64 "
                                         f"holds about 16 digits), got {value}")
    return value


def register(sub):
    parser = sub.add_parser("explain", help="print the backward pass of an expression step by "
                                            "step")
    add_expression_arguments(parser)
    parser.add_argument("--precision", type=_precision, default=3,
                        help=f"decimals shown, 0 to {MAX_PRECISION} (3)")
    parser.set_defaults(func=run)


def run(args):
    try:
        graph = expression_graph(args)
    except ValueError as e:          # ExpressionError is one
        return fail("explain", e, 2)
    print(graph.explain(precision=args.precision))
    return 0
