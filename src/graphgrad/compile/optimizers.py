"""Optimizer steps and zero_grad in a traced call.

SGD (momentum, dampening, Nesterov, weight decay, maximize) and Adam/AdamW (AMSGrad, L2 or
decoupled decay, maximize) are written out as NumPy code that does what their _update_group
does, operation for operation, into buffers made once. Hyper-parameters (lr, momentum, betas,
eps, weight decay) and the state (buffers, step counts) are read when the program runs, so a
scheduler that changes lr between steps is followed; the choices that shape the code (momentum
on or off, AMSGrad, …) are checked before each run. Other optimizers are replayed by calling
their own step().
"""
import numpy as np

from ..nn.utils import norm_and_factor
from ..optim.adaptive import Adam
from ..optim.sgd import SGD
from ..tracing import bump_versions
from .trace import Op

bump = bump_versions


def traced_step(tracer, original, opt, closure=None):
    """Optimizer.step while tracing: record it, then step eagerly."""
    if tracer.active:
        _record(tracer, opt, closure)
    with tracer.paused():
        return original(opt, closure)


def _record(tracer, opt, closure):
    if closure is not None:
        return tracer.fail("optimizer.step(closure): the closure re-evaluates the model")
    from ..optim.optimizer import Optimizer
    if type(opt).step is not Optimizer.step:
        return tracer.fail(f"{type(opt).__name__} overrides step()")
    groups, outside = [], False
    for k, group in enumerate(opt.param_groups):
        params = [p for p in group["params"] if p.grad is not None]
        for p in params:
            if id(p.grad.array) in tracer.tainted:
                return tracer.fail("optimizer.step() with gradients made by an operation the "
                                   "trace cannot record")
            if not tracer.knows(p.grad.array):      # from before the call: read when it runs
                tracer.grad_input(p)
                outside = True
        groups.append((k, group, params))
    if outside:     # a parameter without a gradient now must have none when the program runs
        tracer.guards += [p for _, group, params in groups for p in group["params"]
                          if p.grad is None and id(p) not in tracer.grads_cleared]
    kind = type(opt)._update_group
    emit = _sgd if kind is SGD._update_group else _adam if kind is Adam._update_group else None
    if emit is None:
        tracer.add(Op(f"{type(opt).__name__}.step", None, [], {"opt": tracer.const(opt)},
                      effect=True, emit=_opaque))
        return None
    for k, group, params in groups:
        if not params:
            continue
        op = Op(f"{type(opt).__name__}.step", None, [tracer.array(p.grad.array) for p in params],
                {"opt": tracer.const(opt), "group": tracer.const(k)}, effect=True, emit=emit)
        op.node = (params, [tracer.array(p.array, p) for p in params], _flags(kind, group))
        op.kw.update({f"p{j}": s for j, s in enumerate(op.node[1])})
        tracer.add(op)
    return None


def _flags(kind, group):
    if kind is SGD._update_group:
        return (bool(group["momentum"]), bool(group["weight_decay"]), group["dampening"] == 0,
                bool(group["nesterov"]), bool(group.get("maximize", False)))
    return (bool(group["amsgrad"]), bool(group["weight_decay"]),
            bool(group["decoupled_weight_decay"]), bool(group.get("maximize", False)))


_SGD_FLAGS = ('(bool({G}["momentum"]), bool({G}["weight_decay"]), {G}["dampening"] == 0, '
              'bool({G}["nesterov"]), bool({G}.get("maximize", False)))')
_ADAM_FLAGS = ('(bool({G}["amsgrad"]), bool({G}["weight_decay"]), '
               'bool({G}["decoupled_weight_decay"]), bool({G}.get("maximize", False)))')


def _group(cg, op, flags_text):
    """The prologue of one group's update: the group bound, and STALE where the optimizer's
    groups or the choices that shape the code are no longer those recorded."""
    params, slots, flags = op.node
    opt = cg.names([op.kw["opt"]])[0]
    k = cg.values[op.kw["group"]]
    groups = cg.values[op.kw["opt"]].param_groups
    G = cg.fresh("G")
    cg.prologue(f"if len({opt}.param_groups) != {len(groups)}: return STALE")
    cg.prologue(f"{G} = {opt}.param_groups[{k}]")
    cg.prologue(f"if len({G}['params']) != {len(groups[k]['params'])}: return STALE")
    cg.prologue(f"if {flags_text.format(G=G)} != {flags!r}: return STALE")
    return params, cg.names(slots), flags, opt, G


def _grad(cg, g, p, maximize, lines):
    if not maximize:
        return g
    t = cg.buffer(p)
    lines.append(f"np.negative({g}, out={t})")
    return t


def _sgd(cg, op):
    params, ps, (momentum, decay, plain_damp, nesterov, maximize), opt, G = _group(
        cg, op, _SGD_FLAGS)
    lr = cg.fresh("lr")
    lines = [f"{lr} = float({G}['lr'])"]
    if momentum:
        lines.append(f"{lr}_m = {G}['momentum']")
    if decay:
        lines.append(f"{lr}_wd = {G}['weight_decay']")
    for p, g, pv in zip(params, cg.names(op.args), ps):
        g = _grad(cg, g, pv, maximize, lines)
        if decay:
            t = cg.buffer(pv)
            lines += [f"np.multiply({lr}_wd, {pv}, out={t})", f"np.add({g}, {t}, out={t})"]
            g = t
        if momentum:
            b = cg.fresh("m")
            cg.prologue(f"{b} = {opt}.state[{cg.obj(p, 'P')}]['momentum_buffer'].array")
            lines.append(f"np.multiply({b}, {lr}_m, out={b})")
            if plain_damp:
                lines.append(f"np.add({b}, {g}, out={b})")
            else:
                t = cg.buffer(pv)
                lines += [f"np.multiply(1 - {G}['dampening'], {g}, out={t})",
                          f"np.add({b}, {t}, out={b})"]
            if nesterov:
                t = cg.buffer(pv)
                lines += [f"np.multiply({lr}_m, {b}, out={t})", f"np.add({g}, {t}, out={t})"]
                g = t
            else:
                g = b
        lines += _descend(cg, pv, g, lr)
    lines.append(f"bump({cg.obj(tuple(params), 'PS')}, 1)")
    return lines


#: Elements of the scratch that SGD's last step goes through (64 KB of float32).
CHUNK = 1 << 14


def _descend(cg, pv, g, lr):
    """p ← p − lr·g as eager mode computes it (lr·g rounded, then subtracted), through a
    scratch of blocks (of rows, or of columns for a column-major p, so that each block is
    contiguous) rather than a temporary the size of p: a large weight matrix then costs no
    second copy of itself (hand-written NumPy's p -= lr * g makes one)."""
    p = cg.bound_array(pv)
    if p.ndim == 0 or p.size <= CHUNK:
        t = cg.buffer(p)
        return [f"np.multiply({lr}, {g}, out={t})",
                f"np.subtract({pv}, {t}, out={pv}, casting='same_kind')"]
    columns = p.flags.f_contiguous and not p.flags.c_contiguous
    axis = p.ndim - 1 if columns else 0
    n = p.shape[axis]
    k = max(1, CHUNK * n // p.size)
    shape = p.shape[:-1] + (k,) if columns else (k,) + p.shape[1:]
    t = cg.buffer(np.empty(shape, p.dtype, order="F" if columns else "C"))
    at = "..., " if columns else ""
    return [f"for _i in range(0, {n}, {k}):      # (blocks: see _descend)",
            f"    _t, _p = {t}[{at}:min({k}, {n} - _i)], {pv}[{at}_i:_i + {k}]",
            f"    np.multiply({lr}, {g}[{at}_i:_i + {k}], out=_t)",
            "    np.subtract(_p, _t, out=_p, casting='same_kind')"]


def _adam(cg, op):
    params, ps, (amsgrad, decay, decoupled, maximize), opt, G = _group(cg, op, _ADAM_FLAGS)
    lr = cg.fresh("lr")
    lines = [f"{lr} = float({G}['lr'])", f"{lr}_b1, {lr}_b2 = {G}['betas']",
             f"{lr}_eps, {lr}_wd = {G}['eps'], {G}['weight_decay']"]
    for p, g, pv in zip(params, cg.names(op.args), ps):
        s = cg.fresh("S")
        cg.prologue(f"{s} = {opt}.state[{cg.obj(p, 'P')}]")
        cg.prologue(f"{s}_m, {s}_v = {s}['exp_avg'].array, {s}['exp_avg_sq'].array")
        if amsgrad:
            cg.prologue(f"{s}_vmax = {s}['max_exp_avg_sq'].array")
        lines.append(f"{s}_t = {s}['step'] = {s}['step'] + 1")
        g = _grad(cg, g, pv, maximize, lines)
        if decay and decoupled:
            lines.append(f"np.multiply({pv}, 1 - {lr} * {lr}_wd, out={pv}, casting='same_kind')")
        elif decay:
            t = cg.buffer(pv)
            lines += [f"np.multiply({lr}_wd, {pv}, out={t})", f"np.add({g}, {t}, out={t})"]
            g = t
        t = cg.buffer(pv)
        m, v = f"{s}_m", f"{s}_v"
        lines += [f"np.subtract({g}, {m}, out={t})", f"np.multiply({t}, 1 - {lr}_b1, out={t})",
                  f"np.add({m}, {t}, out={m})",
                  f"np.multiply({v}, {lr}_b2, out={v})", f"np.multiply({g}, {g}, out={t})",
                  f"np.multiply({t}, 1 - {lr}_b2, out={t})", f"np.add({v}, {t}, out={v})"]
        if amsgrad:
            lines.append(f"np.maximum({s}_vmax, {v}, out={s}_vmax)")
            v = f"{s}_vmax"
        lines += [f"np.sqrt({v}, out={t})",
                  f"np.divide({t}, (1 - {lr}_b2 ** {s}_t) ** 0.5, out={t})",
                  f"np.add({t}, {lr}_eps, out={t})",
                  f"np.divide({m}, {t}, out={t})",
                  f"np.multiply({t}, {lr} / (1 - {lr}_b1 ** {s}_t), out={t})",
                  f"np.subtract({pv}, {t}, out={pv}, casting='same_kind')"]
    times = 2 if decay and decoupled else 1
    lines.append(f"bump({cg.obj(tuple(params), 'PS')}, {times})")
    return lines


def _opaque(cg, op):
    return [f"{cg.names([op.kw['opt']])[0]}.step()"]


def traced_zero_grad(tracer, original, owner, set_to_none=True):
    """Optimizer.zero_grad / Module.zero_grad while tracing."""
    if tracer.active:
        if not set_to_none:
            tracer.fail("zero_grad(set_to_none=False)")
        else:
            params = [p for group in owner.param_groups for p in group["params"]] if hasattr(
                owner, "param_groups") else list(owner.parameters())
            tracer.grads_cleared.update(id(p) for p in params)
            tracer.add(Op("zero_grad", None, [], {"params": tracer.const(tuple(params))},
                          effect=True, emit=_zero))
    return original(owner, set_to_none)


def _zero(cg, op):
    return [f"for _p in {cg.names([op.kw['params']])[0]}: _p.grad = None"]


def clip_arrays(grads, max_norm, norm_type, error_if_nonfinite):
    """clip_grad_norm_ on the gradient arrays, with its arithmetic (nn.utils.norm_and_factor),
    the factor applied in place when below 1."""
    total, factor = norm_and_factor(grads, max_norm, norm_type, error_if_nonfinite)
    if factor < 1.0:
        for g in grads:
            np.multiply(g, factor, out=g, casting="same_kind")
    return np.asarray(total, dtype=grads[0].dtype)
