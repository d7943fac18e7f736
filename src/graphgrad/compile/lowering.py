"""NumPy forms of the common operations, writing into a buffer the program owns.

Each form computes exactly what eager mode computes, operation for operation (the same ufuncs
in the same order on the same dtypes), only with ``out=``: so a compiled step equals the eager
one bit for bit. An emitter is ``emit(cg, op) → lines``; ``cg.out(op)`` gives the result's name
and its buffer (None where the result escapes: then the first call allocates).
Operations without a form here are replayed by calling the engine's own function.
"""
import numpy as np

from . import losses

_nd = np.ndarray


def _out(buf):
    return "" if buf is None else f", out={buf}"


def ufunc(name, arity):
    """o = np.<name>(a0, …) — a ufunc, written into the buffer."""
    def emit(cg, op):
        o, buf = cg.out(op)
        args = ", ".join(cg.names(op.args[:arity]))
        return [f"{o} = np.{name}({args}{_out(buf)})"]
    return emit


def ufunc_with(name, constant):
    """o = np.<name>(a0, constant) (relu: np.maximum(x, 0), as its forward)."""
    def emit(cg, op):
        o, buf = cg.out(op)
        return [f"{o} = np.{name}({cg.name(op.args[0])}, {constant}{_out(buf)})"]
    return emit


def _relu_vjp(cg, op):
    """where(out != 0, g, 0.0) as ops.where computes it: g · [out ≠ 0], unless that made a
    NaN (an infinite g), then np.where."""
    o, buf = cg.out(op)
    g, out = cg.names(op.args[:2])
    shape = cg.values[op.outs[0]].shape
    mask, nan = cg.buffer(np.empty(shape, bool)), cg.buffer(np.empty(shape, bool))
    return [f"np.not_equal({out}, 0, out={mask})", f"{o} = np.multiply({g}, {mask}{_out(buf)})",
            f"if np.isnan({o}, out={nan}).any(): {o} = np.where({mask}, {g}, 0.0)"]


def chain(*steps):
    """An elementwise chain done in place in one buffer: steps are format strings over {o}
    (the buffer, the first step allocating it when there is none) and the operands {a0}, …;
    the first step's result is written with {out}."""
    def emit(cg, op):
        o, buf = cg.out(op)
        names = dict(zip(_OPERANDS, cg.names(op.args)), o=o)
        first = steps[0].format(out=_out(buf), **names)
        return [f"{o} = {first}"] + [s.format(out=f", out={o}", **names) for s in steps[1:]]
    return emit


_OPERANDS = tuple(f"a{i}" for i in range(8))     # what a chain's steps may name (a0 … a7)


def _linear_forward(bias_in_place):
    def emit(cg, op):
        o, buf = cg.out(op)
        x, w, b = cg.names(op.args)
        lines = [f"{o} = np.matmul({x}, {w}.T{_out(buf)})"]
        if bias_in_place:
            lines.append(f"np.add({o}, {b}, out={o})")
        return lines
    return emit


def forward(prim, raw, params, out):
    """The NumPy form of a primitive's forward on these operands, or None (call it)."""
    if prim.name == "cross_entropy":
        return losses.forward(prim, raw, params, out)
    if out.__class__ is not _nd or not out.ndim:
        return None
    f = prim.forward
    if isinstance(f, np.ufunc) and f.nout == 1 and not params and len(raw) == f.nin and all(
            r.__class__ is _nd for r in raw):
        return ufunc(f.__name__, f.nin)
    direct = getattr(f, "direct", None)       # the ufunc a promoting forward calls on floats
    if direct is not None and not params and raw[0].__class__ is _nd and \
            raw[0].dtype.kind == "f":
        if len(raw) == 1:
            return ufunc(direct.__name__, 1)
        y = raw[1]
        if len(raw) == 2 and (y.__class__ is float or y.__class__ is _nd and
                              y.dtype is raw[0].dtype):
            return ufunc(direct.__name__, 2)
    if prim.name == "relu" and raw[0].__class__ is _nd and raw[0].dtype.kind == "f":
        return ufunc_with("maximum", "0")
    if prim.name == "linear" and raw[0].__class__ is _nd and raw[1].__class__ is _nd:
        bias = raw[2]
        if bias is None:
            return _linear_forward(False)
        if bias.__class__ is _nd and bias.dtype == out.dtype:
            return _linear_forward(True)
    return None


# The backward rules by (primitive, operand): operands are (g, out, *inputs) = a0, a1, a2, …
_VJPS = {
    ("sub", 1): chain("np.negative({a0}{out})"),
    ("neg", 0): chain("np.negative({a0}{out})"),
    ("mul", 0): chain("np.multiply({a0}, {a3}{out})"),
    ("mul", 1): chain("np.multiply({a0}, {a2}{out})"),
    ("div", 0): chain("np.divide({a0}, {a3}{out})"),
    ("exp", 0): chain("np.multiply({a0}, {a1}{out})"),
    ("tanh", 0): chain("np.multiply({a1}, {a1}{out})", "np.subtract(1, {o}{out})",
                       "np.multiply({a0}, {o}{out})"),
    ("sigmoid", 0): chain("np.subtract(1, {a1}{out})", "np.multiply({a1}, {o}{out})",
                          "np.multiply({a0}, {o}{out})"),
    ("relu", 0): _relu_vjp,
    ("linear", 0): chain("np.matmul({a0}, {a3}{out})"),
    ("linear", 1): chain("np.matmul({a0}.T, {a2}{out})"),
    ("linear", 2): chain("np.add.reduce({a0}, axis=0{out})"),
}


def vjp(prim, i, g, out, xs, params, gi):
    """The NumPy form of a backward rule on these operands (gi: what it returned), or None."""
    if prim.name == "cross_entropy" and i == 0:
        return losses.vjp(g, out, xs, params, gi)
    emit = _VJPS.get((prim.name, i))
    if emit is None or g.__class__ is not _nd or gi.__class__ is not _nd or not gi.ndim:
        return None
    name = prim.name
    if name in ("tanh", "sigmoid", "exp", "relu") and out.__class__ is not _nd:
        return None
    if name in ("mul", "div") and xs[1 - i if name == "mul" else 1].__class__ not in (
            _nd, float, int):
        return None
    if name == "linear":
        x, w = xs[0], xs[1]
        if i == 0 and w.__class__ is not _nd:
            return None
        if i == 1 and not (x.__class__ is _nd and g.ndim == 2 and x.ndim == 2):
            return None
        if i == 2 and g.ndim != 2:
            return None
    return emit


def add_into(cg, op):
    """prev += gi (a gradient buffer the sweep owns)."""
    prev, gi = cg.names(op.args)
    return [f"np.add({prev}, {gi}, out={prev})"]


add = ufunc("add", 2)


def copy(cg, op):
    """A copy of a gradient the sweep does not own (np.array(g))."""
    o, buf = cg.out(op)
    (g,) = cg.names(op.args)
    if buf is None:
        return [f"{o} = np.array({g})"]
    return [f"np.copyto({buf}, {g})", f"{o} = {buf}"]
