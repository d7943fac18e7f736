"""Arithmetic expressions typed by a user (`graphgrad graph 'sqrt(x**2 + exp(x**2))' ...`),
parsed safely and evaluated with graphgrad operations, so that they record a compute graph.

Parsing uses Python's `ast` (a tree, never code) and checks every node against a whitelist
before anything runs; evaluation walks the checked tree itself — nothing reaches eval or exec.
Allowed: numbers, the variables given a value, + - * / **, unary + and -, parentheses and the
functions in FUNCTIONS. Rejected with a message saying what and where: attribute access,
subscripts, calls of anything else, keyword arguments, lambdas, comprehensions, comparisons,
strings, dunder names. Values are float64.

Names are Python identifiers, Unicode included, normalised as Python normalises them (NFKC:
`ℌ` is `H`), in --at as in the expression. Expressions too long for Python's recursive `ast`
(a flat sum of thousands of terms) are read by `_Reader`, which loops over chains of + - * /
instead of recursing, so only real nesting counts towards "nested too deeply".
"""
import ast
import io
import math
import sys
import tokenize
import unicodedata

import numpy as np

from .. import ops

#: The functions an expression may call, with their number of arguments.
FUNCTIONS = {
    "sqrt": (ops.sqrt, 1), "exp": (ops.exp, 1), "log": (ops.log, 1), "log1p": (ops.log1p, 1),
    "expm1": (ops.expm1, 1), "sin": (ops.sin, 1), "cos": (ops.cos, 1), "tan": (ops.tan, 1),
    "tanh": (ops.tanh, 1), "sigmoid": (ops.sigmoid, 1), "relu": (ops.relu, 1),
    "abs": (ops.abs, 1), "max": (ops.maximum, 2), "min": (ops.minimum, 2),
}
CONSTANTS = {"pi": math.pi, "e": math.e}
MAX_LENGTH = 200_000

_BINARY = {ast.Add: ops.add, ast.Sub: ops.sub, ast.Mult: ops.mul, ast.Div: ops.div,
           ast.Pow: ops.pow}
_UNARY = {ast.USub: ops.neg, ast.UAdd: lambda x: x}
_WHAT = {
    ast.Attribute: "attribute access (a.b)", ast.Subscript: "subscripts (a[i])",
    ast.Lambda: "lambda", ast.ListComp: "comprehensions", ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions", ast.GeneratorExp: "comprehensions",
    ast.Compare: "comparisons", ast.BoolOp: "and/or", ast.IfExp: "conditional expressions",
    ast.NamedExpr: "assignments (:=)", ast.JoinedStr: "strings", ast.Starred: "*arguments",
    ast.List: "lists", ast.Tuple: "tuples", ast.Dict: "dicts", ast.Set: "sets",
    ast.BitXor: "^ (use ** for powers)", ast.FloorDiv: "// (use /)", ast.Mod: "%",
    ast.MatMult: "@", ast.BitAnd: "&", ast.BitOr: "|", ast.LShift: "<<", ast.RShift: ">>",
    ast.Invert: "~", ast.Not: "not",
}


class ExpressionError(ValueError):
    """An expression outside the allowed language, or without values for its variables."""


def _allowed():
    return (f"allowed are numbers, variables, + - * / ** and unary -, parentheses, the "
            f"constants {', '.join(CONSTANTS)} and the functions {', '.join(FUNCTIONS)}")


class Expression:
    """A checked expression: `.variables` in order of appearance; calling it evaluates it."""

    def __init__(self, text, variables=None):
        if not isinstance(text, str):
            raise ExpressionError(f"expression: expected text, got {type(text).__name__}")
        if len(text) > MAX_LENGTH:
            raise ExpressionError(f"expression: {len(text):,} characters is longer than the "
                                  f"limit of {MAX_LENGTH:,}")
        self.text = text
        try:
            self.tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as e:
            raise ExpressionError(f"expression: not valid syntax (at column {e.offset}): "
                                  f"{e.msg}") from None
        except (RecursionError, MemoryError):  # a long chain: read it without recursing
            self.tree = _Reader(text.strip()).expression()
        self.variables = []
        self._check(self.tree.body)
        if variables is not None:
            missing = [v for v in self.variables if v not in variables]
            if missing:
                raise ExpressionError(
                    f"expression: no value for {', '.join(map(repr, missing))}; give "
                    f"{'them' if len(missing) > 1 else 'it'} with --at "
                    + ",".join(f"{m}=..." for m in missing))

    def _check(self, root):
        """Walk every node (iteratively: no recursion limit to hit) against the whitelist."""
        stack = [root]
        while stack:
            node = stack.pop()
            self._check_node(node)
            stack.extend(reversed(_operands(node)))

    def _check_node(self, node):
        if isinstance(node, ast.Constant):
            if type(node.value) not in (int, float):
                raise self._reject(node, f"the constant {node.value!r}")
            if type(node.value) is int and abs(node.value) > sys.float_info.max:
                raise self._reject(node, "a number beyond the float64 range")
        elif isinstance(node, ast.Name):
            self._check_name(node)
        elif isinstance(node, ast.Call):
            self._check_call(node)
        elif isinstance(node, (ast.BinOp, ast.UnaryOp)):
            if type(node.op) not in _BINARY and type(node.op) not in _UNARY:
                raise self._reject(node, _WHAT.get(type(node.op), type(node.op).__name__))
        else:
            raise self._reject(node, _WHAT.get(type(node), f"'{type(node).__name__}'"))

    def _check_name(self, node):
        name = node.id
        if name.startswith("__") or name.endswith("__"):
            raise self._reject(node, f"the dunder name {name!r}")
        if name in FUNCTIONS:
            raise self._reject(node, f"the function {name!r} used as a value")
        if name not in CONSTANTS and name not in self.variables:
            self.variables.append(name)

    def _check_call(self, node):
        if not isinstance(node.func, ast.Name):
            raise self._reject(node, "calling anything but a listed function by name")
        name = node.func.id
        if name not in FUNCTIONS:
            raise self._reject(node, f"a call of the unknown function {name!r}")
        if node.keywords:
            raise self._reject(node, f"keyword arguments to {name}")
        arity = FUNCTIONS[name][1]
        if len(node.args) != arity:
            raise self._reject(node, f"{name} with {len(node.args)} arguments (it takes "
                                     f"{arity})")

    def _reject(self, node, what):
        column = getattr(node, "col_offset", None)
        where = "" if column is None else f" (at column {column + 1})"
        return ExpressionError(f"expression: not allowed: {what}{where}; {_allowed()}")

    def __call__(self, **values):
        """The value of the expression, computed with graphgrad operations on `values`
        (Tensors record the graph; numbers and arrays give plain float64 results). Repeated
        sub-expressions are computed once, so `exp(x**2) + x**2` squares x once (as 004's
        a = x², b = exp(a), c = a + b)."""
        keys, results, interned = {}, {}, {}
        stack = [(self.tree.body, False)]
        with np.errstate(all="ignore"):
            while stack:
                node, ready = stack.pop()
                children = _operands(node)
                if not ready and children:
                    stack.append((node, True))
                    stack.extend((c, False) for c in reversed(children))  # left to right
                    continue
                # one small integer per distinct sub-expression (label and operands' integers)
                key = interned.setdefault((_label(node), tuple(keys[id(c)] for c in children)),
                                          len(interned))
                keys[id(node)] = key
                if key not in results:
                    results[key] = self._evaluate(node, [results[keys[id(c)]] for c in children],
                                                  values)
        return results[keys[id(self.tree.body)]]

    def _evaluate(self, node, operands, values):
        if isinstance(node, ast.Constant):
            return np.float64(node.value)
        if isinstance(node, ast.Name):
            return np.float64(CONSTANTS[node.id]) if node.id in CONSTANTS else values[node.id]
        if isinstance(node, ast.BinOp):
            return _BINARY[type(node.op)](*operands)
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](*operands)
        return FUNCTIONS[node.func.id][0](*operands)

    def __repr__(self):
        return f"Expression({self.text!r})"


def _label(node):
    """What a node computes, apart from its operands."""
    if isinstance(node, (ast.BinOp, ast.UnaryOp)):
        return type(node.op).__name__
    if isinstance(node, ast.Call):
        return "call " + node.func.id
    if isinstance(node, ast.Name):
        return "name " + node.id
    return ("number", float(node.value))


def _operands(node):
    """The sub-expressions a node is computed from (a call's function name is not one)."""
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return list(node.args)
    return []


def parse(text, variables=None):
    """Check `text` and return an Expression; with `variables`, every name must be one."""
    return Expression(text, variables)


def parse_assignments(text):
    """'x=1.5,y=2' → {'x': 1.5, 'y': 2.0} (float64 values)."""
    values = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = item.partition("=")
        name = unicodedata.normalize("NFKC", name.strip())  # as Python reads identifiers
        if not sep or not name.isidentifier():
            raise ExpressionError(f"--at: expected name=value pairs separated by commas, got "
                                  f"{item!r}")
        if name.startswith("__") or name in FUNCTIONS or name in CONSTANTS:
            raise ExpressionError(f"--at: {name!r} cannot be a variable (it is reserved)")
        try:
            values[name] = np.float64(float(value))
        except ValueError:
            raise ExpressionError(f"--at: the value of {name!r} is not a number: "
                                  f"{value.strip()!r}") from None
    return values


class _Reader:
    """A reader of the allowed language for expressions Python's `ast` cannot hold: chains of
    + - * / are read in loops (a flat sum of any length), only parentheses, unary signs and
    ** nest. It builds the same `ast` nodes, checked afterwards by the same whitelist."""

    _OPERATORS = {"+": ast.Add, "-": ast.Sub, "*": ast.Mult, "/": ast.Div}

    def __init__(self, text):
        try:
            self.tokens = [t for t in tokenize.generate_tokens(io.StringIO(text).readline)
                           if t.type not in (tokenize.NEWLINE, tokenize.NL,
                                             tokenize.ENDMARKER)]
        except (tokenize.TokenError, SyntaxError) as e:
            raise ExpressionError(f"expression: not valid syntax: {e.args[0]}") from None
        self.i = 0

    def expression(self):
        try:
            body = self._chain(("+", "-"), self._term)
        except RecursionError:
            raise ExpressionError("expression: nested too deeply") from None
        if self.i < len(self.tokens):
            raise self._error("not allowed:")
        return ast.Expression(body=body)

    def _peek(self):
        return self.tokens[self.i].string if self.i < len(self.tokens) else None

    def _take(self):
        if self.i >= len(self.tokens):
            raise ExpressionError("expression: not valid syntax: it ends too early")
        self.i += 1
        return self.tokens[self.i - 1]

    def _error(self, what):
        token = self.tokens[self.i]
        return ExpressionError(f"expression: not valid syntax: {what} {token.string!r} (at "
                               f"column {token.start[1] + 1}); {_allowed()}")

    def _chain(self, operators, operand):
        """operand (op operand)*, left-associative, in a loop."""
        node = operand()
        while self._peek() in operators:
            token = self._take()
            node = ast.BinOp(left=node, op=self._OPERATORS[token.string](), right=operand(),
                             col_offset=token.start[1], lineno=1)
        return node

    def _term(self):
        return self._chain(("*", "/"), self._factor)

    def _factor(self):
        if self._peek() in ("+", "-"):
            token = self._take()
            op = ast.USub() if token.string == "-" else ast.UAdd()
            return ast.UnaryOp(op=op, operand=self._factor(), col_offset=token.start[1],
                               lineno=1)
        node = self._atom()
        if self._peek() == "**":
            token = self._take()
            node = ast.BinOp(left=node, op=ast.Pow(), right=self._factor(),
                             col_offset=token.start[1], lineno=1)
        return node

    def _atom(self):
        token = self._take()
        where = dict(col_offset=token.start[1], lineno=1)
        if token.type == tokenize.NUMBER:
            return ast.Constant(value=ast.literal_eval(token.string), **where)
        if token.string == "(":
            node = self._chain(("+", "-"), self._term)
            self._expect(")")
            return node
        if token.type == tokenize.NAME:
            name = unicodedata.normalize("NFKC", token.string)
            if self._peek() != "(":
                return ast.Name(id=name, ctx=ast.Load(), **where)
            self._take()
            args = [] if self._peek() == ")" else [self._chain(("+", "-"), self._term)]
            while self._peek() == ",":
                self._take()
                args.append(self._chain(("+", "-"), self._term))
            self._expect(")")
            return ast.Call(func=ast.Name(id=name, ctx=ast.Load(), **where), args=args,
                            keywords=[], **where)
        self.i -= 1
        raise self._error("not allowed:")

    def _expect(self, text):
        if self._peek() != text:
            if self.i >= len(self.tokens):
                raise ExpressionError(f"expression: not valid syntax: {text!r} missing at the "
                                      "end")
            raise self._error(f"expected {text!r}, got")
        self.i += 1
