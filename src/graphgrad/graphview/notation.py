"""How nodes, local functions and numbers are written in drawings and listings.

A node's formula writes its local function g_v over its parents' names, with Python's operator
spelling (``v0 = x ** 2``, ``v3 = v0 + v1``, ``h = x @ W``); merged operations
(granularity='named') nest (``v3 = v0 + θ0 * v1``). Constants appear as numbers, or by shape.
"""
import numpy as np

#: Static parameters not worth showing (they repeat what the shapes already say).
_HIDDEN_PARAMS = {"keepdims": False, "axis": None}


def number(x, precision=3):
    """A number with `precision` decimals, in scientific notation when very small or large;
    x is a number or any one-element array (shape (), (1,), (1, 1), ...)."""
    x = float(np.asarray(x).reshape(()))
    if x == 0 or 1e-3 <= abs(x) < 1e5 or not np.isfinite(x):
        return f"{x:.{precision}f}"
    return f"{x:.{precision}e}"


def summary(value, precision=3):
    """A value in a few characters: the number, a short list, or min/mean/max with the shape."""
    a = np.asarray(value)
    if a.size == 1:
        return number(a.reshape(()), precision)
    if a.size <= 4:
        return "[" + ", ".join(number(x, precision) for x in a.ravel()) + "]"
    a = a.astype(np.float64)
    return (f"min {number(a.min(), precision)}, mean {number(a.mean(), precision)}, "
            f"max {number(a.max(), precision)}")


def shape_text(shape):
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def formula(node, names):
    """g_v written over the parents' names (`names`: vertex key → node name)."""
    if node.local is None:
        return node.name
    exprs = {}
    for s in node.local.steps:
        operands = [_operand(k, c, names, exprs) for k, c in zip(s.keys, s.values)]
        exprs[s.key] = _apply(s.prim, operands, s.params)
    return _strip(exprs[node.key])


def _operand(key, value, names, exprs):
    if key in names:
        return names[key]
    if key in exprs:
        return exprs[key]
    return _constant(value)


def _constant(c):
    if c is None:
        return "None"
    a = np.asarray(c)
    if a.size == 1 and a.dtype.kind in "fiub":
        x = a.item()
        return repr(x) if isinstance(x, (bool, int)) else f"{x:g}"
    return f"const{shape_text(a.shape)}"


def _apply(prim, operands, params):
    """g_v in the primitive's own notation: an operator symbol, a function of the operand
    texts, or by default its name applied to them."""
    notation = prim.notation
    if callable(notation):
        return notation(operands, params)
    if notation is not None and len(operands) == 2:
        return f"({operands[0]} {notation} {operands[1]})"
    if notation is not None and len(operands) == 1:
        return f"({notation}{operands[0]})"
    shown = [f"{k}={_param(v)}" for k, v in params.items()
             if not (k in _HIDDEN_PARAMS and _HIDDEN_PARAMS[k] is v) and k != "index"]
    return f"{prim.name}({', '.join([_strip(o) for o in operands] + shown)})"


def _param(v):
    if isinstance(v, np.dtype) or isinstance(v, type):
        return np.dtype(v).name
    if isinstance(v, np.ndarray):
        return f"array{shape_text(v.shape)}"
    return repr(v)


def _strip(expr):
    """An expression without its outer parentheses."""
    if expr.startswith("(") and expr.endswith(")") and _balanced(expr[1:-1]):
        return expr[1:-1]
    return expr


def _balanced(text):
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0
