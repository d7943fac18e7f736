"""Tensor hooks and retained gradients, as PyTorch's ``register_hook`` and ``retain_grad``.

A hook fn(grad) sees ∂L/∂t when a backward sweep has summed every contribution to t; what it
returns (if not None) replaces that gradient for the rest of the sweep. Hooks run in the order
they were registered. For a non-leaf tensor the sweep runs them when it reaches t's node, and
``retain_grad`` then stores the (hooked) gradient in t.grad, accumulating over backward calls;
for a leaf they run before the gradient is accumulated into .grad, as soon as the sweep has
passed the last operation that reads the leaf (``ready_leaves``), as PyTorch's AccumulateGrad
runs: DistributedDataParallel's reductions then start while the rest of the sweep goes on.

The sweep asks for hooks only when some exist (one test per sweep), so graphs without hooks
pay nothing per node.
"""
import weakref

import numpy as np

from .errors import GradientError
from .node import Node
from .tensor import Tensor, make

#: node → Hooks of the non-leaf tensor it made.
node_hooks = weakref.WeakKeyDictionary()
#: id(leaf) → Hooks (keyed by id: a tensor's == is elementwise, so it cannot be a dict key).
leaf_hooks = {}


class Hooks:
    """The hooks of one tensor (by handle id, in registration order) and, for a non-leaf, the
    tensor whose .grad retains the gradient."""

    __slots__ = ("fns", "retain", "leaf", "__weakref__")

    def __init__(self, leaf=None):
        self.fns = {}
        self.retain = None
        self.leaf = leaf


class RemovableHandle:
    """What register_hook returns: handle.remove() unregisters the hook."""

    _next = 0

    def __init__(self, hooks):
        RemovableHandle._next += 1
        self.id = RemovableHandle._next
        self._hooks = weakref.ref(hooks)

    def remove(self):
        hooks = self._hooks()
        if hooks is not None:
            hooks.fns.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def hooks_of(t, create=True):
    """The Hooks of tensor t (made on first need when create)."""
    if t._node is not None:
        hooks = node_hooks.get(t._node)
        if hooks is None and create:
            hooks = node_hooks[t._node] = Hooks()
        return hooks
    hooks = leaf_hooks.get(id(t))
    if hooks is not None and hooks.leaf() is t:
        return hooks
    if not create:
        return None
    key = id(t)
    hooks = leaf_hooks[key] = Hooks(weakref.ref(t, lambda ref: _forget(key, ref)))
    return hooks


def _forget(key, ref):
    hooks = leaf_hooks.get(key)
    if hooks is not None and hooks.leaf is ref:
        del leaf_hooks[key]


def register_hook(t, fn):
    """Call fn(grad) whenever a gradient with respect to t is computed; a returned tensor
    replaces the gradient. Returns a handle whose remove() unregisters fn."""
    if not t.requires_grad:
        raise GradientError("cannot register a hook on a tensor that doesn't require gradient")
    hooks = hooks_of(t)
    handle = RemovableHandle(hooks)
    hooks.fns[handle.id] = fn
    return handle


def retain_grad(t):
    """Keep t.grad after backward for a non-leaf t (leaves keep theirs anyway)."""
    if not t.requires_grad:
        raise GradientError("can't retain_grad on Tensor that has requires_grad=False")
    if t._node is not None:
        hooks_of(t).retain = weakref.ref(t)


def retains_grad(t):
    """Whether retain_grad() was called on this non-leaf tensor."""
    if t._node is None:
        return False
    hooks = node_hooks.get(t._node)
    return hooks is not None and hooks.retain is not None and hooks.retain() is t


def _apply(hooks, g, tensor_mode):
    """g after every hook: each receives a Tensor and may return a replacement."""
    for fn in list(hooks.fns.values()):
        value = fn(g if isinstance(g, Tensor) else make(g))
        if value is None:
            continue
        new = value if tensor_mode else (value.array if isinstance(value, Tensor)
                                         else np.asarray(value))
        if np.shape(new) != np.shape(g):
            raise GradientError(f"hook '{getattr(fn, '__name__', fn)}' has changed the size of "
                                f"value: it returned shape {np.shape(new)} for a gradient of "
                                f"shape {np.shape(g)}")
        g = new
    return g


def run_node_hooks(node, g, tensor_mode):
    """The gradient of a non-leaf's node after its hooks; stored in (added to) its .grad when
    it retains it. Called by the sweep when it reaches the node."""
    hooks = node_hooks.get(node)
    if hooks is None:
        return g
    if hooks.fns:
        g = _apply(hooks, g, tensor_mode)
    owner = hooks.retain() if hooks.retain is not None else None
    if owner is not None:
        value = g if isinstance(g, Tensor) else make(np.array(g))
        owner.grad = value if owner.grad is None else owner.grad + value
    return g


def run_leaf_hooks(leaf, g):
    """A leaf's gradient after its hooks (before it is accumulated into .grad)."""
    hooks = hooks_of(leaf, create=False)
    if hooks is None or not hooks.fns:
        return g
    return _apply(hooks, g, isinstance(g, Tensor))


def ready_leaves(roots):
    """{tick: [leaves]}: the hooked leaves behind roots, each under the tick of the last node a
    backward sweep visits that reads it (the smallest: the sweep goes newest first, and no node
    visited later can reach the leaf); {} when no hooked leaf is reached."""
    last, seen = {}, set()
    stack = [r._node for r in roots if r._node is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen or node.args is None:
            continue
        seen.add(id(node))
        for a in node.args:
            if a.__class__ is Node:
                stack.append(a)
            elif isinstance(a, Tensor) and a.requires_grad:
                if a._node is not None:
                    stack.append(a._node)
                elif id(a) in leaf_hooks and node.tick < last.get(id(a), (node.tick + 1,))[0]:
                    last[id(a)] = (node.tick, a)
    by_tick = {}
    for tick, leaf in last.values():
        by_tick.setdefault(tick, []).append(leaf)
    return by_tick

