"""One conformance case run in graphgrad and in PyTorch, and everything that comes out compared:
whether each raises, the type and structure of the result (named tuples, Python numbers, Size),
each tensor's shape, dtype, values and requires_grad, whether it shares an operand's memory
(a view) and whether it is C-contiguous, the gradient of every float input after a
backward pass with the same random seed, the forward-mode tangent (gg.jvp against
torch.func.jvp) and, in float64, the second-order term (a Hessian-vector product: gradients of
⟨∂L/∂x, w⟩ with create_graph=True). The torch module is passed in, so that importing this
module never imports torch (tests/conftest.py explains why).

A case lists its operands as specs (F, I, B, A in conformance_specs.py) and plain Python
values. Every case with a float spec of no fixed dtype runs twice, in float64 and in float32;
jvp and second order are compared in float64 only. conformance_compare.py compares results.
"""
import zlib
from dataclasses import dataclass

import numpy as np
from conformance_compare import (
    Mismatch,
    as_numpy,
    close,
    describe_error,
    diff,
    dtype_of,
    flat,
    is_size,
    structure_problems,
)
from conformance_specs import D, Spec, float_dtypes

import graphgrad as gg

TOL = {np.dtype(np.float64): (1e-9, 1e-11), np.dtype(np.float32): (1e-4, 1e-5)}
KINDS = ("raises", "accepts", "type", "shape", "dtype", "value", "requires_grad", "memory",
         "layout", "grad", "jvp", "second_order", "harness")
#: what is recorded but is no disagreement: PyTorch has no derivative to compare with
NOTES = ("torch_no_derivative", "torch_jvp_differs")


# ------------------------------------------------------------------------------ the two sides
class _Side:
    """How one library builds leaves and views from the prepared arrays."""

    def __init__(self, lib, torch):
        self.lib, self.torch = lib, torch

    def tensor(self, array, requires_grad):
        array = np.array(array)            # a copy: graphgrad keeps the array it is given
        if self.lib == "gg":
            return gg.tensor(array, requires_grad=requires_grad)
        return self.torch.tensor(array, requires_grad=requires_grad)

    @staticmethod
    def view(x, how):
        if how == "T":
            return x.transpose(-2, -1)
        if how == "step":
            return x[..., ::2]
        return x


class Prepared:
    """The arrays of one case in one float dtype, and the leaves and arguments built from them
    for either library."""

    def __init__(self, case, float_dtype, seed):
        rng = np.random.default_rng(seed)
        self.case, self.slots = case, []

        def walk(obj):
            if isinstance(obj, Spec):
                self.slots.append((obj, obj.array(rng, float_dtype)))
                return _Slot(len(self.slots) - 1)
            if isinstance(obj, list):
                return [walk(x) for x in obj]
            if isinstance(obj, tuple):
                return tuple(walk(x) for x in obj)
            if isinstance(obj, dict):
                return {k: walk(v) for k, v in obj.items()}
            return obj
        self.args, self.kwargs = walk(case.args), walk(case.kwargs)
        self.grad_slots = [i for i, (spec, _) in enumerate(self.slots)
                           if spec.is_leaf_with_grad and case.grad]

    def leaves(self, side):
        """One tensor per slot; float slots with grad require grad."""
        return [side.tensor(a, i in self.grad_slots) for i, (_, a) in enumerate(self.slots)]

    def call_args(self, side, tensors):
        def fill(obj):
            if isinstance(obj, _Slot):
                return side.view(tensors[obj.i], self.slots[obj.i][0].view)
            if isinstance(obj, D):
                return obj.resolve(side)
            if isinstance(obj, list):
                return [fill(x) for x in obj]
            if isinstance(obj, tuple):
                return tuple(fill(x) for x in obj)
            if isinstance(obj, dict):
                return {k: fill(v) for k, v in obj.items()}
            return obj
        return fill(self.args), fill(self.kwargs)


@dataclass
class _Slot:
    i: int


class Runner:
    """Runs the cases of entries and collects mismatches."""

    def __init__(self, torch):
        self.torch = torch
        self.gg_side, self.torch_side = _Side("gg", torch), _Side("torch", torch)

    def run_entry(self, entry):
        found = []
        for k, case in enumerate(entry.cases):
            for dtype in float_dtypes(case):
                seed = zlib.crc32(f"{entry.name}/{k}".encode())
                found += self.run_case(entry, case, np.dtype(dtype), seed)
        return found

    def run_case(self, entry, case, dtype, seed):
        torch, label, dname = self.torch, case.name(), dtype.name
        miss = []

        def add(kind, detail):
            miss.append(Mismatch(kind, label, dname, detail))
        prep = Prepared(case, dtype, seed)
        leaves_g, leaves_t = prep.leaves(self.gg_side), prep.leaves(self.torch_side)
        error_g = error_t = None
        try:
            args, kwargs = prep.call_args(self.torch_side, leaves_t)
            out_t = entry.theirs(torch, *args, **kwargs)
        except Exception as e:                                    # noqa: BLE001
            error_t = e
        try:
            args, kwargs = prep.call_args(self.gg_side, leaves_g)
            out_g = entry.ours(*args, **kwargs)
        except Exception as e:                                    # noqa: BLE001
            error_g = e
        if error_t is not None or error_g is not None:
            if error_g is not None and error_t is None:
                add("raises", f"torch returns; ours: {describe_error(error_g)}")
            elif error_t is not None and error_g is None:
                add("accepts", f"torch: {describe_error(error_t)}; ours returns")
            return miss
        problems = structure_problems(out_g, out_t, torch)
        if problems:
            add("type", "; ".join(problems))
            return miss
        fo, ft = flat(out_g), flat(out_t)
        rtol, atol = self._tol(case, dtype, prep)
        differentiable = []
        for i, (a, b) in enumerate(zip(fo, ft)):
            if isinstance(b, np.ndarray):
                if entry.values and (a.dtype != b.dtype or not close(a, b, rtol, atol)):
                    add("value", f"out[{i}]: ours {a.dtype}{a.shape} {a!r}, torch "
                                 f"{b.dtype}{b.shape} {b!r}")
                continue
            if not isinstance(b, torch.Tensor):
                if not is_size(b) and b is not None and entry.values and a != b and \
                        not (isinstance(b, float) and np.isclose(a, b, rtol, atol)):
                    add("value", f"out[{i}]: ours {a!r}, torch {b!r}")
                continue
            da, db = dtype_of(a, torch), dtype_of(b, torch)
            if tuple(a.shape) != tuple(b.shape):
                add("shape", f"out[{i}]: ours {tuple(a.shape)}, torch {tuple(b.shape)}")
                continue
            self._memory(i, a, b, leaves_g, leaves_t, add)
            if da != db:
                add("dtype", f"out[{i}]: ours {da}, torch {db}")
            elif entry.values and (case.exact_indices or db.kind == "f") and \
                    not close(as_numpy(a, torch), as_numpy(b, torch),
                               *(TOL.get(db, (rtol, atol)) if db != dtype else (rtol, atol))):
                add("value", f"out[{i}]: {diff(as_numpy(a, torch), as_numpy(b, torch))}")
            if bool(a.requires_grad) != bool(b.requires_grad):
                add("requires_grad", f"out[{i}]: ours {a.requires_grad}, torch "
                                     f"{b.requires_grad}")
            elif b.requires_grad and db.kind == "f":
                differentiable.append(i)
        if miss or not prep.grad_slots or not differentiable or not entry.values:
            return miss
        rng = np.random.default_rng(seed + 1)
        cots = [rng.normal(size=tuple(ft[i].shape)).astype(dtype_of(ft[i], torch))
                for i in differentiable]
        if self._backward(prep, fo, ft, differentiable, cots, leaves_g, leaves_t, rtol, atol,
                          add) is False:
            return miss
        if dtype == np.float64 and case.jvp:
            self._jvp(entry, prep, differentiable, rng, rtol, atol, add)
        if dtype == np.float64 and case.second:
            self._second(entry, prep, differentiable, cots, rng, rtol, atol, add)
        return miss

    @staticmethod
    def _memory(i, a, b, leaves_g, leaves_t, add):
        """Whether the result is a view of an operand (changing one in place changes the
        other) and whether it is C-contiguous (so that .view() works), as in PyTorch."""
        if not isinstance(a, gg.Tensor) or not b.numel():
            return
        ours = any(np.shares_memory(a.array, leaf.array) for leaf in leaves_g)
        storage = b.untyped_storage().data_ptr()
        theirs = any(leaf.numel() and leaf.untyped_storage().data_ptr() == storage
                     for leaf in leaves_t)
        if ours != theirs:
            add("memory", f"out[{i}]: ours {'shares' if ours else 'new'}, torch "
                          f"{'shares' if theirs else 'new'}")
        if a.is_contiguous() != b.is_contiguous():
            add("layout", f"out[{i}]: ours strides {a.stride()}, torch {b.stride()}")

    @staticmethod
    def _tol(case, dtype, prep):
        """(rtol, atol) for the least precise float operand of the run."""
        if any(a.dtype == np.float32 for _, a in prep.slots):
            return TOL[np.dtype(np.float32)]
        if case.tol is not None:
            return case.tol
        return TOL[dtype]

    def _backward(self, prep, fo, ft, idx, cots, leaves_g, leaves_t, rtol, atol, add):
        torch = self.torch
        try:
            torch.autograd.backward([ft[i] for i in idx], [torch.tensor(c) for c in cots])
        except Exception as e:                                    # noqa: BLE001
            add("torch_no_derivative", f"torch backward: {describe_error(e)}")
            return False
        try:
            gg.autograd.backward([fo[i] for i in idx], [gg.tensor(c) for c in cots])
        except Exception as e:                                    # noqa: BLE001
            add("grad", f"ours raises in backward: {describe_error(e)}")
            return
        for s in prep.grad_slots:
            a, b = leaves_g[s].grad, leaves_t[s].grad
            if b is None and a is None:
                continue
            if b is None or a is None:
                other = a if b is None else b
                if not np.any(as_numpy(other, torch)):
                    continue                 # None against zeros: the same gradient
                add("grad", f"input {s}: ours {a}, torch {b}")
                continue
            a_np, b_np = as_numpy(a, torch), as_numpy(b, torch)
            if a_np.dtype != b_np.dtype or a_np.shape != b_np.shape:
                add("grad", f"input {s}: ours {a_np.dtype}{a_np.shape}, torch "
                            f"{b_np.dtype}{b_np.shape}")
            elif not close(a_np, b_np, rtol, atol):
                add("grad", f"input {s}: {diff(a_np, b_np)}")

    def _functions(self, entry, prep, idx):
        """f_gg and f_torch of the float leaves, returning the differentiable outputs."""
        torch, slots = self.torch, prep.grad_slots
        base_g = prep.leaves(self.gg_side)
        base_t = prep.leaves(self.torch_side)

        def make(side, base, call):
            def f(*xs):
                tensors = list(base)
                for s, x in zip(slots, xs):
                    tensors[s] = x
                args, kwargs = prep.call_args(side, tensors)
                out = flat(call(*args, **kwargs))
                return tuple(out[i] for i in idx)
            return f
        fg = make(self.gg_side, [t.detach() for t in base_g], entry.ours)
        ft = make(self.torch_side, [t.detach() for t in base_t],
                  lambda *a, **k: entry.theirs(torch, *a, **k))
        primals = [prep.slots[s][1] for s in slots]
        return fg, ft, primals

    def _jvp(self, entry, prep, idx, rng, rtol, atol, add):
        torch = self.torch
        fg, ft, primals = self._functions(entry, prep, idx)
        tangents = [rng.normal(size=p.shape).astype(p.dtype) for p in primals]
        tp = [torch.tensor(p) for p in primals]
        tt = [torch.tensor(t) for t in tangents]
        try:
            _, want = torch.func.jvp(ft, tuple(tp), tuple(tt))
        except Exception:                                         # noqa: BLE001
            try:                       # torch without a forward rule: double backward instead
                _, want = torch.autograd.functional.jvp(ft, tuple(tp), tuple(tt))
            except Exception as e:                                # noqa: BLE001
                add("harness", f"torch has no jvp here: {describe_error(e)}")
                return
        try:
            _, got = gg.jvp(fg, [gg.tensor(p) for p in primals],
                            [gg.tensor(t) for t in tangents])
        except Exception as e:                                    # noqa: BLE001
            add("jvp", f"ours raises: {describe_error(e)}")
            return
        second = None
        for i, (a, b) in enumerate(zip(got, want)):
            a_np, b_np = as_numpy(a, torch), as_numpy(b, torch)
            if a_np.shape != b_np.shape or not close(a_np, b_np, rtol, atol):
                # a second opinion: J·t by PyTorch's double backward (its forward-mode rules
                # have bugs of their own, e.g. scatter_reduce 'prod' gives 0)
                if second is None:
                    try:
                        _, second = torch.autograd.functional.jvp(ft, tuple(tp), tuple(tt))
                        second = second if isinstance(second, tuple) else (second,)
                    except Exception:                             # noqa: BLE001
                        second = ()
                if i < len(second) and close(a_np, as_numpy(second[i], torch), rtol, atol):
                    add("torch_jvp_differs", f"out[{idx[i]}]: torch.func.jvp "
                        f"{diff(a_np, b_np)}; ours agrees with torch's double backward")
                else:
                    add("jvp", f"out[{idx[i]}]: {diff(a_np, b_np)}")

    def _second(self, entry, prep, idx, cots, rng, rtol, atol, add):
        torch = self.torch
        fg, ft, primals = self._functions(entry, prep, idx)
        ws = [rng.normal(size=p.shape).astype(p.dtype) for p in primals]

        def hvp(lib, f, make, grad):
            xs = [make(p) for p in primals]
            outs = f(*xs)
            gs = grad(list(outs), xs, [make(c, False) for c in cots], True)
            terms = [(g * make(w, False)).sum() for g, w in zip(gs, ws)
                     if g is not None and g.requires_grad]
            if not terms:
                return [None] * len(xs)
            total = terms[0]
            for t in terms[1:]:
                total = total + t
            return grad([total], xs, None, False)
        try:
            want = hvp("torch", ft, lambda a, rg=True: torch.tensor(a, requires_grad=rg),
                       lambda o, x, g, c: torch.autograd.grad(o, x, g, create_graph=c,
                                                              allow_unused=True))
        except Exception as e:                                    # noqa: BLE001
            add("harness", f"torch double backward: {describe_error(e)}")
            return
        try:
            got = hvp("gg", fg, lambda a, rg=True: gg.tensor(np.array(a), requires_grad=rg),
                      lambda o, x, g, c: gg.gradients(o, x, g, create_graph=c,
                                                      allow_unused=True))
        except Exception as e:                                    # noqa: BLE001
            add("second_order", f"ours raises: {describe_error(e)}")
            return
        for i, (a, b) in enumerate(zip(got, want)):
            a_np = np.zeros(primals[i].shape) if a is None else as_numpy(a, torch)
            b_np = np.zeros(primals[i].shape) if b is None else as_numpy(b, torch)
            if not close(a_np, b_np, rtol * 10, atol * 10):
                add("second_order", f"input {prep.grad_slots[i]}: {diff(a_np, b_np)}")
