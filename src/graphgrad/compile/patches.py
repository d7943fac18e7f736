"""What changes while one call is traced, and back: the primitive hook (graphgrad.tracing),
Tensor.backward (compile/sweep.py), the in-place methods, the optimizers' step and zero_grad,
gradient clipping, dropout and batch norm's running statistics (recorded), Module.__call__ (the
modules called, whose state is guarded), and the things a trace cannot replay, which fail it
with their cause: reading a traced value into Python (.item(), bool(), float(), .numpy(),
.tolist(), np.asarray), gg.autograd.grad/backward, random numbers from the global generator,
recorded in-place operations, lr schedulers stepped inside the step.

Two ways, each chosen so that no call can slip past unseen:

- methods, replaced on their class (Tensor, Optimizer, Module, LRScheduler): every instance,
  subclass and bound method finds the replacement;
- module-level functions that work on ``.array`` with NumPy, out of the primitive hook's sight
  (clipping, dropout, running statistics, tensor.make, autodiff's entry points, the
  comparisons of ops/compare.py, recorded as calls on the arrays): their code is swapped
  (``Patches.swap``), so that every reference to them, under any name, in a partial, a closure
  or a Tensor method, runs the replacement (a name-by-name replacement that missed one would
  leave a silently wrong program, or a refused one). A swap is a few attribute writes, however
  many places hold the function: a first call stays cheap.

Nothing here costs anything outside a trace. Everything is put back in ``uninstall`` (called in
a ``finally``), and a patched function does its tracing work only on the thread that traces
(``Tracer.active``), so another thread running eager code meanwhile is neither recorded nor
refused. The cleaner design is a hook in each of those functions (a decorator of
graphgrad.tracing): nn and optim would then name what a tracer may take over.
"""
import types

import numpy as np

from .. import autodiff, random, tracing
from ..nn import layers, normalization, utils
from ..nn.module import Module
from ..ops import compare
from ..optim.lr_scheduler import LRScheduler
from ..optim.optimizer import Optimizer
from ..tensor import Tensor, make
from . import guards, optimizers, sweep
from .trace import Op

_READS = ("item", "__bool__", "__float__", "__int__", "__index__", "tolist", "numpy",
          "__array__", "__format__")


class Patches:
    """install() / uninstall() of everything above for one tracer."""

    def __init__(self, tracer):
        self.tracer, self.undo = tracer, []

    def set(self, owner, name, value):
        old = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
        self.undo.append((owner, name, old))
        setattr(owner, name, value)
        return old

    def swap(self, fn, replacing):
        """Make every call of the function fn run ``replacing(original)`` instead, however fn is
        reached (imported under another name, in a partial, a closure or a default argument):
        fn's code is swapped for a trampoline until uninstall. Returns the original, a copy of
        fn as it was. For the library functions that change gradients, draw random numbers or
        make tensors with NumPy, out of the primitive hook's sight: where a name-by-name
        replacement missed an alias, the replay would be silently wrong."""
        copy = _copies.get(fn)
        if copy is None or copy[0] is not fn.__code__:      # made once per function
            original = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__,
                                          fn.__defaults__, fn.__closure__)
            original.__kwdefaults__ = fn.__kwdefaults__
            original.__wrapped__ = fn
            copy = _copies[fn] = (fn.__code__, original)
        original = copy[1]
        self.undo.append((fn, None, (fn.__code__, fn.__defaults__, fn.__kwdefaults__)))
        fn.__code__, fn.__defaults__ = _trampoline_code(len(fn.__closure__ or ())), None
        fn.__kwdefaults__ = {"_replacement": replacing(original)}
        return original

    def uninstall(self):
        self.tracer.stop()
        while self.undo:
            owner, name, old = self.undo.pop()
            if name is None:
                owner.__code__, owner.__defaults__, owner.__kwdefaults__ = old
            else:
                setattr(owner, name, old)
        gen = random.default_generator
        if isinstance(gen.numpy, _Watched):
            gen.numpy = gen.numpy._real

    def install(self):
        tracer = self.tracer
        for name in _UNRECORDED:
            self.swap(compare.__dict__[name], lambda original: _recorded(tracer, original))
        self.swap(autodiff.gradients, lambda original: _refusing(
            tracer, original, "gg.autograd.grad (gradients as values) inside the step"))
        backward = self.swap(autodiff.backward, lambda original: _refusing(
            tracer, original, "gg.autograd.backward inside the step (use loss.backward())"))
        self.set(Tensor, "backward", lambda root, gradient=None, retain_graph=None,
                 create_graph=False, inputs=None: sweep.backward(
                     tracer, backward, root, gradient, retain_graph, create_graph, inputs))
        for name in _READS:
            self.set(Tensor, name, _refusing_read(tracer, name, Tensor.__dict__[name]))
        init = Tensor.__dict__["_become_leaf"]
        self.set(Tensor, "_become_leaf", lambda t, *a, **k: _constructed(tracer, init, t, a, k))
        inplace = Tensor.__dict__["_inplace"]
        self.set(Tensor, "_inplace", lambda t, ufunc, other: _inplace(tracer, inplace, t,
                                                                       ufunc, other))
        where, name = tracing.INPLACE_RECORDER
        self.set(where, name, _refusing(
            tracer, getattr(where, name), "an in-place operation on a recorded tensor "
            "(x.add_(…) on a result that requires grad)"))
        step, zero = Optimizer.__dict__["step"], Optimizer.__dict__["zero_grad"]
        self.set(Optimizer, "step", lambda opt, closure=None: optimizers.traced_step(
            tracer, step, opt, closure))
        self.set(Optimizer, "zero_grad", lambda opt, set_to_none=True:
                 optimizers.traced_zero_grad(tracer, zero, opt, set_to_none))
        call = Module.__dict__["__call__"]
        self.set(Module, "__call__", lambda m, *a, **k: _called(tracer, call, m, a, k))
        mzero = Module.__dict__["zero_grad"]
        self.set(Module, "zero_grad", lambda m, set_to_none=True:
                 optimizers.traced_zero_grad(tracer, mzero, m, set_to_none))
        sched = LRScheduler.__dict__["step"]
        self.set(LRScheduler, "step", _refusing(
            tracer, sched, "a learning-rate scheduler stepped inside the step (step it "
            "outside: the compiled step reads lr when it runs)"))
        for fn, wrap in ((utils.clip_grad_norm_, _clip_norm), (utils.clip_grad_value_,
                         _clip_value), (layers.dropout, _dropout),
                         (normalization._update_running, _running), (make, _make)):
            self.swap(fn, lambda original, wrap=wrap: wrap(tracer, original))
        gen = random.default_generator
        gen.numpy = _Watched(gen.numpy, tracer)
        tracer.start()


_copies = {}     # function → (its code, a copy of it as it was): what swap hands out


def _trampoline(*args, _replacement=None, **kwargs):
    return _replacement(*args, **kwargs)


def _trampoline_code(free):
    """_trampoline's code with `free` free variables: a function's code can only be swapped
    for code with as many as its closure has cells (made once per number)."""
    code = _trampolines.get(free)
    if code is None:
        names = [f"_cell{i}" for i in range(free)]
        source = (f"def outer():\n    {' = '.join(names)} = None\n"
                  "    def trampoline(*args, _replacement=None, **kwargs):\n"
                  f"        {', '.join(names)}\n"
                  "        return _replacement(*args, **kwargs)\n"
                  "    return trampoline\n")
        space = {}
        exec(source, space)     # noqa: S102 - fixed source, names made here
        code = _trampolines[free] = space["outer"]().__code__
    return code


_trampolines = {0: _trampoline.__code__}


#: ops/compare.py's operations without a derivative: recorded as calls on the arrays.
_UNRECORDED = ("lt", "le", "gt", "ge", "eq", "ne", "logical_not", "logical_and", "logical_or",
               "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor", "invert", "isfinite",
               "isnan", "isinf")


def _called(tracer, call, module, args, kwargs):
    """Module.__call__ while tracing: the module's state is guarded (guards.py)."""
    if tracer.active and id(module) not in tracer.modules:
        tracer.modules[id(module)] = (module, guards.module_state([module]))
    return call(module, *args, **kwargs)


def _constructed(tracer, init, t, args, kwargs):
    """A new leaf while tracing (gg.tensor, Tensor(…), Parameter, creation functions): a tensor
    the trace did not record, marked as tensor.make's are."""
    init(t, *args, **kwargs)
    if tracer.active and id(t.array) not in tracer.slot_of:
        tracer.tainted[id(t.array)] = t.array


def _make(tracer, make):
    """tensor.make while tracing: a tensor on an array that no recorded operation made is
    marked; using it, or reading it into Python, fails the trace."""
    def traced_make(data, requires_grad=False):
        if tracer.active and data.__class__ is np.ndarray and id(data) not in tracer.slot_of:
            tracer.tainted[id(data)] = data
        return make(data, requires_grad)
    return traced_make


def on_arrays(fn):
    """fn on raw operands, its result as an array (how a recorded comparison replays)."""
    def call(*args):
        return np.asarray(fn(*args))
    call.__name__ = fn.__name__
    return call


def _recorded(tracer, fn):
    raw_fn = on_arrays(fn)

    def recorded(*args, **kwargs):
        result = fn(*args, **kwargs)
        if tracer.active and any(isinstance(a, Tensor) for a in args):
            if kwargs:
                tracer.fail(f"{fn.__name__}(…, {', '.join(kwargs)}=…) on a traced tensor")
                return result
            tracer.tainted.pop(id(result.array), None)
            ins = [tracer.operand(a, a.array if isinstance(a, Tensor) else a) for a in args]
            tracer.add(Op(fn.__name__, raw_fn, ins, outs=[tracer.temp(result.array)]))
        return result
    return recorded


def _refusing(tracer, original, cause):
    def refused(*args, **kwargs):
        if tracer.active:
            tracer.fail(cause)
        return original(*args, **kwargs)
    return refused


def _refusing_read(tracer, name, original):
    def read(self, *args, **kwargs):
        if tracer.active and tracer.knows(self.array):
            tracer.fail(f"{name}() of a traced tensor: Python code that reads tensor values "
                        "(data-dependent control flow or numbers)")
        return original(self, *args, **kwargs)
    return read


def _inplace(tracer, original, t, ufunc, other):
    if tracer.active:
        slot = tracer.slot_of.get(id(t.array))
        if slot is not None and tracer.kind[slot] == "input":
            tracer.fail("an in-place change of an input of the step")
        elif isinstance(other, np.ndarray) and not tracer.knows(other):
            tracer.fail(f"an in-place update ({getattr(ufunc, '__name__', '')}) by an array "
                        "computed outside the traced operations")
        else:
            dst = tracer.array(t.array, t)
            src = tracer.operand(other, other.array if isinstance(other, Tensor) else other)
            tracer.add(Op(f"{getattr(ufunc, '__name__', 'update')}_", apply_inplace,
                          [tracer.const(ufunc), dst, src, tracer.const(t)], inplace=dst,
                          effect=tracer.kind[dst] != "temp"))
    return original(t, ufunc, other)


def apply_inplace(ufunc, dst, other, t):
    """t ← ufunc(t, other) in its memory, as Tensor._inplace does."""
    ufunc(dst, other, out=dst, casting="same_kind")
    t._bump_version()


def clip_arrays(max_norm, norm_type, error_if_nonfinite, *grads):
    return optimizers.clip_arrays(list(grads), max_norm, norm_type, error_if_nonfinite)


def _clip_norm(tracer, original):
    def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
        params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
        found = [p for p in params if p.grad is not None]
        if not tracer.active or not found or not all(tracer.knows(p.grad.array) for p in found):
            return original(params, max_norm, norm_type, error_if_nonfinite)
        grads = [p.grad.array for p in found]
        total = clip_arrays(max_norm, norm_type, error_if_nonfinite, *grads)
        slots = [tracer.array(g) for g in grads]
        tracer.add(Op("clip_grad_norm_", clip_arrays, [tracer.const(max_norm),
                      tracer.const(norm_type), tracer.const(error_if_nonfinite), *slots],
                      outs=[tracer.temp(total)], effect=True))
        return make(total)
    return clip_grad_norm_


def clip_into(g, low, high):
    np.clip(g, low, high, out=g)


def _clip_value(tracer, original):
    def clip_grad_value_(parameters, clip_value):
        params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
        if tracer.active:
            c = float(clip_value)
            for p in params:
                if p.grad is not None:
                    g = tracer.array(p.grad.array)
                    tracer.add(Op("clip_", clip_into, [g, tracer.const(-c), tracer.const(c)],
                                  inplace=g, effect=True))
        return original(params, clip_value)
    return clip_grad_value_


def dropout_mask(generator, shape, p, dtype):
    """What dropout multiplies by: keep-mask · 1/(1 − p), drawn from the generator."""
    keep = random.numpy_generator(generator).random(shape) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    return (keep * scale).astype(dtype)


def _dropout(tracer, original):
    def dropout(input, p=0.5, training=True, inplace=False, *, generator=None):
        if not tracer.active or not training or p == 0 or not 0 <= p <= 1:
            return original(input, p, training, inplace, generator=generator)
        dtype = input.array.dtype if isinstance(input, Tensor) else np.asarray(input).dtype
        with tracer.paused():
            mask = dropout_mask(generator, np.shape(input), p, dtype)
        tracer.add(Op("dropout_mask", dropout_mask, [tracer.const(generator),
                      tracer.const(tuple(np.shape(input))), tracer.const(p),
                      tracer.const(dtype)], outs=[tracer.temp(mask)], effect=True))
        return input * mask
    return dropout


def _running(tracer, original):
    def update_running(x, axes, count, running_mean, running_var, momentum):
        if tracer.active:
            tracer.add(Op("update_running_stats", original, [
                tracer.array(x), tracer.const(axes), tracer.const(count),
                tracer.const(running_mean), tracer.const(running_var), tracer.const(momentum)],
                effect=True))
        with tracer.paused():
            return original(x, axes, count, running_mean, running_var, momentum)
    return update_running


class _Watched:
    """The global generator's NumPy generator while tracing: a draw fails the trace."""

    def __init__(self, real, tracer):
        self._real, self._tracer = real, tracer

    def __getattr__(self, name):
        if self._tracer.active:
            self._tracer.fail("random numbers drawn inside the step (gg.randn, gg.rand, "
                              "sampling): a replay would repeat them")
        return getattr(self._real, name)
