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
import weakref

from .grad_fn_names import torch_name
from .tensor import Tensor


class Node:
    """A recorded operation (see the module docstring)."""

    __slots__ = ("prim", "args", "raw", "out", "shape", "dtype", "params", "tick", "grad",
                 "tangents", "vcell", "label", "alias", "__weakref__")

    @property
    def tensor_name(self):
        """The name given to the tensor this node made (its ``.name``; None: unnamed), kept in
        ``label`` for the graph view."""
        return getattr(self, "label", None)

    def name(self):
        """PyTorch's ``grad_fn.name()``: the class-style name, 'MulBackward0', ...
        (PyTorch spells the in-place write through a view torch::autograd::CopySlices)."""
        name = torch_name(self)
        return "torch::autograd::CopySlices" if name == "CopySlices" else name

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
    def torch_name(self):
        """PyTorch's class name for this operation: 'MulBackward0', 'MmBackward0', ..."""
        return torch_name(self)

    @property
    def next_functions(self):
        """((parent, 0), ...) as PyTorch's grad_fn.next_functions: for each floating-point
        tensor operand its Node, an AccumulateGrad for a leaf that requires grad, or None for a
        constant (a number counts as PyTorch's wrapped scalar in x + 2, x * 2, ...)."""
        if self.args is None:
            return ()
        arithmetic = self.prim.name in _SCALAR_OPERANDS
        return tuple((_function_of(a), 0) for i, a in enumerate(self.args)
                     if a.__class__ is Node or getattr(a, "dtype", None) is not None
                     and a.dtype.kind in "fc" or arithmetic and i == 1 and
                     isinstance(a, (int, float)))

    def __repr__(self):
        freed = " (freed)" if self.raw is None else ""
        return f"<{torch_name(self)} object at {id(self):#x}{freed}>"


#: Primitives whose second operand PyTorch wraps as a tensor when it is a Python number.
_SCALAR_OPERANDS = frozenset({"add", "sub", "mul", "div"})


class AccumulateGrad:
    """PyTorch's end of the graph at a leaf that requires grad: ``variable`` is the leaf whose
    .grad backward accumulates into. One per leaf, as long as the leaf lives."""

    __slots__ = ("_leaf", "__weakref__")
    _cache = {}

    def __new__(cls, leaf):
        hit = cls._cache.get(id(leaf))
        if hit is not None and hit._leaf() is leaf:
            return hit
        fn = super().__new__(cls)
        key = id(leaf)
        fn._leaf = weakref.ref(leaf, lambda ref: cls._cache.pop(key, None))
        cls._cache[key] = fn
        return fn

    @property
    def variable(self):
        return self._leaf()

    next_functions = ()

    def name(self):
        return "AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {id(self):#x}>"


def _function_of(operand):
    parent = parent_of(operand)
    if parent is None or parent.__class__ is Node:
        return parent
    return AccumulateGrad(parent)


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
