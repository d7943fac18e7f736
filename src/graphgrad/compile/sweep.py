"""``loss.backward()`` while a step is traced: the engine's first-order sweep, step for step
(graphgrad.autodiff: newest node first, the VJP rules on raw arrays, gradients summed in place
into buffers the sweep owns, leaf gradients copied unless owned), recording each rule call,
each reduction to a broadcast operand's shape and each sum as an operation.

It computes what autodiff.backward computes, in the same order, so the traced call itself
stays exact. What it does not cover (gradient=, create_graph, inputs=, hooks, anomaly mode,
forward-mode levels, a .grad already holding a gradient) fails the trace and runs the engine's
own backward instead.
"""
import heapq

import numpy as np

from .. import autodiff, tracing
from ..hooks import leaf_hooks, node_hooks
from ..node import Node, key_of, parent_of
from ..ops.shape import sum_to
from ..tensor import Tensor, make
from . import lowering
from .trace import Op

_nd = np.ndarray


def backward(tracer, original, root, gradient=None, retain_graph=None, create_graph=False,
             inputs=None):
    """Tensor.backward while tracing (see the module docstring)."""
    why = tracer.active and _unsupported(root, gradient, create_graph, inputs)
    if why:
        tracer.fail(why)
    if not tracer.active:
        return original(root, gradient, retain_graph, create_graph, inputs)
    autodiff._check_outputs([root], "backward")
    seed = autodiff._seed(root, None, "backward")
    grads, owned, leaves = _sweep(tracer, root, tracer.const(seed), seed, bool(retain_graph))
    for key, (g, slot) in grads.items():
        leaf = leaves[key]
        if key not in owned:
            g = np.array(g) if isinstance(g, (_nd, np.generic)) else g
            slot = _record(tracer, Op("copy", np.array, [slot], emit=lowering.copy), g)
        if leaf.grad is not None or g.__class__ is not _nd or g.dtype != leaf.array.dtype:
            tracer.fail("backward into a .grad that already holds a gradient (gradients summed "
                        "over calls): call zero_grad() inside the step")
            autodiff._accumulate_into_leaf(leaf, g)
            continue
        if tracer.kind[tracer.slot_of.get(id(leaf.array), slot)] == "input":
            tracer.fail("backward into an argument of the step that requires grad (a replay "
                        "cannot set the .grad of the tensor it is given)")
        if id(leaf) not in tracer.grads_cleared:
            tracer.guards.append(leaf)
        leaf.grad = make(g)
        tracer.add(Op("set grad", None, [slot], kw={"param": tracer.const(leaf)}, effect=True,
                      emit=_set_grad))


def _unsupported(root, gradient, create_graph, inputs):
    if not isinstance(root, Tensor):
        return "backward of something other than one tensor"
    if gradient is not None or create_graph or inputs is not None:
        return "backward(gradient=/create_graph=/inputs=)"
    if node_hooks or leaf_hooks:
        return "tensor hooks (register_hook, retain_grad)"
    if tracing.special_modes():
        return "backward under detect_anomaly or inside a forward-mode transform"
    return None


def _set_grad(cg, op):
    """param.grad = the gradient. Where that is a buffer of the program, which the next run
    writes again, that run first checks that nobody else holds this run's gradient (a list of
    gradients kept step by step, a view of one): if someone does, eager mode would have left it
    alone, so the step is recorded again, with buffers of its own."""
    (g,) = cg.names(op.args)
    param = cg.names([op.kw["param"]])[0]
    buf = cg.buffer_of.get(op.args[0])
    if buf is not None:     # references: .grad, _g, the argument; BUFFERS, the local, .array
        cg.prologue(f"_g = {param}.grad")
        cg.prologue(f"if _g is not None and _g.array is {buf} and (getrefcount(_g) > 3 or "
                    f"getrefcount({buf}) > 4): return STALE")
    return [f"{param}.grad = {cg.tensor_of(op.args[0], g)}"]


def _record(tracer, op, value):
    op.outs = [tracer.temp(value)]
    tracer.add(op)
    return op.outs[0]


def _sweep(tracer, root, seed_slot, seed, retain):
    """autodiff._propagate without targets, on raw arrays, recording; returns ({id(leaf):
    (gradient, slot)}, owned ids, {id(leaf): leaf})."""
    node = key_of(root)
    leaves, leaf_grads, owned, slots = {}, {}, set(), {}
    heap = []
    if node is root:
        leaves[id(root)] = root
        leaf_grads[id(root)] = seed
        slots[id(root)] = seed_slot
    else:
        node.grad = seed
        slots[id(node)] = seed_slot
        heap.append((-node.tick, node))
    last_inplace = tracing.last_inplace()
    saved_mode = tracing.set_grad_enabled(False)
    try:
        while heap:
            node = heapq.heappop(heap)[1]
            g, g_slot = node.grad, slots.pop(id(node))
            node.grad = None
            if node.raw is None:
                raise autodiff._freed_graph_error(node)
            if last_inplace > node.tick:
                autodiff._check_versions(node)
            out, xs = node.out, node.raw
            out_slot = _value_slot(tracer, node, out)
            x_slots = [_value_slot(tracer, None, x) for x in xs]
            params, vjps = node.params, node.prim.vjps
            kw = {k: tracer.const(v) for k, v in params.items()}
            for i, a in enumerate(node.args):
                parent = parent_of(a)
                if parent is None:
                    continue
                is_node = parent.__class__ is Node
                shape = parent.shape if is_node else a.array.shape
                rule = vjps[i]
                if rule is None:
                    continue
                gi = rule(g, out, *xs, **params) if params else rule(g, out, *xs)
                if gi is None:
                    continue
                gi_slot = g_slot if gi is g else tracer.slot_of.get(id(gi))
                if gi_slot is None:
                    op = Op(f"vjp_{node.prim.name}_{i}", rule, [g_slot, out_slot, *x_slots], kw,
                            emit=lowering.vjp(node.prim, i, g, out, xs, params, gi))
                    gi_slot = _record(tracer, op, gi)
                if gi.shape != shape:
                    gi = sum_to(gi, shape)
                    gi_slot = _record(tracer, Op("sum_to", sum_to, [gi_slot],
                                                 {"shape": tracer.const(shape)}), gi)
                key = id(parent)
                if is_node:
                    prev = parent.grad
                    if prev is None:
                        parent.grad = gi
                        slots[key] = gi_slot
                        heapq.heappush(heap, (-parent.tick, parent))
                        continue
                    prev_slot = slots[key]
                else:
                    prev = leaf_grads.get(key)
                    if prev is None:
                        leaf_grads[key] = gi
                        slots[key] = gi_slot
                        leaves[key] = parent
                        if gi is not g and gi.__class__ is _nd and gi.base is None:
                            owned.add(key)
                        continue
                    prev_slot = slots[key]
                if key in owned and prev.__class__ is _nd:
                    prev += gi
                    tracer.add(Op("add_", np.add, [prev_slot, gi_slot], inplace=prev_slot,
                                  emit=lowering.add_into))
                    continue
                total = prev + gi
                slots[key] = _record(tracer, Op("add", np.add, [prev_slot, gi_slot],
                                                emit=lowering.add), total)
                if is_node:
                    parent.grad = total
                else:
                    leaf_grads[key] = total
                owned.add(key)
            if not retain:
                node.args = node.raw = node.out = None
    except BaseException:
        for _, waiting in heap:
            waiting.grad = None
        raise
    finally:
        tracing.set_grad_enabled(saved_mode)
    return {k: (leaf_grads[k], slots[k]) for k in leaves}, owned, leaves


def _value_slot(tracer, node, value):
    """The slot of what a rule reads: a recorded array, a residual (an array or a tuple: the
    forward then returns it too), or a constant (a parent standing in for an unsaved operand,
    a number)."""
    if node is not None and value is not None and node.prim.saves_residual:
        return tracer.residual(node, value)
    if isinstance(value, _nd):
        return tracer.array(value)
    return tracer.const(value)
