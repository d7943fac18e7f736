"""check=True: a replay run against eager mode from the same state, every difference named.

Before the replay, everything the program can change is saved (the tensors it binds or updates,
their .grad, the optimizers' state, the global generator); after it, the results and that state
are taken, everything is put back, the step runs eagerly, and the two are compared exactly.
"""
import numpy as np

from .. import random
from ..optim.optimizer import Optimizer
from ..pytree import tree_flatten, tree_unflatten
from ..tensor import Tensor, make
from .program import STALE


class CompileCheckError(AssertionError):
    """check=True found a replayed step that differs from eager mode."""


def arrays(inputs):
    """The inputs that the program takes as arrays (tensors and ndarrays)."""
    return [a for a in inputs if isinstance(a, (Tensor, np.ndarray))]


def _watched(program):
    tensors, optims = {}, []
    stack = list(program.objects)
    while stack:
        o = stack.pop()
        if isinstance(o, Tensor):
            tensors[id(o)] = o
        elif isinstance(o, Optimizer):
            optims.append(o)
            stack += [p for g in o.param_groups for p in g["params"]]
        elif isinstance(o, (tuple, list)):
            stack += list(o)
    return list(tensors.values()), optims


def _copy(v):
    if isinstance(v, Tensor):
        return v.array.copy()
    return np.array(v) if isinstance(v, np.ndarray) else v


def _save(tensors, optims):
    return ([(t, t.array.copy(), None if t.grad is None else t.grad.array.copy())
             for t in tensors],
            [(o, {p: {k: _copy(v) for k, v in s.items()} for p, s in o.state.items()})
             for o in optims],
            random.default_generator.numpy.bit_generator.state)


def _restore(saved):
    tensors, optims, gen = saved
    for t, data, grad in tensors:
        np.copyto(t.array, data)
        t.grad = None if grad is None else make(grad.copy())
    for o, state in optims:
        for p, s in state.items():
            for k, v in s.items():
                live = o.state[p].get(k)
                if isinstance(live, Tensor):
                    np.copyto(live.array, v)
                else:
                    o.state[p][k] = v
    random.default_generator.numpy.bit_generator.state = gen


def _values(result):
    return [np.array(x.array if isinstance(x, Tensor) else x) for x in tree_flatten(result)[0]]


def _compare(what, a, b, errors):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or not np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"):
        gap = np.max(np.abs(a.astype(float) - b.astype(float))) if a.shape == b.shape else "-"
        errors.append(f"{what} (shape {a.shape}): max |compiled − eager| = {gap}")


def against_eager(cf, program, inputs, args, kwargs):
    """Run the program, then eager mode from the same state; raise on any difference."""
    tensors, optims = _watched(program)
    before = _save(tensors, optims)
    result = program.run(*[a.array if isinstance(a, Tensor) else a for a in arrays(inputs)])
    if result is STALE:
        cf.cache.clear()
        return cf(*args, **kwargs)
    compiled_out = _values(tree_unflatten(list(result), program.spec))
    compiled = _save(tensors, optims)
    _restore(before)
    eager = cf.fn(*args, **kwargs)
    errors = []
    for i, (a, b) in enumerate(zip(compiled_out, _values(eager))):
        _compare(f"result {i}", a, b, errors)
    now = _save(tensors, optims)
    for (t, data, grad), (_, data2, grad2) in zip(compiled[0], now[0]):
        _compare("a tensor", data, data2, errors)
        if (grad is None) != (grad2 is None):
            errors.append(f"the .grad of a tensor of shape {t.shape}: set in one mode only")
        elif grad is not None:
            _compare("a .grad", grad, grad2, errors)
    for (o, state), (_, state2) in zip(compiled[1], now[1]):
        for p, s in state.items():
            for k, v in s.items():
                _compare(f"{type(o).__name__} state {k!r}", v, state2[p][k], errors)
    if errors:
        raise CompileCheckError("gg.compile(check=True): the compiled step differs from eager "
                                "mode: " + "; ".join(errors[:5]))
    return eager
