"""`graphgrad explain EXPR --at x=1.5`: the forward values and the backward pass of an
expression as numbered steps (002's `u.grad += L.grad * dL/du` listing)."""
from .graph import add_expression_arguments, expression_graph, fail


def register(sub):
    parser = sub.add_parser("explain", help="print the backward pass of an expression step by "
                                            "step")
    add_expression_arguments(parser)
    parser.add_argument("--precision", type=int, default=3, help="decimals shown (3)")
    parser.set_defaults(func=run)


def run(args):

    try:
        graph = expression_graph(args)
    except ValueError as e:          # ExpressionError is one
        return fail("explain", e, 2)
    print(graph.explain(precision=args.precision))
    return 0
