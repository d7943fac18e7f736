"""In-place changes through views, recorded as PyTorch records them (view_tracking.py says who
views whom).

When v.mul_(2) changes a view v of a root r (r[0], r.t()[1:], r.view(...)...), the new value is
v' = mul(v, 2), and r becomes r' = copy_slices(r, v', index): r with the view's places
overwritten (PyTorch's CopySlices; no gradient reaches r's old value there). Every live view
of r, v included, then gets a node made afresh from r', view_at(r', its index) (PyTorch's
AsStridedBackward0), so a later use of any of them differentiates through the change. When r
itself changes in place, its views are refreshed the same way.

Refused as in PyTorch: a view of a leaf that requires grad; a view made under no_grad of a
tensor in the graph; a view from split/chunk/unbind; a view whose elements overlap (expand).
"""
import numpy as np

from . import _state
from .errors import InplaceError
from .ops.view_write import copy_slices, view_at
from .tensor import make
from .view_tracking import NO_GRAD_VIEW, live_views, view_info


def writable_view(t, name):
    """t's ViewInfo if a recorded in-place change of t goes through its root, else None (t is
    no view); raises where PyTorch refuses."""
    info = view_info(t)
    if info is None:
        return None
    root = info.root
    if root.requires_grad and root._node is None and _state.grad_enabled:
        raise InplaceError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")
    if info.multi is not None:
        raise InplaceError(f"{name}: {info.multi} is a view and is being modified inplace. "
                           f"This view is the output of a function that returns multiple "
                           f"views. Such functions do not allow the output views to be "
                           f"modified inplace. You should replace the inplace operation by an "
                           f"out-of-place one.")
    if not info.grad_mode and _state.grad_enabled:
        raise InplaceError(f"{name}: {NO_GRAD_VIEW}")
    _check_replays(info, name)
    index = info.index()
    if np.unique(index).size != index.size:
        raise InplaceError(f"{name}: unsupported operation: more than one element of the "
                           f"written-to tensor refers to a single memory location. Please "
                           f"clone() the tensor before performing the operation.")
    return info


def _check_replays(info, name):
    if not info.replays():
        raise InplaceError(f"{name}: a view of shape {list(info.view.shape)} whose base "
                           f"(shape {list(info.root.shape)}) changed its shape or memory since "
                           f"the view was made; make the view again, or change a copy")


def views_to_refresh(t, view, name):
    """(root, the ViewInfo of its live views), checked to be refreshable before anything
    changes; view: t's own ViewInfo from writable_view (None: t is the root), not checked
    again."""
    views = []
    for v in live_views(t):
        if view is not None and v is t:
            views.append(view)
        else:
            views.append(info := view_info(v))
            _check_replays(info, name)
    return (t if view is None else view.root), views


def rebase(info, value):
    """The view's root r ← copy_slices(r, value, index), recorded; value is the view's new
    value (a tensor of the view's shape and dtype)."""
    root = info.root
    old = make(root.array, root.requires_grad)     # copy_slices keeps no operand values
    old._node, old._tangents = root._node, root._tangents
    new = copy_slices(old, value, index=info.index())
    np.copyto(info.view.array, value.array)   # what changed in root's memory: the view's part
    root._node, root.requires_grad, root._tangents = new._node, new.requires_grad, new._tangents


def refresh(root, views):
    """Each view's node made afresh from root's: view_at(root, index)."""
    for info in views:
        fresh = view_at(root, index=info.index())
        v = info.view
        v._node, v.requires_grad, v._tangents = fresh._node, fresh.requires_grad, fresh._tangents
