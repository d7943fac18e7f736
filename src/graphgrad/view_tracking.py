"""Which tensors are views of which, as PyTorch tracks them, kept cheap where views are made:
a view holds a link to the tensor it was made from, ``_view = (parent, steps, grad_mode,
multi, cache)``, steps being the (view primitive, static parameters) that made it, cache a list
that keeps the view's flat positions in its root once computed; and the version
cell its storage shares (tensor.py) lists weak references to the storage's views after the
two counters. _tensor_views.py reads this to record an in-place change through a view (the
root is rebased, PyTorch's CopySlices) or of a tensor that has views (their nodes are made
afresh from the root's new node, PyTorch's AsStridedBackward0).
"""
from weakref import ref

import numpy as np

from . import _state

NO_GRAD_VIEW = ("A view was created in no_grad mode and is being modified inplace with grad mode "
                "enabled. Move both the view and the in-place change inside the no_grad block, "
                "or both outside.")


def track(view, parent, prim, params, cell):
    """Note that `view` = prim(parent, **params) shares parent's memory and version cell."""
    view._view = (parent, ((prim, params),), _state.grad_enabled, None, [])
    while len(cell) > 2 and cell[-1]() is None:     # most views die young, the last first
        cell.pop()
    cell.append(ref(view))
    n = len(cell)
    if n > 34 and not n & (n - 1):       # at each power of two, sweep out the other dead
        cell[2:] = [r for r in cell[2:] if r() is not None]


def link(t):
    """t's link to the tensor it is a view of, or None."""
    return getattr(t, "_view", None)


class ViewInfo:
    """A view as PyTorch's view metadata: its root (the first tensor of the chain that is no
    view), the steps from the root, whether every step was made in grad mode, and `multi`, the
    words naming the function if it returned several views (split, chunk, unbind)."""

    __slots__ = ("view", "root", "steps", "grad_mode", "multi", "cache")

    def __init__(self, view, first):
        self.view = view
        self.multi, self.cache = first[3], first[4]
        steps, grad_mode = [], True
        parent, hop = view, first
        while hop is not None:
            parent, more, made_in_grad_mode = hop[:3]
            steps[:0] = more
            grad_mode = grad_mode and made_in_grad_mode
            hop = link(parent)
        self.root, self.steps, self.grad_mode = parent, steps, grad_mode

    def replays(self):
        """Whether the steps, replayed on the root's memory, still give the view's memory (a
        reshape in place of the root, or root.data = other, breaks this)."""
        a = self.root.array
        for prim, params in self.steps:
            a = prim.forward(a, **params)
        v = self.view.array
        return isinstance(a, np.ndarray) and a.shape == v.shape and a.strides == v.strides \
            and _address(a) == _address(v)

    def index(self):
        """The view's elements as flat positions in the root (computed once, while replays()
        holds): from the view's strides when the root is C-contiguous (work in the view's
        size), else its steps replayed on arange."""
        if not self.cache:
            self.cache.append(self._positions())
        return self.cache[0]

    def _positions(self):
        root, view = self.root.array, self.view.array
        if not root.flags.c_contiguous or view.strides and min(view.strides) < 0:
            places = np.arange(root.size).reshape(root.shape)
            for prim, params in self.steps:
                places = prim.forward(places, **params)
            return np.array(places)
        item = root.itemsize
        places = np.full((), (_address(view) - _address(root)) // item, np.int64)
        for d, (n, stride) in enumerate(zip(view.shape, view.strides)):
            places = places + (np.arange(n) * (stride // item)).reshape(
                (n,) + (1,) * (view.ndim - d - 1))
        return np.broadcast_to(places, view.shape).copy()


def _address(a):
    return a.__array_interface__["data"][0]


def view_info(t):
    """t's ViewInfo, or None if t is not a view."""
    first = link(t)
    return None if first is None else ViewInfo(t, first)


def live_views(t):
    """The tensors alive that view t's storage."""
    cell = t._vcell
    if cell is None:
        return []
    return [v for v in (r() for r in cell[2:]) if v is not None]


def extend(t, result):
    """t becomes `result`, a view made from t by view primitives (t.t_(), t.unsqueeze_(0)):
    t's link gets result's steps."""
    steps, hop = [], link(result)
    while hop is not None:
        steps[:0] = hop[1]
        if hop[0] is t:
            break
        hop = link(hop[0])
    own = link(t)
    if own is not None:     # (result not made from t's memory: t holds memory of its own now)
        t._view = None if hop is None else (own[0], own[1] + tuple(steps), own[2], own[3], [])


def mark_multi(views, function):
    """The views came out of one call of `function` (PyTorch's multi-output views); returns
    them."""
    for i, v in enumerate(views):
        own = link(v)
        if own is not None:
            v._view = own[:3] + (f"Output {i} of {function}", own[4])
    return views
