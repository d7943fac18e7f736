"""The conformance table: every public operation of graphgrad with its PyTorch counterpart and
sample inputs, the names that are excluded (each with its reason), and the differences from
PyTorch that are known and kept (each with its reason).

The public operations are every callable in graphgrad.ops.__all__, every gg.* function that
torch also has at top level, and every Tensor method or attribute that torch.Tensor also has.
"""
import conformance_convolution
import conformance_elementwise
import conformance_pooling
import conformance_reductions
import conformance_shapes
import conformance_tensor
from conformance_harness import NOTES, Runner
from conformance_specs import Entry, call_method

import graphgrad as gg
import graphgrad.ops as ops

_GRAD_API = "autograd API, not an operation (tests/test_hooks_and_inplace.py, test_tensor_api.py)"
_OBJECT = "Python object protocol, not an operation"
_DTYPES = "a dtype object: NumPy's dtypes by design (tests/test_devices_dtypes.py)"
_GRAD_MODE = "grad-mode switch, not an operation (tests/test_autodiff.py, autograd tests)"
_RNG = "random-number state: NumPy's generator by design, its streams differ from PyTorch's"

#: public names that get no entry, and why
EXCLUDED = {
    **{f"gg.{n}": _DTYPES for n in (
        "bool", "double", "float", "float16", "float32", "float64", "half", "int", "int16",
        "int32", "int64", "int8", "long", "short", "uint8")},
    **{f"gg.{n}": _GRAD_MODE for n in ("enable_grad", "no_grad", "inference_mode",
                                       "set_grad_enabled")},
    **{f"gg.{n}": _RNG for n in ("manual_seed", "seed", "initial_seed", "Generator")},
    "gg.Tensor": "the class; its methods have entries (Tensor.*)",
    "gg.Size": "the shape class (a tuple), compared wherever a shape is returned (Tensor.size)",
    "gg.device": "the device class; Tensor.device and to('cpu') have entries",
    "gg.get_default_dtype": _DTYPES,
    "gg.set_default_dtype": "process-wide state (tests/test_devices_dtypes.py), not an operation",
    **{f"gg.{n}": "process-wide BLAS threads, not an operation (tests/ops/"
       "test_torch_leftovers.py)" for n in ("set_num_threads", "get_num_threads")},
    **{f"gg.{n}": "serialization in graphgrad's own formats (safetensors, .npz; never pickle): "
       "tests/test_io.py" for n in ("save", "load")},
    "gg.compile": "records a function once and replays it (torch.compile's role, not its "
                  "semantics of guards): tests/compile compare it with eager graphgrad",
    **{f"Tensor.{n}": _GRAD_API for n in (
        "backward", "grad", "grad_fn", "is_leaf", "requires_grad", "register_hook",
        "retain_grad", "retains_grad", "data")},
    "Tensor.name": "graphgrad's label for the graph view (PyTorch's is a named-tensor name)",
    **{f"Tensor.{n}": _OBJECT for n in ("__doc__", "__hash__", "__init__", "__module__",
                                        "__weakref__", "__array_priority__")},
    "Tensor.__repr__": "printing: PyTorch's layout, NumPy's dtype names (dtype=float64)",
}

#: differences from PyTorch found by the table and kept: (entry, kind, part of the case label or
#: '' for every case) → reason. A listed difference must still occur (the test says when it is
#: gone, so that the list stays true).
KNOWN = {}


def _add_known(names, kind, label, reason, methods=True):
    for name in names:
        KNOWN[(f"gg.{name}", kind, label)] = reason
        if methods:
            KNOWN[(f"Tensor.{name}", kind, label)] = reason


# --- graphgrad takes more than PyTorch (no error where PyTorch raises) ---------------------
_add_known(["maximum", "minimum", "atan2", "arctan2", "hypot", "logaddexp", "logaddexp2"],
       "accepts", ", 1.5", "a Python number is taken as a 0-d tensor where torch wants a Tensor")
_add_known(["maximum", "minimum", "atan2", "arctan2", "hypot", "logaddexp", "logaddexp2"],
       "accepts", ", 2", "a Python number is taken as a 0-d tensor where torch wants a Tensor")
_add_known(["maximum", "minimum", "atan2", "arctan2", "hypot", "logaddexp", "logaddexp2"],
       "accepts", ", 0.5", "a Python number is taken as a 0-d tensor where torch wants a Tensor")
_add_known(["addcmul", "addcdiv"], "accepts", "F(3,), 2.0",
           "a Python number is taken as a 0-d tensor where torch wants a Tensor")
_add_known(["logical_and", "logical_or", "logical_xor"], "accepts", ", 0.5",
       "a Python number is taken as a 0-d tensor")
_add_known(["logical_and", "logical_or", "logical_xor"], "accepts", ", 2",
       "a Python number is taken as a 0-d tensor")
_add_known(["frac"], "accepts", "I(2,3)", "torch's CPU kernel has no int64 frac; ours gives 0s")
KNOWN[("Tensor.frac_", "accepts", "I(3,)")] = "as frac: torch's CPU kernel has no int64 frac_"
_add_known(["hypot", "logaddexp", "logaddexp2"], "accepts", "I(2,3), I(3,)",
       "torch's CPU kernels have no int64 version; ours computes in the default float")
_add_known(["softmax"], "accepts", "I(3,4), 1", "torch's CPU kernel has no int64 softmax; ours "
       "computes in float")
KNOWN.update({
    ("gg.reshape", "accepts", "F(2,3), 6"): "torch.reshape wants a tuple; ours also takes "
    "Tensor.reshape's spellings (an int, varargs)",
    ("gg.permute", "accepts", "F(2,3,4), 1, 2, 0"): "the method's varargs, in the function too",
    ("gg.flip", "accepts", ", 0"): "torch.flip wants a tuple of dims; ours takes an int too",
    ("gg.flip", "accepts", "F(0,3), 1"): "torch.flip wants a tuple of dims; ours takes an int",
    ("gg.getitem", "accepts", "negative step"): "NumPy's negative slice steps are allowed "
    "(torch: 'step must be greater than zero')",
    ("gg.where", "accepts", "float condition"): "a non-bool condition is read as != 0 (NumPy); "
    "torch wants a bool tensor",
    ("gg.arange", "accepts", "-3"): "arange(-3) is empty (NumPy); torch raises 'upper bound "
    "and lower bound inconsistent with step sign' (creation.py, not an op: reported)",
    ("Tensor.repeat_interleave", "accepts", "A[1, 2, 3]"): "the function's one-argument form "
    "(repeats only) works as a method too",
})

# --- PyTorch's quirks, where ours is the exact value ------------------------------------------
_add_known(["sort"], "layout", "/T", "sorted along a dim of a transposed tensor, the "
           "result is C-contiguous; PyTorch's keeps the operand's layout")
_add_known(["erfc"], "layout", "F(3,4)/T", "float32 is computed through float64 (the accuracy of "
           "erfc's tail), so the result is C-contiguous; PyTorch's keeps a transposed operand's "
           "layout")
KNOWN[("gg.identity", "memory", "")] = ("graphgrad's own operation: x itself as a new node (what "
                                         "the transforms watch), not a copy")
KNOWN[("Tensor.__rtruediv__", "value", "I(2,3), F(3,)")] = (
    "torch computes int_tensor.__rtruediv__(float64) as reciprocal (in float32) × other, "
    "so it is off by ~1e-8; ours divides in float64")

_add_known(["take_along_dim"], "raises", "A[[0, 4]], 1", "an index out of range: torch's CPU "
           "kernel reads without a bounds check where it broadcasts the indices (it returned "
           "column 0); ours raises IndexError")

# --- deliberate differences at degenerate points ----------------------------------------------
_add_known(["var"], "second_order", "F()", "var of one element with correction 1: both give NaN "
       "and NaN gradients; torch's gradient is then a constant (second order reads 0), ours NaN")
_add_known(["var_mean"], "second_order", "F()", "as var", methods=False)
_add_known(["norm"], "second_order", "zero row", "the 2-norm's gradient at 0 is 0 (as torch's); "
       "its derivative there is 0 in ours, NaN in torch's")
_add_known(["vector_norm"], "second_order", "zero row", "as norm", methods=False)


def function_entries():
    return (conformance_elementwise.entries() + conformance_reductions.entries()
            + conformance_shapes.entries() + conformance_convolution.entries()
            + conformance_pooling.entries())


#: Tensor methods whose arguments differ from the function's: an entry of their own
#: (Tensor.where(condition, other) is where(condition, self, other))
OWN_METHOD_ENTRY = {"where"}


def methods_from(entries):
    """Tensor.<name> entries from the gg.<name> entries compared with torch.<name> where
    graphgrad's Tensor has the method too: the cases whose first operand is a tensor, called as
    methods (test_conformance checks that torch.Tensor has each of them)."""
    out = []
    for e in entries:
        name = e.name[3:]
        if not e.same_name or not hasattr(gg.Tensor, name) or name in OWN_METHOD_ENTRY:
            continue
        cases = [c for c in e.cases if c.args and type(c.args[0]).__name__ == "Spec"]
        m = call_method(name)
        out.append(Entry(f"Tensor.{name}", m, lambda torch, *a, m=m, **k: m(*a, **k), cases,
                         e.values))
    return out


def all_entries():
    functions = function_entries()
    tensor = conformance_tensor.entries()
    return functions + tensor + methods_from(functions)


def public_names(torch):
    """The names that must have an entry or an exclusion."""
    names = {f"gg.{n}" for n in ops.__all__}
    # torch's names asked of gg: that also finds what gg loads lazily (save, load, trace)
    names |= {f"gg.{n}" for n in dir(torch) if not n.startswith("_")
              and hasattr(gg, n) and callable(getattr(gg, n))}
    own = set()
    for klass in gg.Tensor.__mro__[:-1]:
        own |= set(vars(klass))
    names |= {f"Tensor.{n}" for n in dir(gg.Tensor) if hasattr(torch.Tensor, n)
              and (not n.startswith("_") or (n.startswith("__") and n in own))}
    return names


def known(entry_name, mismatch):
    """The KNOWN key that explains a mismatch of this entry, or None."""
    for name, kind, label in KNOWN:
        if name == entry_name and kind == mismatch.kind and label in mismatch.case:
            return (name, kind, label)
    return None


def summary(torch):
    """A few lines: the entries, how many agree fully (no difference in any case), and the
    cases that differ by kind, known (listed in KNOWN) and unexplained."""
    runner, kinds, known_kinds, full = Runner(torch), {}, {}, 0
    entries = all_entries()
    for entry in entries:
        found = [m for m in runner.run_entry(entry) if m.kind not in NOTES]
        full += not found
        for m in found:
            counter = known_kinds if known(entry.name, m) else kinds
            counter[m.kind] = counter.get(m.kind, 0) + 1
    return (f"conformance table: {len(entries)} entries, {full} agree fully in every case;\n"
            f"  cases that differ, known (KNOWN): {known_kinds}\n"
            f"  cases that differ, unexplained: {kinds}")
