"""gg.compile: record a step once per input signature, replay it as a flat NumPy program.

    step = gg.compile(train_step)        # or gg.compile(model) for inference
    loss = step(xb, yb)                  # 1st call with these shapes: eager, recorded
    loss = step(xb, yb)                  # later calls: the program
    print(step.program)                  # the straight-line NumPy code of the last signature

The key of a program is each argument's kind, shape, dtype and requires_grad (numbers and other
objects by value or identity) and the grad mode; at most ``cache_size`` programs are kept, the
least recently used dropped first. What the trace cannot replay (see patches.py) makes the
function eager for good, with one CompileWarning naming the cause; so does a Python number that
the function reads from its closure or globals and that changed between calls.
``check=True`` (or a number of steps, 3 for True) runs each of the first replays against eager
mode from the same state and raises CompileCheckError on any difference.
"""
import functools
import warnings
from collections import OrderedDict

import numpy as np

from ..grad_mode import is_grad_enabled
from ..pytree import tree_flatten, tree_unflatten
from ..tensor import Tensor
from . import check as checking
from .check import arrays
from .patches import Patches
from .program import STALE, Program
from .trace import Tracer, is_number


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
        self._guards = _closure_numbers(fn)
        functools.update_wrapper(self, fn, updated=())

    # ----------------------------------------------------------------- calling
    def __call__(self, *args, **kwargs):
        if self.eager_reason is not None:
            return self.fn(*args, **kwargs)
        changed = _changed(self._guards)
        if changed:
            return self._give_up(f"the Python number {changed!r} that the step reads from its "
                                 "closure or globals changed between calls", args, kwargs)
        inputs = [*args, *(kwargs[k] for k in sorted(kwargs))]
        key = (is_grad_enabled(), tuple(sorted(kwargs)), tuple(map(_signature, inputs)))
        program = self.cache.get(key)
        if program is None:
            return self._record(key, inputs, args, kwargs)
        self.cache.move_to_end(key)
        self.last = program
        if self.checks_left:
            self.checks_left -= 1
            return checking.against_eager(self, program, inputs, args, kwargs)
        result = program.run(*[a.data if a.__class__ is Tensor or isinstance(a, Tensor) else a
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
            tracer.input(i, a.data if isinstance(a, Tensor) else a)
        patches = Patches(tracer, getattr(self.fn, "__globals__", None))
        patches.install()
        try:
            result = self.fn(*args, **kwargs)
        finally:
            patches.uninstall()
        self.traces += 1
        if tracer.failed:
            self.eager_reason = tracer.failed
            self.cache.clear()
            warnings.warn(f"gg.compile: {getattr(self.fn, '__name__', 'the step')} runs "
                          f"eagerly: {tracer.failed}", CompileWarning, stacklevel=3)
            return result
        leaves, spec = tree_flatten(result)
        outs = [_output(tracer, leaf) for leaf in leaves]
        program = Program(tracer, len(arrays(inputs)), outs)
        program.spec = spec
        self.cache[key] = self.last = program
        while len(self.cache) > self.cache_size:
            self.cache.popitem(last=False)
        return result

    def __repr__(self):
        return f"<gg.compile of {getattr(self.fn, '__name__', self.fn)!r}: " \
               f"{len(self.cache)} program(s)>"


def _signature(a):
    if isinstance(a, Tensor):
        return ("T", a.data.shape, a.data.dtype.str, a.requires_grad)
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
        slot = tracer.array(leaf.data, leaf)
        return slot, ("tensor" if tracer.kind[slot] == "tensor" and
                      tracer.source[slot] is leaf else "make")
    if isinstance(leaf, np.ndarray):
        return tracer.array(leaf), "value"
    return tracer.const(leaf), "value"


def _closure_numbers(fn):
    """[(name, cell or globals dict, value)] of the Python numbers fn reads from outside."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return []
    guards = []
    for name, cell in zip(code.co_freevars, fn.__closure__ or ()):
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        if is_number(value):
            guards.append((name, cell, None, value))
    for name in code.co_names:
        value = fn.__globals__.get(name)
        if is_number(value):
            guards.append((name, None, fn.__globals__, value))
    return guards


def _changed(guards):
    for name, cell, space, value in guards:
        now = cell.cell_contents if cell is not None else space.get(name)
        if now is not value and now != value:
            return name
    return None
