"""Cross-entropy with logits (ops/losses.py) written out as NumPy code into buffers, for the
common case: logits (N, C), integer targets (N,), a mean or sum (``scale``). The steps are the
primitive's own, in its order and layout: scores shifted by their maximum (transposed to (C, N)
when there are few classes), the target's score taken, exponentials normalised in place into the
softmax that the backward reads, log Σ added; the backward subtracts 1 at the targets and scales.
"""
import numpy as np

_nd = np.ndarray


def forward(prim, raw, params, out):
    """The emitter of this call's forward, or None where its case is not covered. The layout
    (classes down the columns or along the rows) is the one the primitive chose: its residual
    says, computed once here."""
    z, y = raw
    scale = params.get("scale")
    if not (z.__class__ is _nd and z.ndim == 2 and z.dtype.kind == "f" and y.__class__ is _nd
            and y.ndim == 1 and y.dtype.kind in "iu" and len(y) == len(z)
            and isinstance(scale, float) and out.ndim == 0):
        return None
    axis = prim.forward_residual(z, y, scale=scale)[1][1]
    emit = _forward_rows if axis == 1 else _forward_columns
    emit.residual = True
    return emit


def _setup(cg, op):
    z = cg.values[op.args[0]]
    o, _ = cg.out(op)
    zn, yn = cg.names(op.args[:2])
    scale = cg.name(op.kw["scale"])
    rows = cg.obj(np.arange(len(z)), "rows")
    return z, o, zn, yn, scale, rows


def _finish(cg, op, o, s, total, loss, scale, axis):
    lines = [f"np.exp({s}, out={s})", f"np.add.reduce({s}, axis={axis}, keepdims=True, "
             f"out={total})", f"np.divide({s}, {total}, out={s})",
             f"np.log({total}, out={total})", f"np.add({loss}, {total}.reshape(-1), out={loss})",
             f"{o} = np.asarray({scale} * {loss}.sum())"]
    if len(op.outs) > 1:
        lines.append(f"{cg.name(op.outs[1])} = ({s}, {axis})")
    return lines


def _forward_columns(cg, op):
    """Few classes: s = zᵀ (C, N), shifted down the columns."""
    z, o, zn, yn, scale, rows = _setup(cg, op)
    s = cg.buffer(np.empty(z.shape[::-1], z.dtype))
    m = cg.buffer(np.empty(len(z), z.dtype))
    total = cg.buffer(np.empty((1, len(z)), z.dtype))
    loss = cg.fresh("loss")
    lines = [f"np.copyto({s}, {zn}.T)", f"np.maximum.reduce({s}, axis=0, out={m})",
             f"np.subtract({s}, {m}, out={s})", f"{loss} = -{s}[{yn}, {rows}]"]
    return lines + _finish(cg, op, o, s, total, loss, scale, 0)


def _forward_rows(cg, op):
    """Many classes: s = z − max along the rows (N, C)."""
    z, o, zn, yn, scale, rows = _setup(cg, op)
    s = cg.buffer(np.empty(z.shape, z.dtype))
    total = cg.buffer(np.empty((len(z), 1), z.dtype))
    loss = cg.fresh("loss")
    lines = [f"np.maximum.reduce({zn}, axis=1, keepdims=True, out={total})",
             f"np.subtract({zn}, {total}, out={s})", f"{loss} = -{s}[{rows}, {yn}]"]
    return lines + _finish(cg, op, o, s, total, loss, scale, 1)


def vjp(g, residual, xs, params, gi):
    """The emitter of the logits' backward rule (after a lowered forward), or None."""
    if not (isinstance(residual, tuple) and residual[0].__class__ is _nd and g.__class__ is _nd
            and gi.__class__ is _nd and gi.shape == xs[0].shape and
            isinstance(params.get("scale"), float)):
        return None
    return _vjp


def _vjp(cg, op):
    """p = softmax (a copy unless this rule is its only reader), p[targets] −= 1, times g·scale,
    as the direction's layout gives it."""
    o, buf = cg.out(op)
    g, res, zn, yn = cg.names(op.args[:4])
    scale = cg.name(op.kw["scale"])
    s, axis = cg.values[op.args[1]]
    rows = cg.obj(np.arange(len(cg.values[op.args[2]])), "rows")
    p = cg.fresh("sm")
    lines = [f"{p} = {res}[0]"]
    if cg.readers(op.args[1]) > 1:
        copy = cg.buffer(s)
        lines = [f"{p} = np.copyto({copy}, {res}[0]) or {copy}"]
    index = f"{yn}, {rows}" if axis == 0 else f"{rows}, {yn}"
    direction = f"{p}.T" if axis == 0 else p
    out = "" if buf is None else f", out={buf}"
    return lines + [f"{p}[{index}] -= 1", f"{o} = np.multiply({direction}, {g} * {scale}{out})"]
