"""The engine's hooks for tracing (graphgrad.compile), at no cost while nobody traces.

Each primitive's entry point (recording.make_call) ends a call on tensors with ``finish(prim,
out, args, raw, params, requires)``, a function it holds in its closure. ``watch(on_call)``
swaps that function, in every registered primitive, for one that calls the original and then
``on_call(prim, out, args, raw, params, t)`` with the tensor t it made; ``unwatch()`` puts the
originals back. The eager path is untouched while nobody watches: no flag is read per call.

Also here, for a tracer that replays what the engine does: the switches it must honour, the
version counters it moves (as in-place methods do), and where in-place recording and NumPy's
ufuncs on tensors are dispatched (so that they can be watched too).
"""
from . import _state, _tensor_inplace, _tensor_methods
from .primitives import registry

_saved = []          # [(the original finish, the closure cells that hold it)] while watching
_cells = [[], []]    # the entry points when last looked up, and their cells by their finish


def watch(on_call):
    """Report every primitive call on tensors to on_call until unwatch() (not nestable)."""
    if _saved:
        raise RuntimeError("graphgrad.tracing.watch: already watching (traces do not nest)")
    calls = [prim.call for prim in registry.values()]
    if calls != _cells[0]:      # a primitive registered, or an entry point made, since
        by_finish = {}          # two finishes: plain and view
        for prim in registry.values():
            cell = _finish_cell(prim)
            by_finish.setdefault(cell.cell_contents, []).append(cell)
        _cells[:] = [calls, list(by_finish.items())]
    for original, cells in _cells[1]:
        wrapper = _reporting(original, on_call)
        for cell in cells:
            cell.cell_contents = wrapper
        _saved.append((original, cells))


def _finish_cell(prim):
    """The closure cell of prim's entry point that holds finish."""
    call = prim.call
    try:
        return call.__closure__[call.__code__.co_freevars.index("finish")]
    except (ValueError, TypeError):     # unwatched, its results would look like constants
        raise RuntimeError(f"graphgrad.tracing.watch: the entry point of {prim.name!r} "
                           "holds no `finish` (recording.make_call changed?)") from None


def unwatch():
    """Restore every primitive's original finish (a no-op when not watching)."""
    while _saved:
        original, cells = _saved.pop()
        for cell in cells:
            cell.cell_contents = original


def _reporting(finish, on_call):
    def finish_and_report(prim, out, args, raw, params, requires):
        t = finish(prim, out, args, raw, params, requires)
        on_call(prim, t.array, args, raw, params, t)
        return t
    return finish_and_report


# ----------------------------------------------------------------------------- engine state
def grad_enabled():
    return _state.grad_enabled


def set_grad_enabled(flag):
    """Set grad mode; returns the previous one (the sweep runs its rules with it off)."""
    previous, _state.grad_enabled = _state.grad_enabled, flag
    return previous


def special_modes():
    """Whether anomaly detection or a forward-mode transform is on (a trace refuses both)."""
    return _state.anomaly or bool(_state.fwd_levels)


def last_inplace():
    """The tick of the latest in-place change (backward checks versions of newer nodes)."""
    return _state.last_inplace


def bump_versions(tensors, times=1):
    """Move the version counters of tensors changed in place `times` times, as their in-place
    methods do (so that a graph that saved one refuses a backward through it)."""
    for _ in range(times):
        tick = next(_state.clock)
        _state.last_inplace = tick
        for t in tensors:
            cell = t.version_cell()
            cell[0] += 1
            cell[1] = tick


#: Where the in-place methods record an operation on a recorded tensor: (module, name).
INPLACE_RECORDER = (_tensor_inplace, "_record")
#: NumPy ufunc → the graphgrad operation it runs on tensors (np.greater(t, 0) → ops.gt).
UFUNC_TABLE = _tensor_methods._UFUNCS
