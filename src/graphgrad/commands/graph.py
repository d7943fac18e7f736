"""`graphgrad graph EXPR --at x=1.5,y=2 -o graph.svg`: draw the compute graph of an expression,
with values, back-propagated gradients (red) and local derivatives (blue)."""
import sys

EXAMPLE = "sqrt(x**2 + exp(x**2)) + cos(x**2 + exp(x**2))"


def add_expression_arguments(parser):
    """EXPR and --at, shared with `graphgrad explain`."""
    parser.add_argument("expression", metavar="EXPR",
                        help=f"an arithmetic expression, e.g. '{EXAMPLE}' (numbers, variables, "
                             "+ - * / **, sqrt exp log sin cos tan tanh sigmoid relu abs ...)")
    parser.add_argument("--at", action="append", default=[], metavar="NAME=VALUE,...",
                        help="the values of the variables, e.g. x=1.5,y=2 (float64)")
    parser.add_argument("--granularity", choices=("operation", "named"), default="operation",
                        help="one node per operation (default), or only inputs and output")


def prepare(parser, tokens):
    """The arguments with an expression that starts with '-' (``-x**2``, ``-1.5*x``) moved
    behind '--', so argparse reads it as EXPR rather than as an unknown option; an
    expression already behind '--' is moved to the end with the '--'."""
    if "--" in tokens:
        k = tokens.index("--")
        if k + 1 < len(tokens):
            return [*tokens[:k], *tokens[k + 2:], "--", tokens[k + 1]]
        return tokens
    takes_value = {option: action.nargs != 0 for action in parser._actions
                   for option in action.option_strings}
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if not token.startswith("-") or token == "-":
            return tokens  # EXPR comes first: nothing to move
        name = token.split("=", 1)[0]
        known = [o for o in takes_value if o == name or (name.startswith("--") and len(name) > 2
                                                         and o.startswith(name))]
        if known:
            i += 2 if takes_value[known[0]] and "=" not in token else 1
        elif name[:2] in takes_value and not name.startswith("--"):
            i += 1  # a short option with its value attached (-ograph.svg)
        elif token.startswith("--") and token[2:].replace("-", "").isalnum():
            return tokens  # an unknown option: argparse says so
        else:
            return [*tokens[:i], *tokens[i + 1:], "--", token]
    return tokens


def expression_graph(args):
    """The ComputeGraph of the expression at the given values; ExpressionError if the
    expression is outside the allowed language (checked before anything runs), ValueError if
    it computes nothing from its variables."""
    import graphgrad as gg
    from graphgrad.graphview.expression import ExpressionError, parse, parse_assignments

    values = {}
    for text in args.at:
        values.update(parse_assignments(text))
    expression = parse(args.expression, variables=values)
    names = list(expression.variables)
    if not names:
        raise ExpressionError("expression: it has no variables, so there is no compute graph; "
                              "write it in terms of a variable and give its value, e.g. "
                              "--at x=1.5")

    def f(*xs):
        return expression(**dict(zip(names, xs)))
    inputs = [gg.tensor(values[n], name=n) for n in names]
    return gg.trace(f, *inputs, granularity=args.granularity)


def fail(command, error, code):
    print(f"graphgrad {command}: error: {error}", file=sys.stderr)
    return code


def register(sub):
    parser = sub.add_parser("graph", help="draw the compute graph of an expression (SVG, PNG, "
                                          "PDF or DOT)")
    add_expression_arguments(parser)
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="graph.svg, .png, .pdf (Graphviz) or .dot; default: DOT on stdout")
    parser.add_argument("--show", default="value,grad,local",
                        help="what to draw: any of value, grad, local (comma-separated)")
    parser.add_argument("--rankdir", choices=("TB", "LR", "BT", "RL"), default="TB",
                        help="layout direction (TB: top to bottom)")
    parser.set_defaults(func=run)


def run(args):
    from graphgrad.graphview import GraphvizNotFoundError

    try:
        graph = expression_graph(args)
        show = [s.strip() for s in args.show.split(",") if s.strip()]
        if args.output is None:
            sys.stdout.write(graph.to_dot(show, rankdir=args.rankdir))
            return 0
        path = graph.render(args.output, show, rankdir=args.rankdir)
    except ValueError as e:          # ExpressionError is one
        return fail("graph", e, 2)
    except GraphvizNotFoundError as e:
        return fail("graph", f"{e}; on the command line: -o graph.dot", 1)
    except (RuntimeError, OSError) as e:
        return fail("graph", e, 1)
    print(f"wrote {path} ({len(graph.nodes)} nodes, {len(graph.edges)} edges)")
    return 0
