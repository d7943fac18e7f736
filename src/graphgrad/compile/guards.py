"""What a recorded program assumes about the world outside its inputs, checked before a replay.

A trace bakes in what the step read besides its arguments. Two kinds of it are guarded:

- what the function reads from its closure or its globals: a number (``scale`` in
  ``lambda x: model(x) * scale``) that changes makes the step eager for good, with a warning
  (one that changes every call would otherwise be recorded every call); any other object
  rebound to another (``model = Net()`` run again in a notebook) records the step again;
- the state of every module called while recording (found by watching ``Module.__call__``): its
  ``training`` flag, its plain settings (``negative_slope``, ``eps``, ``momentum``, …, compared
  by value) and what its other attributes are bound to (parameters, buffers, submodules,
  compared by identity). A number that changes gives up as above; a switch to ``eval()`` or a
  parameter replaced by another records the step again.
"""
import numbers

_SETTINGS = (bool, int, float, complex, str, type(None))
_REGISTRIES = ("_parameters", "_buffers", "_non_persistent", "_modules")


def is_number(value):
    return isinstance(value, numbers.Number) and not hasattr(value, "shape")


def _plain(value):
    """A setting compared by value: a literal, or a tuple of them (a kernel size)."""
    if isinstance(value, tuple):
        return all(isinstance(v, _SETTINGS) for v in value)
    return isinstance(value, _SETTINGS)


def closure_values(fn):
    """[(name, cell or None, globals dict or None, value)]: what fn reads from its closure and
    its globals (functions and modules included)."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return []
    guards = []
    for name, cell in zip(code.co_freevars, fn.__closure__ or ()):
        try:
            guards.append((name, cell, None, cell.cell_contents))
        except ValueError:
            continue
    for name in code.co_names:
        if name in fn.__globals__:
            guards.append((name, None, fn.__globals__, fn.__globals__[name]))
    return guards


def changed_value(guards):
    """(name, whether it is a number) of the first closure variable or global that no longer
    holds what it held (numbers: their value), or None."""
    for name, cell, space, value in guards:
        now = cell.cell_contents if cell is not None else space.get(name)
        if now is value:
            continue
        number = is_number(value)
        if not (number and now.__class__ is value.__class__ and now == value):
            return name, number
    return None


def module_state(modules):
    """[(the module's class, its __dict__, attribute, value, by value)] for the modules a trace
    called, in the order first called."""
    entries = []
    for m in modules:
        cls, space = type(m), m.__dict__
        entries += [(cls, space, key, value, _plain(value)) for key, value in space.items()
                    if key not in _REGISTRIES]
    return entries


def changed_module(entries):
    """("Class.attribute" that changed, whether it is a number) for the first entry that
    changed, or None."""
    for cls, space, key, value, plain in entries:
        now = space.get(key, space)
        if now is value or plain and now.__class__ is value.__class__ and now == value:
            continue
        return f"{cls.__name__}.{key}", plain and is_number(value) and not isinstance(value,
                                                                                         bool)
    return None
