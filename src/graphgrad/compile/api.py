"""gg.compile: record a step once per input signature, replay it as a flat NumPy program.

    step = gg.compile(train_step)        # or gg.compile(model) for inference
    loss = step(xb, yb)                  # 1st call with these shapes: eager, recorded
    loss = step(xb, yb)                  # later calls: the program
    print(step.program)                  # the straight-line NumPy code of the last signature

The arguments are flattened as pytrees (tensors in lists, tuples and dicts are inputs too). The
key of a program is their structure, each leaf's kind, shape, dtype and requires_grad (numbers
and other objects by value or identity) and the grad mode; at most ``cache_size`` programs are
kept, the least recently used dropped first. What the trace cannot replay (see patches.py) makes
the function eager for good, with one CompileWarning naming the cause; so does a Python number
that the function reads from outside and that changed between calls (guards.py). A module
switched to eval() (or any other change of a called module's state), or a name of the closure or
the globals bound to another object, records the step again.
Calls run eagerly, untraced, inside another trace (the outer one records them) and under anomaly
detection or a forward-mode transform (jvp), which a replay would not honour.
``check=True`` (or a number of steps, 3 for True) runs each of the first replays against eager
mode from the same state and raises CompileCheckError on any difference.

Python side effects of fn (appending to a list, printing) happen when it is recorded, not when
it is replayed, as with any tracer. An array that fn computes with NumPy from ``t.array`` is
refused when nothing but the trace holds it after the call; one that fn also stores away (in a
global list) would be a constant of the program: use graphgrad operations, or check=True.
"""
import functools
import sys
import warnings
from collections import OrderedDict

import numpy as np

from .. import tracing
from ..grad_mode import is_grad_enabled
from ..pytree import tree_flatten, tree_unflatten
from ..tensor import Tensor
from . import check as checking
from . import guards
from .check import arrays
from .patches import Patches
from .program import STALE, Program
from .trace import Tracer

#: References to an operand when only the trace holds it: its list, the local name `held`,
#: getrefcount's argument.
_TRACER_REFS = 3
_recording = []     # the trace under way, if any (traces do not nest: an inner step is inlined)


class CompileWarning(UserWarning):
    """A step that runs eagerly because its trace cannot be replayed faithfully."""


def compile(fn=None, *, check=False, cache_size=8):  # noqa: A001 - torch.compile's name
    """fn as a compiled step (see the module docstring); usable as a decorator."""
    if fn is None:
        return lambda f: compile(f, check=check, cache_size=cache_size)
    if not callable(fn):
        raise TypeError(f"compile: expected a function or a module, got {type(fn).__name__}")
    if isinstance(cache_size, bool) or not isinstance(cache_size, int) or cache_size < 1:
        raise ValueError(f"compile: cache_size must be a whole number >= 1, got {cache_size!r}")
    return CompiledFunction(fn, check, cache_size)


class CompiledFunction:
    """The callable gg.compile returns (fn's signature)."""

    def __init__(self, fn, check, cache_size):
        self.fn, self.cache_size = fn, cache_size
        self.checks_left = 3 if check is True else int(check or 0)
        self.cache = OrderedDict()
        self.eager_reason = None
        self.last = None
        self.traces = 0
        self._guards = guards.closure_values(fn)
        functools.update_wrapper(self, fn, updated=())

    # ----------------------------------------------------------------- calling
    def __call__(self, *args, **kwargs):
        if self.eager_reason is not None or _recording or tracing.special_modes():
            return self.fn(*args, **kwargs)
        changed = guards.changed_value(self._guards)
        if changed is not None:
            if changed[1]:
                return self._give_up(f"the Python number {changed[0]!r} that the step reads "
                                     "from its closure or globals changed between calls",
                                     args, kwargs)
            self.cache.clear()
            self._guards = guards.closure_values(self.fn)
        if kwargs or any(isinstance(a, (list, tuple, dict)) for a in args):
            inputs, structure = tree_flatten((args, kwargs))
        else:
            inputs, structure = args, len(args)
        key = (is_grad_enabled(), structure, tuple(map(_signature, inputs)))
        program = self.cache.get(key)
        if program is None:
            return self._record(key, inputs, args, kwargs)
        if program.modules:
            what = guards.changed_module(program.modules)
            if what is not None:
                if what[1]:
                    return self._give_up(f"the number {what[0]} of a module that the step "
                                         "calls changed between calls", args, kwargs)
                del self.cache[key]
                return self._record(key, inputs, args, kwargs)
        self.cache.move_to_end(key)
        self.last = program
        if self.checks_left:
            self.checks_left -= 1
            return checking.against_eager(self, program, inputs, args, kwargs)
        result = program.run(*[a.array if a.__class__ is Tensor or isinstance(a, Tensor) else a
                               for a in arrays(inputs)])
        if result is STALE:
            del self.cache[key]
            return self._record(key, inputs, args, kwargs)
        return tree_unflatten(list(result), program.spec)

    @property
    def program(self):
        """The program of the most recent signature (print it: straight-line NumPy code)."""
        if self.last is None:
            raise RuntimeError("compile: no program yet: call the step first" + (
                f" (it runs eagerly: {self.eager_reason})" if self.eager_reason else ""))
        return self.last

    def _give_up(self, reason, args, kwargs):
        self.eager_reason = reason
        self.cache.clear()
        warnings.warn(f"gg.compile: {getattr(self.fn, '__name__', 'the step')} runs eagerly: "
                      f"{reason}", CompileWarning, stacklevel=3)
        return self.fn(*args, **kwargs)

    # ----------------------------------------------------------------- recording
    def _record(self, key, inputs, args, kwargs):
        tracer = Tracer()
        for i, a in enumerate(arrays(inputs)):
            tracer.input(i, a.array if isinstance(a, Tensor) else a)
        patches = Patches(tracer)
        _recording.append(self)
        try:
            patches.install()
            result = self.fn(*args, **kwargs)
        finally:
            patches.uninstall()
            _recording.pop()
        self.traces += 1
        leaves, spec = tree_flatten(result)
        if tracer.active:
            _check_outputs(tracer, leaves)
            _check_modules(tracer)
            _check_constants(tracer)
            outs = [_output(tracer, leaf) for leaf in leaves]
        if tracer.failed:
            self.eager_reason = tracer.failed
            self.cache.clear()
            warnings.warn(f"gg.compile: {getattr(self.fn, '__name__', 'the step')} runs "
                          f"eagerly: {tracer.failed}", CompileWarning, stacklevel=3)
            return result
        program = Program(tracer, len(arrays(inputs)), outs)
        program.spec = spec
        program.modules = [e for _, before in tracer.modules.values() for e in before]
        program.keep = [a for a, k in zip(inputs, key[2]) if k[0] == "O"]  # ids stay unique
        self.cache[key] = self.last = program
        while len(self.cache) > self.cache_size:
            self.cache.popitem(last=False)
        return result

    def __repr__(self):
        return f"<gg.compile of {getattr(self.fn, '__name__', self.fn)!r}: " \
               f"{len(self.cache)} program(s)>"


def _signature(a):
    if isinstance(a, Tensor):
        return ("T", a.array.shape, a.array.dtype.str, a.requires_grad)
    if isinstance(a, np.ndarray):
        return ("A", a.shape, a.dtype.str)
    try:
        hash(a)
    except TypeError:
        return ("O", id(a))
    return ("C", type(a), a)


def _output(tracer, leaf):
    """(slot, how the program returns it): a Tensor made on its array, the tensor itself (one
    that existed before), or the value."""
    if isinstance(leaf, Tensor):
        slot = tracer.array(leaf.array, leaf)
        return slot, ("tensor" if tracer.kind[slot] == "tensor" and
                      tracer.source[slot] is leaf else "make")
    if isinstance(leaf, (np.ndarray, np.generic)):
        slot = tracer.array(leaf) if isinstance(leaf, np.ndarray) else tracer.const(leaf)
        if tracer.kind[slot] == "const":
            tracer.fail("the step returns an array computed outside graphgrad's operations "
                        "(NumPy code on arrays): the program would return it as a constant")
        return slot, "value"
    return tracer.const(leaf), "value"


def _check_outputs(tracer, leaves):
    """A result that still has a graph (a forward in grad mode) cannot come out of a program."""
    for leaf in leaves:
        node = getattr(leaf, "_node", None)
        if isinstance(leaf, Tensor) and node is not None and node.args is not None:
            tracer.fail("the step returns a tensor that requires grad with its graph (a "
                        "backward outside the step would need it): call it under gg.no_grad(), "
                        "or call backward() inside the step")
            return


def _check_constants(tracer):
    """An operand from outside the trace is a constant of the program (or a tensor read when it
    runs). One that nothing but the trace holds any more was made inside the step by something
    the trace does not record (NumPy on .array, gg.tensor of a computed array): refused."""
    for slot in tracer.loose:
        held = tracer.source[slot] if tracer.kind[slot] == "tensor" else tracer.values[slot]
        if sys.getrefcount(held) <= _TRACER_REFS:
            tracer.fail("an array made inside the step outside graphgrad's operations (NumPy "
                        "code on .array, gg.tensor of a computed array) feeds an operation: "
                        "the program would replay it as a constant")
            return


def _check_modules(tracer):
    """A module whose state the step itself changes (a Python side effect) cannot be replayed."""
    for _, before in tracer.modules.values():
        what = guards.changed_module(before)
        if what is not None:
            tracer.fail(f"the step changes {what[0]} (a Python side effect that a replay would "
                        "not repeat)")
            return
