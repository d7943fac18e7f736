"""Recording one eager call of a step as a flat list of NumPy-level operations.

The call runs eagerly, exactly as without compile; the tracer only watches. Every array it sees
gets a slot: an input of the step, a tensor that existed before (a parameter, a buffer, bound by
the Tensor so that replay reads its current array), a constant, or a temporary made by a recorded
operation. An operation (``Op``) names a callable, its operand slots, its static parameters and
the slots of its results; ``lowering.py`` may give it a NumPy form that writes into a buffer.

Whatever cannot be replayed faithfully marks the trace failed with the cause (``fail``): the
call still completes eagerly, and the step stays eager.
"""
import contextlib
import threading

import numpy as np

from .. import tracing
from ..tensor import Tensor
from . import lowering

_LITERALS = (bool, int, float, str, type(None))


class Op:
    """One operation of the program: ``outs = fn(*args, **kw)`` over slots, or an in-place one
    (``inplace``: the slot it writes, outs empty); ``emit`` (optional) writes it as NumPy code;
    ``effect``: kept even when nothing reads a result (parameter updates, random draws)."""

    __slots__ = ("name", "fn", "args", "kw", "outs", "effect", "inplace", "emit", "node", "wrap")

    def __init__(self, name, fn, args, kw=None, outs=(), effect=False, inplace=None, emit=None):
        self.name = name
        self.fn = fn
        self.args = list(args)
        self.kw = dict(kw) if kw else {}
        self.outs = list(outs)
        self.effect = effect
        self.inplace = inplace
        self.emit = emit
        self.node = None
        self.wrap = False      # a forward whose 0-d result eager mode turns into an array


class Tracer:
    """The slots and operations of one recorded call (see the module docstring)."""

    def __init__(self):
        self.ops = []
        self.slot_of = {}       # id(array or object) → slot
        self.values = []        # slot → its value while tracing (kept alive: ids stay unique)
        self.kind = []          # slot → 'input' | 'tensor' | 'grad' | 'const' | 'temp'
        self.source = []        # slot → input index / Tensor / None
        self.failed = None
        self.suspended = 0
        self.node_op = {}       # id(node) → forward Op (to attach a residual found later)
        self.grads_cleared = set()   # ids of parameters whose .grad zero_grad cleared
        self.guards = []        # tensors whose .grad must be None when a replay starts
        self.literal_cache = {}
        self.tainted = {}       # id → array made by an operation the trace did not record
        self.modules = {}       # id → (a module called, its state before the call)
        self.loose = []         # slots of operands from outside the trace (see api.py)
        self.thread = threading.get_ident()   # calls from other threads are not the step's

    # ----------------------------------------------------------------- state
    @property
    def active(self):
        return (self.failed is None and not self.suspended and
                threading.get_ident() == self.thread)

    @contextlib.contextmanager
    def paused(self):
        """Eager code that a recorded operation runs inside (not recorded itself); other
        threads are not recorded anyway."""
        mine = threading.get_ident() == self.thread
        self.suspended += mine
        try:
            yield
        finally:
            self.suspended -= mine

    def fail(self, cause):
        """Give up on this trace (the call goes on eagerly); the first cause is kept."""
        if self.failed is None:
            self.failed = cause

    # ----------------------------------------------------------------- slots
    def _new(self, value, kind, source=None):
        slot = len(self.values)
        self.values.append(value)
        self.kind.append(kind)
        self.source.append(source)
        if kind != "const" or value.__class__ is np.ndarray or isinstance(value, np.ndarray):
            self.slot_of[id(value)] = slot
        return slot

    def input(self, index, array):
        return self._new(array, "input", index)

    def grad_input(self, param):
        """The .grad of a parameter as it is when the program starts (a step that only
        updates, e.g. a compiled optimizer.step)."""
        return self._new(param.grad.array, "grad", param)

    def temp(self, value):
        return self._new(value, "temp")

    def const(self, value):
        """A constant operand: a Python literal (written into the code) or any object."""
        if isinstance(value, _LITERALS) and not (isinstance(value, float) and not
                                                 np.isfinite(value)):
            key = (type(value), value)
            slot = self.literal_cache.get(key)
            if slot is None:
                slot = self.literal_cache[key] = self._new(value, "const")
            return slot
        slot = self.slot_of.get(id(value))
        return slot if slot is not None else self._new(value, "const")

    def array(self, arr, tensor=None):
        """The slot of an array operand: known, a pre-existing tensor's, or a constant (refused
        when it is a view of a recorded array: NumPy code on traced values)."""
        slot = self.slot_of.get(id(arr))
        if slot is not None:
            return slot
        if id(arr) in self.tainted:
            self.fail("a value made by an operation the trace cannot record (a sort, an index "
                      "search, gg.tensor or a creation function inside the step) feeds the "
                      "step")
        if tensor is not None:
            slot = self._new(arr, "tensor", tensor)
            self.loose.append(slot)
            return slot
        base = arr.base
        while base is not None:
            if id(base) in self.slot_of and self.kind[self.slot_of[id(base)]] != "const":
                self.fail("an array computed with NumPy from a traced value (through .array or "
                          "np.asarray) feeds an operation")
                break
            base = getattr(base, "base", None)
        slot = self._new(arr, "const")
        self.loose.append(slot)
        return slot

    def operand(self, a, raw):
        if raw.__class__ is np.ndarray or isinstance(raw, np.ndarray):
            return self.array(raw, a if isinstance(a, Tensor) else None)
        return self.const(raw)

    def knows(self, arr):
        """Whether arr is recorded or bound (reading it inside the step depends on data)."""
        slot = self.slot_of.get(id(arr))
        return slot is not None and self.kind[slot] != "const" or id(arr) in self.tainted

    def add(self, op):
        self.ops.append(op)
        return op

    # ----------------------------------------------------------------- the primitive hook
    def on_call(self, prim, out, args, raw, params, t):
        """A primitive evaluated on tensors (graphgrad.tracing): one forward operation."""
        if not self.active or id(out) in self.slot_of:
            return           # off, or the result is an operand itself (identity, detach)
        ins = [self.operand(a, r) for a, r in zip(args, raw)]
        kw = {k: self.const(v) for k, v in params.items()}
        op = Op(prim.name, prim.forward, ins, kw, [self.temp(out)])
        op.emit = lowering.forward(prim, raw, params, out)
        op.wrap = not out.ndim
        node = t._node
        if node is not None and prim.saves_residual:
            op.node = node
            self.node_op[id(node)] = op
        self.add(op)

    def residual(self, node, value):
        """The slot of a residual (what a forward passed to its backward rule besides the
        output): the forward that made it now returns (value, residual)."""
        slot = self.slot_of.get(id(value))
        if slot is not None:
            return slot
        op = self.node_op.get(id(node))
        if op is None or len(op.outs) != 1:
            self.fail(f"the backward of '{node.prim.name}' reads a value the trace did not see")
            return self.const(value)
        op.fn, op.name = node.prim.forward_residual, node.prim.name
        if not getattr(op.emit, "residual", False):
            op.emit = None
        slot = self.temp(value)
        op.outs.append(slot)
        return slot

    # ----------------------------------------------------------------- watching
    def start(self):
        tracing.watch(self.on_call)

    @staticmethod
    def stop():
        tracing.unwatch()
