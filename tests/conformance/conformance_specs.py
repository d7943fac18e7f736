"""The conformance table's vocabulary: operand specs (F, I, B, A: float, integer, boolean and
literal tensors, with views; D: a dtype by name), cases (C) and entries (same, method,
compare_with) pairing a graphgrad callable with its torch counterpart. conformance_harness.py
runs them."""
from dataclasses import dataclass, field

import numpy as np

import graphgrad as gg


# ------------------------------------------------------------------------------ operand specs
@dataclass
class Spec:
    """An array operand: a float (F), integer (I) or boolean (B) tensor of `shape`, or the
    literal `values` (A). `view`: 'T' passes base.transpose(-2, -1) of a base whose last two
    axes are swapped, 'step' passes base[..., ::2] (both non-contiguous). Float specs with
    grad=True are leaves that require grad; dtype None takes the run's float dtype."""
    shape: tuple = ()
    kind: str = "f"
    lo: float = -2.0
    hi: float = 2.0
    dtype: object = None
    view: str = None
    grad: bool = True
    values: object = None

    def array(self, rng, float_dtype):
        if self.values is not None:
            a = np.array(self.values)
            dtype = self.dtype or (float_dtype if a.dtype.kind == "f" else a.dtype)
            return a.astype(dtype)
        shape = self.base_shape()
        if self.kind == "f":
            return rng.uniform(self.lo, self.hi, shape).astype(self.dtype or float_dtype)
        if self.kind == "i":
            return rng.integers(self.lo, self.hi, shape).astype(self.dtype or np.int64)
        return rng.random(shape) < 0.5

    def base_shape(self):
        shape = tuple(self.shape)
        if self.view == "T":
            return shape[:-2] + (shape[-1], shape[-2])
        if self.view == "step":
            return shape[:-1] + (2 * shape[-1],)
        return shape

    @property
    def floating(self):
        if self.kind != "f":
            return False
        if self.dtype is not None:
            return np.dtype(self.dtype).kind == "f"
        return self.values is None or np.asarray(self.values).dtype.kind == "f"

    @property
    def is_leaf_with_grad(self):
        return self.floating and self.grad


def F(*shape, lo=-2.0, hi=2.0, dtype=None, view=None, grad=True):
    return Spec(shape, "f", lo, hi, dtype, view, grad)


def I(*shape, lo=0, hi=5, dtype=None, view=None):  # noqa: E743 (a spec, not a variable)
    return Spec(shape, "i", lo, hi, dtype, view, False)


def B(*shape, view=None):
    return Spec(shape, "b", view=view, grad=False)


def A(values, dtype=None, grad=True):
    """A literal array (floats follow the run's dtype unless `dtype`)."""
    return Spec(np.shape(values), "f", dtype=dtype, grad=grad, values=values)


@dataclass
class D:
    """A dtype by name: gg.<name> on our side, torch.<name> on PyTorch's."""
    name: str

    def resolve(self, side):
        return getattr(gg if side.lib == "gg" else side.torch, self.name)


@dataclass
class Case:
    """One call: args and kwargs with specs in them (any nesting of lists and tuples)."""
    args: tuple
    kwargs: dict = field(default_factory=dict)
    label: str = ""
    grad: bool = True            # compare gradients (and jvp, second order) of float leaves
    jvp: bool = True
    second: bool = True
    tol: tuple = None            # (rtol, atol) for float64 values and derivatives
    exact_indices: bool = True   # integer outputs must match exactly

    def name(self):
        if self.label:
            return self.label
        parts = [_describe(a) for a in self.args]
        parts += [f"{k}={_describe(v)}" for k, v in self.kwargs.items()]
        return ", ".join(parts)


def C(*args, label="", grad=True, jvp=True, second=True, tol=None, exact_indices=True,
      **kwargs):
    return Case(args, kwargs, label, grad, jvp, second, tol, exact_indices)


def _describe(a):
    if isinstance(a, Spec):
        if a.values is not None:
            return f"A{np.asarray(a.values).tolist()}"
        s = {"f": "F", "i": "I", "b": "B"}[a.kind] + str(tuple(a.shape)).replace(" ", "")
        if a.dtype is not None:
            s += f":{np.dtype(a.dtype).name}"
        return s + (f"/{a.view}" if a.view else "")
    if isinstance(a, D):
        return a.name
    if isinstance(a, (list, tuple)):
        inner = ",".join(_describe(x) for x in a)
        return f"[{inner}]" if isinstance(a, list) else f"({inner})"
    return repr(a)


def _specs(obj):
    if isinstance(obj, Spec):
        yield obj
    elif isinstance(obj, (list, tuple)):
        for x in obj:
            yield from _specs(x)
    elif isinstance(obj, dict):
        for x in obj.values():
            yield from _specs(x)


def float_dtypes(case):
    """The float dtypes a case runs in: both where some float spec follows the run."""
    if any(s.floating and s.dtype is None for s in _specs((case.args, case.kwargs))):
        return (np.float64, np.float32)
    return (np.float64,)


@dataclass
class Entry:
    """A public name, the graphgrad callable and its torch counterpart (a function of the torch
    module), and its cases. values=False compares shape and dtype only (random sampling)."""
    name: str
    ours: object
    theirs: object
    cases: list
    values: bool = True
    same_name: bool = False      # gg.<name> against torch.<name>: the method form exists too


def torch_function(path):
    """torch.<path> (dots allowed: 'linalg.vector_norm') as a function of the torch module."""
    def theirs(torch, *args, **kwargs):
        f = torch
        for part in path.split("."):
            f = getattr(f, part)
        return f(*args, **kwargs)
    return theirs


def same(name, cases, torch_name=None, **options):
    """The entry comparing gg.<name> with torch.<torch_name or name>."""
    return Entry(f"gg.{name}", getattr(gg, name), torch_function(torch_name or name), cases,
                 same_name=torch_name is None, **options)


def call_method(name):
    """x.<name>(*args, **kwargs), the same in both libraries."""
    return lambda x, *args, **kwargs: getattr(x, name)(*args, **kwargs)


def method(name, cases, **options):
    """The entry comparing Tensor.<name> with torch.Tensor.<name>."""
    m = call_method(name)
    return Entry(f"Tensor.{name}", m, lambda torch, *a, **k: m(*a, **k), cases, **options)


def compare_with(name, ours, theirs, cases, **options):
    """An entry whose two sides are written out: ours(*args), theirs(torch, *args)."""
    return Entry(name, ours, theirs, cases, **options)
