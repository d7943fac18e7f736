"""What gg.graph was told about some outputs (names, inputs, parameters, granularity), kept so
that gg.explain(outputs) afterwards reads as that graph does: the same names and numbering.

Kept by the first output's recorded node in a weak dictionary, with every tensor held weakly:
nothing here keeps a computation alive, and options whose tensors are gone are forgotten.
"""
import weakref

from ..node import key_of
from ..tensor import Tensor

_last = weakref.WeakKeyDictionary()


def _weak(x):
    return weakref.ref(x) if isinstance(x, Tensor) else (lambda: x)


def _first_record(outputs):
    return next(o._node for o in outputs if o._node is not None)


def remember(outputs, options):
    """Keep the options of a graph of `outputs` (tensors, at least one recorded)."""
    names = options["names"]
    _last[_first_record(outputs)] = (
        [weakref.ref(key_of(o)) for o in outputs],
        dict(options, inputs=[_weak(t) for t in options["inputs"]],
             parameters=[_weak(t) for t in options["parameters"]],
             names=None if names is None else [(k, _weak(t)) for k, t in dict(names).items()]))


def recall(outputs):
    """The options of the last graph of exactly these outputs, or {} if there was none or a
    tensor it classed is gone."""
    found = _last.get(_first_record(outputs))
    if found is None or [r() for r in found[0]] != [key_of(o) for o in outputs]:
        return {}
    kept = found[1]
    inputs, parameters = ([r() for r in kept[k]] for k in ("inputs", "parameters"))
    if any(t is None for t in inputs + parameters):
        return {}
    names = None if kept["names"] is None else \
        {k: r() for k, r in kept["names"] if r() is not None}
    return dict(kept, inputs=inputs, parameters=parameters, names=names)
