"""Backward propagation (reverse mode) over the recorded graph.

For one output w the sweep computes ∂w/∂u for every node u, visiting nodes in reverse
topological order and summing what arrives over several children (000, eq. 15):

    ∂w/∂u = Σ_{v ∈ C_u} ∂w/∂v · ∂g_v/∂u

Recorded nodes carry the tick of a monotonic clock, and every node is recorded after its
parents, so "largest tick first" is a valid reverse topological order: a heap yields it with no
recursion and no separate sort (a chain of 100,000 operations is fine). The first-order sweep
runs the rules on raw ndarrays; with ``create_graph=True`` (or inside ``jvp``) it runs the same
rules on Tensors, which records them for higher-order derivatives. A node's gradient waits on the
node itself until the sweep reaches it; leaves' gradients are collected by the tensor.
"""
import heapq

import numpy as np

from . import _state
from .errors import AnomalyError, FreedGraphError, GradientError, InplaceError, ShapeError
from .hooks import leaf_hooks, node_hooks, ready_leaves, run_leaf_hooks, run_node_hooks
from .node import Node, key_of
from .ops.shape import sum_to
from .recording import forward_stacks
from .tensor import Tensor, make

_ndarray = np.ndarray


def backward(root, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate ∂root/∂leaf (times `gradient`) into the .grad of every leaf requiring grad
    (or only of `inputs`). See Tensor.backward. root may be a sequence of tensors, with one
    gradient (or None) each: one sweep for all (torch.autograd.backward)."""
    if isinstance(root, Tensor):
        roots, gradient = [root], [gradient]
    else:
        roots, gradient = _paired(root, gradient)
    _check_outputs(roots, "backward")
    seeds = [_seed(r, g, "backward") for r, g in zip(roots, gradient)]
    retain = create_graph if retain_graph is None else retain_graph
    targets = None if inputs is None else _as_targets(inputs)
    floor = _floor(targets)
    ready = ready_leaves(roots) if leaf_hooks and targets is None else None
    grads = _sweep(roots, seeds, targets, floor, retain, create_graph, ready)
    for leaf, g in grads.values():
        _deliver(leaf, g)


def _deliver(leaf, g):
    """A leaf's final gradient through its hooks into its .grad (PyTorch's AccumulateGrad)."""
    if leaf_hooks and id(leaf) in leaf_hooks:
        g = run_leaf_hooks(leaf, g)
    if leaf.grad is None and g.__class__ is _ndarray and g.dtype == leaf.array.dtype:
        leaf.grad = make(g)          # the common case, without the checks below
    else:
        _accumulate_into_leaf(leaf, g)


def gradients(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
              allow_unused=False):
    """∂outputs/∂inputs as a tuple, one entry per input, without touching any .grad (PyTorch's
    torch.autograd.grad). Inputs may be any tensors in the graph, leaves or not."""
    outputs, grad_outputs = _paired(outputs, grad_outputs)
    inputs = _as_targets([inputs] if isinstance(inputs, Tensor) else inputs)
    if not inputs:
        raise GradientError("gradients: `inputs` argument to `grad()` cannot be empty (name the "
                            "tensors to differentiate with respect to)")
    _check_outputs(outputs, "gradients")
    seeds = [_seed(o, g, "gradients") for o, g in zip(outputs, grad_outputs)]
    retain = create_graph if retain_graph is None else retain_graph
    found = _sweep(outputs, seeds, inputs, _floor(inputs), retain, create_graph)
    result = []
    for i, x in enumerate(inputs):
        hit = found.get(id(key_of(x)))
        if hit is None and not allow_unused:
            raise GradientError(f"gradients: The differentiated Tensor at index {i} appears to "
                                "not have been used in the graph. Set allow_unused=True if this "
                                "is the desired behavior (its gradient is then None): an input "
                                f"of shape {x.shape} was not used to compute the outputs")
        if hit is not None and x._node is None and leaf_hooks and id(x) in leaf_hooks:
            hit = (x, run_leaf_hooks(x, hit[1]))
        result.append(None if hit is None else _as_result(hit[1], x))
    return tuple(result)


def _paired(outputs, grad_outputs):
    """The outputs as a list, and one grad_output (or None) for each, as PyTorch pairs them:
    a single tensor or array is the gradient of a single output."""
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    if grad_outputs is None:
        return outputs, [None] * len(outputs)
    single = isinstance(grad_outputs, (Tensor, _ndarray, np.generic, int, float))
    grad_outputs = [grad_outputs] if single else list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise GradientError(f"got {len(outputs)} tensors and {len(grad_outputs)} gradients: "
                            "pass one gradient (or None, for a one-element output) per output")
    return outputs, grad_outputs


def _check_outputs(outputs, who):
    for i, o in enumerate(outputs):
        if not isinstance(o, Tensor) or not o.requires_grad:
            raise GradientError(f"{who}: element {i} of tensors does not require grad and does "
                                "not have a grad_fn: nothing it was computed from requires grad "
                                "(create leaves with requires_grad=True)")


# ------------------------------------------------------------------------------ the sweep
def _sweep(roots, seeds, targets, floor, retain, record, ready=None):
    """Reverse sweep from roots (000's backward propagation, eq. 15; the plain reference is
    graphgrad.graphview.delta.backward_sweep). Returns {id(key): (tensor or leaf, ∂/∂it)} for
    the targets, or for every leaf reached when targets is None. Nodes ticked below `floor`
    cannot lead to a target and are not entered. record: record the rules, so that the
    gradients can be differentiated again (create_graph); they run on Tensors then and inside a
    jvp (to carry its tangents), on raw arrays otherwise. ready: {tick: leaves} whose gradients
    are final once the node of that tick is passed: delivered then (backward's hooked leaves).

    Steps: seed the roots, propagate node by node in reverse topological order, collect what
    reached the targets (or the leaves)."""
    tensor_mode = record or bool(_state.fwd_levels)
    target_ids = None if targets is None else {id(key_of(t)) for t in targets}
    heap, leaves, leaf_grads = _seed_roots(roots, seeds)
    owned = set()     # ids whose gradient buffer we allocated and may add to in place
    grad_mode = _state.grad_enabled
    _state.grad_enabled = record
    try:
        _propagate(heap, leaves, leaf_grads, owned, target_ids, floor, retain, tensor_mode,
                   ready)
    except BaseException:             # leave no half-propagated gradient behind
        for x in targets or ():
            if x._node is not None:
                x._node.grad = None
        raise
    finally:
        _state.grad_enabled = grad_mode
    return _collect(targets, target_ids, leaves, leaf_grads, owned, tensor_mode)


def _seed_roots(roots, seeds):
    """The heap of nodes waiting with a gradient (by -tick), and leaves reached directly."""
    heap, leaves, leaf_grads = [], {}, {}
    for root, seed in zip(roots, seeds):
        node = key_of(root)
        if node is root:
            leaves[id(root)] = root
            leaf_grads[id(root)] = leaf_grads[id(root)] + seed if id(root) in leaf_grads else seed
        elif node.grad is None:
            node.grad = seed
            heapq.heappush(heap, (-node.tick, node))
        else:
            node.grad = node.grad + seed
    return heap, leaves, leaf_grads


def _propagate(heap, leaves, leaf_grads, owned, target_ids, floor, retain, tensor_mode,
               ready):
    """Visit the waiting nodes newest first; pass each one's gradient to its parents through
    its VJP rules, ∂w/∂u += ∂w/∂v · ∂g_v/∂u, summed where several children reach a parent.

    A node's gradient waits in ``node.grad`` until the node is visited and is released as soon
    as the node has passed it on (memory stays flat); leaves' gradients are collected in
    leaf_grads. The newest waiting node is kept off the heap in ``pending``, so a chain of
    operations never touches the heap. The hot path of every backward: kept flat on purpose."""
    push, pop = heapq.heappush, heapq.heappop
    hooked = bool(node_hooks)     # tensor hooks / retain_grad: asked only when some exist
    last_inplace, anomaly = _state.last_inplace, _state.anomaly
    pending = None
    try:
        while heap or pending is not None:
            if pending is None:
                node = pop(heap)[1]
            else:
                node, pending = pending, None
            g = node.grad
            if hooked and node in node_hooks:
                g = run_node_hooks(node, g, tensor_mode)
                if node.grad is not None:        # a target of gradients(): the hooked value
                    node.grad = g
            if target_ids is None or id(node) not in target_ids:
                node.grad = None
            if node.raw is None:
                raise _freed_graph_error(node)
            if last_inplace > node.tick:
                _check_versions(node)
            args = node.args
            if tensor_mode:
                out, xs = _saved_output(node), args
            else:
                out, xs = node.out, node.raw
            params, vjps = node.params, node.prim.vjps
            for i, a in enumerate(args):
                # the parent behind operand a: its Node, or a leaf tensor requiring grad
                cls = a.__class__
                if cls is Node:
                    parent = a
                elif (cls is Tensor or isinstance(a, Tensor)) and a.requires_grad:
                    parent = a._node
                    if parent is None:
                        parent = a
                else:
                    continue
                is_node = parent is not a or cls is Node
                if is_node:
                    if parent.tick < floor:
                        continue
                    shape = parent.shape
                elif target_ids is not None and id(a) not in target_ids:
                    continue
                else:
                    shape = a.array.shape
                rule = vjps[i]
                if rule is None:
                    continue
                gi = rule(g, out, *xs, **params) if params else rule(g, out, *xs)
                if gi is None:
                    continue
                if gi.shape != shape:
                    gi = sum_to(gi, shape)
                if anomaly:
                    _check_finite(gi, node, i)
                if is_node:
                    prev = parent.grad
                    if prev is None:      # the first gradient to reach it: it starts waiting
                        parent.grad = gi
                        if pending is None and not (heap and heap[0][0] < -parent.tick):
                            pending = parent
                        elif pending is not None and parent.tick > pending.tick:
                            push(heap, (-pending.tick, pending))
                            pending = parent
                        else:
                            push(heap, (-parent.tick, parent))
                        continue
                    key = id(parent)
                else:
                    key = id(parent)
                    prev = leaf_grads.get(key)
                    if prev is None:
                        leaf_grads[key] = gi
                        leaves[key] = parent
                        if gi is not g and gi.__class__ is _ndarray and gi.base is None:
                            owned.add(key)
                        continue
                if not tensor_mode and key in owned and prev.__class__ is _ndarray:
                    prev += gi           # our own buffer (0-d results are scalars: not here)
                    continue
                if is_node:
                    parent.grad = prev + gi
                else:
                    leaf_grads[key] = prev + gi
                owned.add(key)
            if not retain:
                node.args = node.raw = node.out = None
            if ready and node.tick in ready:        # hooked leaves whose gradient is final
                for leaf in ready.pop(node.tick):
                    key = id(leaf)
                    if key in leaf_grads:
                        del leaves[key]
                        g = leaf_grads.pop(key)
                        _deliver(leaf, g if key in owned or tensor_mode else _copy(g))
    except BaseException:
        for _, waiting in heap:
            waiting.grad = None
        if pending is not None:
            pending.grad = None
        raise


def _collect(targets, target_ids, leaves, leaf_grads, owned, tensor_mode):
    """{id(key): (tensor, gradient)} for the targets (or every leaf reached); a gradient
    buffer the sweep did not allocate is copied, so a user never holds one it still reads."""
    if target_ids is None:
        found = [(key, x, leaf_grads[key]) for key, x in leaves.items()]
    else:
        found = []
        for x in targets:
            k = key_of(x)
            if k is x:
                if id(x) in leaf_grads:
                    found.append((id(x), x, leaf_grads[id(x)]))
            elif k.grad is not None:
                found.append((id(k), x, k.grad))
                k.grad = None
    return {key: (x, g if key in owned or tensor_mode else _copy(g)) for key, x, g in found}


def _freed_graph_error(node):
    return FreedGraphError(
        f"backward through the graph a second time (at '{node.prim.name}'): its saved buffers "
        "were freed by the first backward; call backward(retain_graph=True) the first time to "
        "differentiate it again")


def _saved_output(node):
    """The node's output as a Tensor of the graph (for rules recorded under create_graph); None
    where the rules read nothing there, or a residual that is not part of the graph."""
    if node.out is None or node.prim.saves_residual:
        return None
    t = make(node.out)
    t.requires_grad = True
    t._node = node
    t._tangents = getattr(node, "tangents", None)
    t._vcell = getattr(node, "vcell", None)
    return t


def _copy(g):
    return np.array(g) if isinstance(g, (_ndarray, np.generic)) else g


def _check_versions(node):
    """Refuse to use a saved value that was changed in place after the node recorded it."""
    cell = node.changed_since_recorded(saved_only=True)
    if cell is not None:
        raise InplaceError(
            f"backward of '{node.prim.name}': a tensor that it saved was modified in place (or "
            f"rebound through .data) after it was used (now at version {cell[0]}); the gradient "
            "would be wrong. Change a copy instead, or make the change after backward")


def _check_finite(g, node, i):
    values = g.array if isinstance(g, Tensor) else g
    if np.all(np.isfinite(values)):
        return
    stack = forward_stacks.get(node)
    where = "".join(stack[-4:]) if stack else "(no forward stack: the graph was recorded " \
        "outside detect_anomaly)\n"
    raise AnomalyError(f"the backward rule of '{node.prim.name}' (output shape {node.shape}) "
                       f"produced NaN or Inf for its argument {i}. The forward operation was "
                       f"created at:\n{where}")


# ------------------------------------------------------------------------------ helpers
_ONES = {}


def _seed(root, gradient, who):
    """∂root/∂root: ones for a one-element root (a shared read-only array: the sweep never
    writes into a buffer it did not allocate), else the given gradient (checked)."""
    if gradient is None:
        key = (root.array.shape, root.array.dtype)
        one = _ONES.get(key)
        if one is None:
            if root.array.size != 1:
                raise GradientError(f"{who}: grad can be implicitly created only for scalar "
                                    f"outputs: the output has shape {root.shape}; backward "
                                    "without `gradient=` needs a one-element output (pass the "
                                    "vector of the vector-Jacobian product as gradient=)")
            if root.array.dtype.kind == "c":
                raise GradientError(f"{who}: grad can be implicitly created only for real scalar "
                                    f"outputs but got {root.dtype}; pass gradient= (PyTorch "
                                    "asks for it too)")
            one = _ONES[key] = np.ones(*key)
            one.flags.writeable = False
        return one
    g = gradient.array if isinstance(gradient, Tensor) else np.asarray(gradient,
                                                                       dtype=root.array.dtype)
    if g.shape != root.array.shape:
        raise ShapeError(f"{who}: mismatch in shape: a gradient of shape {g.shape} for an "
                         f"output of shape {root.shape}; they must be equal")
    # a cotangent that requires grad, or carries tangents inside a jvp, is an input of the
    # sweep: the rules must run on it as a Tensor so that it can be differentiated
    if isinstance(gradient, Tensor) and (gradient.requires_grad or
                                         gradient._tangents and _state.fwd_levels):
        return gradient
    return g


def _as_targets(inputs):
    targets = list(inputs)
    for x in targets:
        if not isinstance(x, Tensor):
            raise TypeError(f"all inputs have to be Tensors, but got {type(x).__name__}")
        if not x.requires_grad:
            raise GradientError(f"One of the differentiated Tensors does not require grad: an "
                                f"input of shape {x.shape} does not require grad, so no "
                                "gradient flows to it")
    return targets


def _floor(targets):
    """Nodes ticked below every target cannot lead to one (leaf targets: no pruning)."""
    if targets is None or any(t._node is None for t in targets):
        return 0
    return min(t._node.tick for t in targets)


def _as_result(g, like):
    """A gradient as a Tensor with the dtype of the tensor it belongs to."""
    if not isinstance(g, Tensor):
        g = make(np.asarray(g))
    if g.dtype != like.dtype:
        from .ops.elementwise import astype
        g = astype(g, dtype=like.dtype)
    return g


def _accumulate_into_leaf(leaf, g):
    """leaf.grad += g, keeping the leaf's dtype (and the graph of g under create_graph)."""
    g = _as_result(g, leaf)
    if leaf.grad is None:
        leaf.grad = g
    elif g.requires_grad or leaf.grad.requires_grad:
        leaf.grad = leaf.grad + g
    else:
        leaf.grad.array = leaf.grad.array + g.array
