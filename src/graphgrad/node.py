"""Node: one recorded operation — a vertex v of the compute graph (PyTorch's ``grad_fn``).

A tensor made by a recorded operation points to its node; the node points to its parents P_v
and keeps only what the operation's backward rules need (000: the local function g_v and what
its local derivatives ∂g_v/∂α_u are computed from):

- ``args``: the operands as the rules receive them: a saved Tensor where the rules need an
  input's value, else the parent itself (a Node, or a leaf Tensor the user holds anyway),
  which still answers ``.shape``, ``.dtype`` and ``.ndim``; constants as given.
- ``raw``: the same with ndarrays in place of saved Tensors (the fast first-order path).
- ``out``: the activation α_v when the rules need it, else None (or, for a primitive that
  saves a residual, that residual).
- ``shape``, ``dtype``: of α_v; ``params``: static arguments; ``tick``: when it was recorded
  (parents always have smaller ticks, so ticks order the graph topologically).
- ``grad``: ∂w/∂α_v while a backward sweep is passing through, else None.

An intermediate value no rule needs is freed as soon as the program drops its tensor, as in
PyTorch. A backward without ``retain_graph`` frees the rest (args, raw and out become None), as
PyTorch frees its saved tensors; only the primitive, shape and tick of such a node remain.
"""
from .tensor import Tensor


class Node:
    """A recorded operation (see the module docstring)."""

    __slots__ = ("prim", "args", "raw", "out", "shape", "dtype", "params", "tick", "grad",
                 "tangents", "vcell", "label", "__weakref__")

    @property
    def name(self):
        """The name given to the tensor this node made (None: unnamed)."""
        return getattr(self, "label", None)

    @property
    def op(self):
        """The primitive's name: 'mul', 'exp', 'matmul', ..."""
        return self.prim.name

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def freed(self):
        """Whether a backward without retain_graph has released the saved buffers."""
        return self.raw is None

    @property
    def parents(self):
        """P_v, one entry per operand: its Node, a leaf Tensor requiring grad, or None
        (empty once a backward has freed the node)."""
        return () if self.args is None else tuple(parent_of(a) for a in self.args)

    def changed_since_recorded(self, saved_only=False):
        """The version cell ([changes, tick of the last]) of an operand modified in place after
        the node recorded it, or None. saved_only: only values the rules read (an operand kept
        for the structure alone is the same object in args and raw), as backward needs; the
        graph view reads every operand's value."""
        cells = [a._vcell for a, r in zip(self.args, self.raw)
                 if isinstance(a, Tensor) and not (saved_only and r is a)]
        cells.append(getattr(self, "vcell", None))
        for cell in cells:
            if cell is not None and cell[1] > self.tick:
                return cell
        return None

    @property
    def next_functions(self):
        """(parent, 0) for each differentiable operand: a Node, or a leaf Tensor (PyTorch's
        AccumulateGrad), as in PyTorch's grad_fn.next_functions."""
        return tuple((p, 0) for p in self.parents if p is not None)

    def __repr__(self):
        return f"<{self.prim.name} node{', freed' if self.raw is None else ''}>"


def key_of(t):
    """The vertex a tensor stands for: its node, or the tensor itself for a leaf."""
    return t if t._node is None else t._node


def unsaved(args):
    """Operands with every recorded tensor replaced by its node: the structure without the
    values (leaves and constants stay). One and two operands are spelled out (hot path)."""
    if len(args) == 1:
        a = args[0]
        return (a._node,) if a.__class__ is Tensor and a._node is not None else args
    if len(args) == 2:
        a, b = args
        return (a._node if a.__class__ is Tensor and a._node is not None else a,
                b._node if b.__class__ is Tensor and b._node is not None else b)
    return tuple([a._node if a.__class__ is Tensor and a._node is not None else a for a in args])


def saved_for_the_other(args, raw):
    """(args, raw) for a two-operand rule that reads only the other operand (x·y): an operand's
    value is kept only if the other one requires grad (then its rule needs it)."""
    (x, y), (xd, yd) = args, raw
    keep_x = isinstance(y, Tensor) and y.requires_grad     # y's rule reads x
    keep_y = isinstance(x, Tensor) and x.requires_grad     # x's rule reads y
    if keep_x and keep_y:
        return args, raw
    if not keep_x:
        xd = x = x._node if x.__class__ is Tensor and x._node is not None else x
    if not keep_y:
        yd = y = y._node if y.__class__ is Tensor and y._node is not None else y
    return (x, y), (xd, yd)


def parent_of(operand):
    """The graph parent behind an operand: its Node, a leaf Tensor requiring grad, or None
    (a constant, or a tensor outside the graph)."""
    if operand.__class__ is Node:
        return operand
    if isinstance(operand, Tensor) and operand.requires_grad:
        return key_of(operand)
    return None
