"""What changes while one call is traced, and back: the primitive hook (graphgrad._tracing),
Tensor.backward (compile/sweep.py), the in-place methods, the optimizers' step and zero_grad,
gradient clipping, dropout and batch norm's running statistics (recorded), and the things a
trace cannot replay, which fail it with their cause: reading a traced value into Python (.item(),
bool(), float(), .numpy(), .tolist(), np.asarray), gg.autograd.grad/backward, random numbers
from the global generator, recorded in-place operations, lr schedulers stepped inside the step.
Nothing here costs anything outside a trace.
"""
import sys

import numpy as np

from .. import autodiff, random, tracing
from ..nn import layers, normalization, utils
from ..nn.module import Module
from ..ops import compare
from ..optim.lr_scheduler import LRScheduler
from ..optim.optimizer import Optimizer
from ..tensor import Tensor, make
from ..tensor import make as _original_make
from . import optimizers, sweep
from .trace import Op

_READS = ("item", "__bool__", "__float__", "__int__", "__index__", "tolist", "numpy",
          "__array__", "__format__")


class Patches:
    """install() / uninstall() of everything above for one tracer."""

    def __init__(self, tracer, fn_globals=None):
        self.tracer, self.fn_globals, self.undo = tracer, fn_globals, []

    def set(self, owner, name, value):
        old = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
        self.undo.append((owner, name, old))
        setattr(owner, name, value)
        return old

    def everywhere(self, old, new):
        """Replace a function in every graphgrad module (and fn's globals), in Tensor's methods
        and in the table of NumPy ufuncs on tensors, wherever it is held."""
        for key, value in list(Tensor.__dict__.items()):
            if value is old:
                self.set(Tensor, key, new)
        table = tracing.UFUNC_TABLE
        for key, value in list(table.items()):
            if value is old:
                table[key] = new
                self.undo.append((table, key, old))
        places = list(_places(old))
        if self.fn_globals is not None:
            places += [(self.fn_globals, k) for k, v in self.fn_globals.items() if v is old]
        for d, key in places:
            if d.get(key) is old:
                d[key] = new
                self.undo.append((d, key, old))

    def uninstall(self):
        self.tracer.stop()
        while self.undo:
            owner, name, old = self.undo.pop()
            if isinstance(owner, dict):
                owner[name] = old
            else:
                setattr(owner, name, old)
        gen = random.default_generator
        if isinstance(gen.numpy, _Watched):
            gen.numpy = gen.numpy._real

    def install(self):
        tracer = self.tracer
        _refresh()
        original_backward = autodiff.backward
        self.set(Tensor, "backward", lambda root, gradient=None, retain_graph=None,
                 create_graph=False, inputs=None: sweep.backward(
                     tracer, original_backward, root, gradient, retain_graph, create_graph,
                     inputs))
        for name in _READS:
            self.set(Tensor, name, _refusing_read(tracer, name, Tensor.__dict__[name]))
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
        mzero = Module.__dict__["zero_grad"]
        self.set(Module, "zero_grad", lambda m, set_to_none=True:
                 optimizers.traced_zero_grad(tracer, mzero, m, set_to_none))
        sched = LRScheduler.__dict__["step"]
        self.set(LRScheduler, "step", _refusing(
            tracer, sched, "a learning-rate scheduler stepped inside the step (step it "
            "outside: the compiled step reads lr when it runs)"))
        self.everywhere(autodiff.gradients, _refusing(
            tracer, autodiff.gradients, "gg.autograd.grad (gradients as values) inside the step"))
        self.everywhere(autodiff.backward, _refusing(
            tracer, autodiff.backward, "gg.autograd.backward inside the step (use "
            "loss.backward())"))
        self.everywhere(utils.clip_grad_norm_, _clip_norm(tracer, utils.clip_grad_norm_))
        self.everywhere(utils.clip_grad_value_, _clip_value(tracer, utils.clip_grad_value_))
        self.everywhere(layers.dropout, _dropout(tracer, layers.dropout))
        self.everywhere(normalization._update_running,
                        _running(tracer, normalization._update_running))
        make = _original_make
        self.everywhere(make, _make(tracer, make))
        for name in _UNRECORDED:
            fn = getattr(compare, name)
            self.everywhere(fn, _recorded(tracer, fn))
        gen = random.default_generator
        gen.numpy = _Watched(gen.numpy, tracer)
        tracer.start()


_found = {}   # id(function) → [(module dict, name)], for the modules imported so far
_seen = [0]


def _places(function):
    return _found.get(id(function), ())


def _refresh():
    """Where graphgrad's modules hold each function (scanned again after new imports; called
    before anything is patched, so that it sees the originals)."""
    modules = [m for n, m in list(sys.modules.items()) if n.startswith("graphgrad") and m]
    if len(modules) != _seen[0]:
        _found.clear()
        _seen[0] = len(modules)
        for m in modules:
            for key, value in m.__dict__.items():
                if callable(value) and not isinstance(value, type):
                    _found.setdefault(id(value), []).append((m.__dict__, key))


#: ops/compare.py's operations without a derivative: recorded as calls on the arrays.
_UNRECORDED = ("lt", "le", "gt", "ge", "eq", "ne", "logical_not", "logical_and", "logical_or",
               "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor", "invert", "isfinite",
               "isnan", "isinf")


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

    def recorded(*args):
        result = fn(*args)
        if tracer.active and any(isinstance(a, Tensor) for a in args):
            tracer.tainted.pop(id(result.data), None)
            ins = [tracer.operand(a, a.data if isinstance(a, Tensor) else a) for a in args]
            tracer.add(Op(fn.__name__, raw_fn, ins, outs=[tracer.temp(result.data)]))
        return result
    recorded.__name__ = fn.__name__
    return recorded


def _refusing(tracer, original, cause):
    def refused(*args, **kwargs):
        if tracer.active:
            tracer.fail(cause)
        return original(*args, **kwargs)
    return refused


def _refusing_read(tracer, name, original):
    def read(self, *args, **kwargs):
        if tracer.active and tracer.knows(self.data):
            tracer.fail(f"{name}() of a traced tensor: Python code that reads tensor values "
                        "(data-dependent control flow or numbers)")
        return original(self, *args, **kwargs)
    return read


def _inplace(tracer, original, t, ufunc, other):
    if tracer.active:
        slot = tracer.slot_of.get(id(t.data))
        if slot is not None and tracer.kind[slot] == "input":
            tracer.fail("an in-place change of an input of the step")
        elif isinstance(other, np.ndarray) and not tracer.knows(other):
            tracer.fail(f"an in-place update ({getattr(ufunc, '__name__', '')}) by an array "
                        "computed outside the traced operations")
        else:
            dst = tracer.array(t.data, t)
            src = tracer.operand(other, other.data if isinstance(other, Tensor) else other)
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
        if not tracer.active or not found or not all(tracer.knows(p.grad.data) for p in found):
            return original(params, max_norm, norm_type, error_if_nonfinite)
        grads = [p.grad.data for p in found]
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
                    g = tracer.array(p.grad.data)
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
        dtype = input.data.dtype if isinstance(input, Tensor) else np.asarray(input).dtype
        tracer.suspended += 1
        try:
            mask = dropout_mask(generator, np.shape(input), p, dtype)
        finally:
            tracer.suspended -= 1
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
        tracer.suspended += 1
        try:
            return original(x, axes, count, running_mean, running_var, momentum)
        finally:
            tracer.suspended -= 1
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
