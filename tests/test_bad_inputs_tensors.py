"""A catalogue of bad inputs for tensors and the autodiff API: each raises exactly the error type
listed (or a private subclass that also belongs to PyTorch's exception family), with a message
that names the operation and the shapes or dtypes involved. Then the cases that need more than
one line: data that is not numbers (PyTorch's exception families), integer tangents (as
torch.func.jvp), the Hessian of a non-scalar function (as torch.func.hessian), writes through
.data (PyTorch's escape hatch), and gg.hessian leaving no reference cycles."""
import gc
import warnings

import numpy as np
import pytest

import graphgrad as gg
from graphgrad.nn import functional as F


def _leaf(*shape, dtype=np.float32):
    return gg.tensor(np.arange(1, int(np.prod(shape)) + 1, dtype=dtype).reshape(shape),
                     requires_grad=True)


def _freed():
    x = _leaf(2)
    y = (x * x).sum()
    y.backward()
    y.backward()


def _inplace_after_save():
    x = _leaf(2)
    h = x * 1.0
    y = (h * h).sum()
    h.mul_(2)
    y.backward()


def _anomaly():
    with gg.autograd.detect_anomaly():
        x = gg.tensor([0.0, 1.0], requires_grad=True)
        (gg.sqrt(x) * 0.0).sum().backward()    # 0.5 · 0 / sqrt(0) = NaN


def _integer_leaf_in_backward():
    x = gg.tensor([1, 2], requires_grad=True)
    (x * 2).sum().backward()


A, B = (2, 3), (4, 5)
a, b = gg.ones(*A), gg.ones(*B)
x2 = _leaf(2)

#: (id, call, error class, fragments the message must contain: the operation, shapes, dtypes)
CASES = [
    # ---------------------------------------------------------------- data that makes no tensor
    ("tensor_of_strings", lambda: gg.tensor(["a", "b"]), gg.DtypeError, ["tensor", "<U1"]),
    ("tensor_of_object_array", lambda: gg.tensor(np.array([1, "a"], dtype=object)),
     gg.DtypeError, ["tensor", "object", "str"]),
    ("tensor_of_none", lambda: gg.tensor([1.0, None]), gg.DtypeError,
     ["tensor", "object", "NoneType"]),
    ("Tensor_of_string_array", lambda: gg.Tensor(np.array(["x", "yz"])), gg.DtypeError,
     ["Tensor", "<U2"]),
    ("as_tensor_of_bytes", lambda: gg.as_tensor(np.array([b"ab"])), gg.DtypeError,
     ["as_tensor", "|S2"]),
    ("from_numpy_of_dates", lambda: gg.from_numpy(np.array(["2020-01-01"], "datetime64[D]")),
     gg.DtypeError, ["from_numpy", "datetime64[D]"]),
    ("from_numpy_of_records", lambda: gg.from_numpy(np.zeros(2, [("v", "<f4")])),
     gg.DtypeError, ["from_numpy", "[('v', '<f4')]"]),
    ("from_numpy_of_a_list", lambda: gg.from_numpy([1.0, 2.0]), TypeError,
     ["from_numpy", "np.ndarray", "list"]),
    ("tensor_of_a_dict", lambda: gg.tensor({"a": 1}), gg.DtypeError, ["tensor", "dict"]),
    ("ragged_nested_list", lambda: gg.tensor([[1.0, 2.0], [3.0]]), gg.ShapeError,
     ["tensor", "list", "inhomogeneous", "(2,)"]),
    ("strings_to_float", lambda: gg.tensor(["a"], dtype=np.float32), gg.DtypeError,
     ["tensor", "list", "could not convert string to float: 'a'"]),
    ("not_a_dtype", lambda: gg.tensor([1.0], dtype="nonsense"), gg.DtypeError,
     ["tensor", "dtype='nonsense'"]),
    ("integer_requires_grad", lambda: gg.tensor([1, 2], requires_grad=True), gg.DtypeError,
     ["requires_grad", "int64"]),
    ("bool_requires_grad_", lambda: gg.tensor([True]).requires_grad_(), gg.DtypeError,
     ["requires_grad", "bool"]),
    # ---------------------------------------------------------------- shapes of binary ops
    *[(f"shapes_{name}", (lambda f=f: f(a, b)), gg.ShapeError, [name, str(A), str(B)])
      for name, f in [("add", gg.add), ("sub", gg.sub), ("mul", gg.mul), ("div", gg.div),
                      ("pow", gg.pow), ("maximum", gg.maximum), ("atan2", gg.atan2),
                      ("hypot", gg.hypot), ("remainder", gg.remainder),
                      ("xlogy", gg.xlogy), ("logaddexp", gg.logaddexp),
                      ("matmul", gg.matmul), ("mm", gg.mm), ("bmm", gg.bmm), ("dot", gg.dot),
                      ("mv", gg.mv), ("outer", gg.outer), ("cross", gg.cross),
                      ("mse_loss", F.mse_loss),
                      ("binary_cross_entropy_with_logits", F.binary_cross_entropy_with_logits)]],
    ("shapes_where", lambda: gg.where(a > 0, a, b), gg.ShapeError, ["where", str(A), str(B)]),
    ("shapes_clamp", lambda: gg.clamp(a, b), gg.ShapeError, ["clip", str(A), str(B)]),
    ("shapes_linear", lambda: F.linear(a, b), gg.ShapeError, ["linear", str(A), str(B)]),
    ("shapes_einsum", lambda: gg.einsum("ij,ij->", a, b), gg.ShapeError,
     ["einsum", str(A), str(B)]),
    ("shapes_cat", lambda: gg.cat([a, b]), gg.ShapeError, ["cat", "[2, 3]", "[4, 5]"]),
    ("shapes_stack", lambda: gg.stack([a, b]), gg.ShapeError, ["stack", "[2, 3]", "[4, 5]"]),
    ("shapes_masked_fill", lambda: a.masked_fill(b > 0, 0.0), gg.ShapeError,
     ["masked_fill", "[2, 3]", "[4, 5]"]),
    ("shapes_in_place_add", lambda: gg.ones(*A).add_(b), gg.InplaceError,
     ["in-place add", str(A), str(B)]),
    ("shapes_reshape", lambda: a.reshape(4, 5), gg.ShapeError, ["reshape", "[4, 5]", "size 6"]),
    ("shapes_cross_entropy", lambda: F.cross_entropy(a, gg.tensor([0, 1, 2])), gg.ShapeError,
     ["cross_entropy", "(3,)", str(A)]),
    # ---------------------------------------------------------------- backward
    ("backward_through_freed_graph", _freed, gg.FreedGraphError,
     ["backward", "second time", "'sum'", "retain_graph=True"]),
    ("backward_of_non_scalar", lambda: (x2 * 2).backward(), gg.GradientError,
     ["backward", "scalar outputs", "(2,)"]),
    ("backward_gradient_shape", lambda: (x2 * 2).backward(gg.ones(3)), gg.ShapeError,
     ["backward", "(3,)", "(2,)"]),
    ("backward_without_grad", lambda: gg.ones(2).sum().backward(), gg.GradientError,
     ["backward", "does not require grad"]),
    ("backward_integer_leaf", _integer_leaf_in_backward, gg.DtypeError,
     ["requires_grad", "int64"]),
    ("in_place_change_of_a_saved_tensor", _inplace_after_save, gg.InplaceError,
     ["backward of 'mul'", "modified in place", "version 1"]),
    # PyTorch's words; they name neither the method nor the shape (see the report)
    ("in_place_on_a_leaf", lambda: _leaf(2).add_(1), gg.InplaceError,
     ["leaf Variable that requires grad", "in-place operation"]),
    ("nan_under_detect_anomaly", _anomaly, gg.AnomalyError, ["'sqrt'", "(2,)", "NaN"]),
    ("gradients_of_unused_input", lambda: gg.gradients((x2 * 2).sum(), _leaf(3)),
     gg.GradientError, ["gradients", "index 0", "(3,)"]),
    ("vjp_cotangent_shape", lambda: gg.vjp(gg.sin, x2)[1](gg.ones(3)), gg.ShapeError,
     ["vjp", "(3,)", "(2,)"]),
    # ---------------------------------------------------------------- transforms
    ("grad_of_non_tensor", lambda: gg.grad(lambda v: 1.0)(x2), gg.GradientError,
     ["grad", "float"]),
    ("grad_of_non_scalar", lambda: gg.grad(gg.sin)(x2), gg.GradientError, ["grad", "(2,)"]),
    ("grad_of_integer_input", lambda: gg.grad(lambda v: v.sum())(gg.tensor([1, 2])),
     gg.DtypeError, ["grad", "int64"]),
    ("grad_argnums_out_of_range", lambda: gg.grad(gg.sin, argnums=2)(x2), ValueError,
     ["grad", "argnums 2", "1 arguments"]),
    ("jvp_tangent_shape", lambda: gg.jvp(gg.sin, (x2,), (gg.ones(3),)), gg.ShapeError,
     ["jvp", "(3,)", "(2,)"]),
    ("jvp_integer_tangent", lambda: gg.jvp(gg.sin, (x2,), (gg.tensor([1, 2]),)), gg.DtypeError,
     ["jvp", "int64", "float32"]),
    ("jvp_integer_primal", lambda: gg.jvp(gg.sin, (gg.tensor([1, 2]),), (gg.ones(2),)),
     gg.DtypeError, ["jvp", "int64"]),
    ("jvp_string_tangent", lambda: gg.jvp(gg.sin, (x2,), (["a", "b"],)), gg.DtypeError,
     ["jvp", "<U1"]),
    ("jvp_count", lambda: gg.jvp(gg.sin, (x2,), ()), ValueError, ["jvp", "1 primals", "0 tan"]),
    ("jvp_of_non_tensor", lambda: gg.jvp(lambda v: 1.0, (x2,), (gg.ones(2),)), TypeError,
     ["jvp", "float"]),
    ("hessian_of_non_tensor", lambda: gg.hessian(lambda v: 3.0)(x2), TypeError,
     ["hessian", "float"]),
    ("hessian_of_integer_input", lambda: gg.hessian(lambda v: v.sum())(gg.tensor([1, 2])),
     gg.DtypeError, ["hessian", "int64"]),
    ("jacobian_mode", lambda: gg.jacobian(gg.sin, x2, mode="sideways"), ValueError,
     ["jacobian", "'sideways'"]),
    # ---------------------------------------------------------------- lists and conversions
    ("list_of_tensors_to_sum", lambda: gg.sum([x2, x2]), TypeError, ["sum", "list or tuple"]),
    ("list_of_tensors_to_exp", lambda: gg.exp([x2]), TypeError, ["exp", "list or tuple"]),
    ("list_of_tensors_to_add", lambda: gg.add([x2, x2], 1.0), TypeError,
     ["add", "list or tuple"]),
    ("list_of_tensors_to_tensor", lambda: gg.tensor([x2, x2]), TypeError,
     ["tensor", "list or tuple"]),
    ("item_of_several", lambda: x2.item(), ValueError, ["item()", "2 elements", "(2,)"]),
    ("numpy_of_requires_grad", lambda: x2.numpy(), RuntimeError, ["numpy()", "detach()"]),
]


def _is_exactly(error, cls):
    """The error is of class cls itself, or of a private subclass that adds PyTorch's family."""
    kind = type(error)
    return kind is cls or kind.__name__.startswith("_") and cls in kind.__mro__


def test_the_catalogue_is_long_enough():
    assert len(CASES) >= 30
    assert len({case[0] for case in CASES}) == len(CASES)


@pytest.mark.parametrize("call, cls, fragments", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_input_raises_a_clear_error(call, cls, fragments):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(Exception) as info:
            call()
    assert _is_exactly(info.value, cls), (type(info.value).__mro__, cls)
    message = str(info.value)
    missing = [f for f in fragments if f not in message]
    assert not missing, f"{missing} not in: {message}"


# ------------------------------------------------------------------------------ not numbers
NOT_NUMBERS = {
    "str_array": lambda: np.array(["a", "b"]),
    "object_array": lambda: np.array([1, "a"], dtype=object),
    "numeric_object_array": lambda: np.array([1, 2], dtype=object),
    "bytes_array": lambda: np.array([b"ab"]),
    "datetime_array": lambda: np.array(["2020-01-01"], "datetime64[D]"),
    "timedelta_array": lambda: np.array([1], "timedelta64[s]"),
    "record_array": lambda: np.zeros(2, [("v", "<f4")]),
}


@pytest.mark.parametrize("make", NOT_NUMBERS.values(), ids=NOT_NUMBERS.keys())
def test_arrays_that_are_not_numbers_are_refused_in_pytorchs_family(make, torch):
    """PyTorch refuses every such ndarray with a TypeError ("can't convert np.ndarray of type
    numpy.object_"); ours is a DtypeError, a TypeError, by every entry point, naming it."""
    with pytest.raises(TypeError):
        torch.tensor(make())
    with pytest.raises(TypeError):
        torch.from_numpy(make())
    for who, entry in [("tensor", gg.tensor), ("Tensor", gg.Tensor),
                       ("as_tensor", gg.as_tensor), ("from_numpy", gg.from_numpy)]:
        array = make()
        with pytest.raises(gg.DtypeError) as info:
            entry(array)
        assert str(info.value).startswith(f"{who}: ") and str(array.dtype) in str(info.value)


def test_python_strings_are_refused_as_pytorch_and_numpy_refuse_them(torch):
    """torch.tensor(['a']) raises ValueError and torch.tensor(np.array(['a'])) TypeError: our
    error is both (a DtypeError that is also a ValueError), so either handler catches it."""
    with pytest.raises(ValueError):
        torch.tensor(["a", "b"])
    for data in (["a", "b"], "abc", [["x"], ["y"]], b"ab"):
        with pytest.raises(gg.DtypeError) as info:
            gg.tensor(data)
        assert isinstance(info.value, ValueError)


def test_python_objects_are_refused_where_pytorch_raises_runtime_error(torch):
    """PyTorch says "Could not infer dtype of NoneType" as a RuntimeError; graphgrad keeps its
    own family here (DtypeError, a TypeError and ValueError) and names the same type."""
    for data in ([None], None, [object()], {"a": 1}):
        with pytest.raises(RuntimeError, match="Could not infer dtype"):
            torch.tensor(data)
        with pytest.raises(gg.DtypeError, match="holding (NoneType|object|dict)"):
            gg.tensor(data)


def test_from_numpy_takes_only_ndarrays_as_pytorch(torch):
    for data in ([1.0, 2.0], 3.0, np.float64(1.0)):
        with pytest.raises(TypeError, match="expected np.ndarray"):
            torch.from_numpy(data)
        with pytest.raises(TypeError, match=r"from_numpy: expected np\.ndarray"):
            gg.from_numpy(data)
    a = np.arange(3.0)
    t = gg.from_numpy(a)
    a[0] = 7.0
    assert t.array is a and t.tolist() == [7.0, 1.0, 2.0]


def test_numbers_of_every_kind_still_make_tensors(torch):
    for dtype in ("bool", "int8", "uint8", "int16", "int32", "int64", "float16", "float32",
                  "float64", "complex64", "complex128"):
        array = np.ones(3, dtype)
        for entry in (gg.tensor, gg.as_tensor, gg.from_numpy):
            assert entry(array).dtype == np.dtype(dtype) == \
                np.dtype(str(torch.from_numpy(array).dtype).removeprefix("torch."))
        if array.dtype.kind != "c":     # (both cast complex to real with a warning)
            assert gg.Tensor(array).dtype == np.float32 and torch.Tensor(array).dtype == \
                torch.float32
    for data in ([1, 2], [1.5], [True, False]):
        assert gg.tensor(data).dtype == np.dtype(str(torch.tensor(data).dtype)[6:])


# ------------------------------------------------------------------------------ jvp tangents
def test_integer_and_bool_tangents_are_refused_as_by_torch_func_jvp(torch):
    """torch.func.jvp: ValueError "Expected tangent to be floating point or complex"; ours is a
    DtypeError that is also that ValueError, from gg.jvp and gg.func.jvp alike."""
    x = torch.tensor([1.0, 2.0])
    for bad in (torch.tensor([1, 2]), torch.tensor([True, False])):
        with pytest.raises(ValueError, match="Expected tangent to be floating point or complex"):
            torch.func.jvp(torch.sin, (x,), (bad,))
    ours = gg.tensor([1.0, 2.0])
    for jvp in (gg.jvp, gg.func.jvp):
        for bad, dtype in ((gg.tensor([1, 2]), "int64"), (gg.tensor([True, False]), "bool")):
            with pytest.raises(ValueError, match="Expected tangent to be floating point or "
                                                 f"complex, but got: {dtype}") as info:
                jvp(gg.sin, (ours,), (bad,))
            assert isinstance(info.value, gg.DtypeError)


def test_float_tangents_of_another_precision_are_kept_as_torch_func_jvp(torch):
    x = np.array([0.5, 2.0], np.float32)
    _, theirs = torch.func.jvp(torch.sin, (torch.tensor(x),),
                               (torch.tensor(x, dtype=torch.float64),))
    _, ours = gg.jvp(gg.sin, (gg.tensor(x),), (gg.tensor(x, dtype=np.float64),))
    assert ours.dtype == np.float64 and str(theirs.dtype) == "torch.float64"
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_autograd_functional_jvp_converts_integer_tangents_as_pytorch(torch):
    """torch.autograd.functional.jvp (the double-backward trick) accepts an integer v: so does
    ours, with the same numbers."""
    x = np.array([0.5, 2.0], np.float32)
    _, theirs = torch.autograd.functional.jvp(torch.sin, torch.tensor(x), torch.tensor([1, 3]))
    _, ours = gg.autograd.functional.jvp(gg.sin, gg.tensor(x), gg.tensor([1, 3]))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


# ------------------------------------------------------------------------------ hessian
def test_hessian_of_a_non_scalar_function_is_the_jacobian_of_the_jacobian(torch):
    """torch.func.hessian (and JAX) accept a non-scalar f: H[i, j, k] = ∂²f_i/∂x_j∂x_k, here
    diagonal: -sin x_i where i = j = k. gg.hessian and gg.func.hessian give the same; the
    torch.autograd.functional form requires one element, as PyTorch's."""
    x = np.array([0.5, 1.0, 2.0])
    theirs = torch.func.hessian(torch.sin)(torch.tensor(x)).numpy()
    closed = np.zeros((3, 3, 3))
    closed[np.arange(3), np.arange(3), np.arange(3)] = -np.sin(x)
    for hessian in (gg.hessian, gg.func.hessian):
        ours = hessian(gg.sin)(gg.tensor(x))
        assert ours.shape == (3, 3, 3)
        np.testing.assert_allclose(ours.numpy(), theirs, atol=1e-12)
        np.testing.assert_allclose(ours.numpy(), closed, atol=1e-12)
    message = "The Tensor returned by the function given to hessian should contain a single"
    with pytest.raises(RuntimeError, match=message):
        torch.autograd.functional.hessian(torch.sin, torch.tensor(x))
    with pytest.raises(RuntimeError, match=message):
        gg.autograd.functional.hessian(gg.sin, gg.tensor(x))


def test_hessian_of_a_scalar_function_matches_pytorch(torch):
    x = np.array([0.5, 1.0, 2.0])
    theirs = torch.func.hessian(lambda v: (v.sin() * v ** 3).sum())(torch.tensor(x)).numpy()
    ours = gg.hessian(lambda v: (v.sin() * v ** 3).sum())(gg.tensor(x))
    assert ours.shape == (3, 3)
    np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-12)


def _cycles_and_growth(fn, calls=100):
    """(objects found only in reference cycles, growth of the tracked objects) over calls."""
    fn()
    fn()
    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        for _ in range(calls):
            fn()
        grown = len(gc.get_objects()) - before
        return gc.collect(), grown
    finally:
        gc.enable()


def test_the_cycle_detector_sees_a_cycle():
    def leaky():
        box = []
        box.append(box)
    found, grown = _cycles_and_growth(leaky)
    assert found >= 100 and grown >= 100


def test_hessian_leaves_no_reference_cycles():
    """Each call's graph (nodes, saved tensors, tangents) is freed by reference counting alone:
    with the collector off, 100 calls leave nothing for it and no more tracked objects."""
    x = gg.tensor([0.5, 1.0, 2.0], dtype=np.float64)

    def f(v):
        return (v.sin() * v ** 3).sum()
    for fn in (lambda: gg.hessian(f)(x), lambda: gg.func.hessian(f)(x),
               lambda: gg.autograd.functional.hessian(f, x), lambda: gg.hessian(gg.sin)(x),
               lambda: gg.jvp(f, (x,), (x,))):
        assert _cycles_and_growth(fn) == (0, 0)


# ------------------------------------------------------------------------------ .data
def test_writes_through_data_bypass_the_version_counter_as_in_pytorch(torch):
    """PyTorch's escape hatch, documented on Tensor: x.data[0] = 5 after x was saved by x·x
    changes the gradient 2x to [10, 4] in both libraries, and the version stays 0; an output
    saved by exp changed through .data gives its new value as the derivative."""
    for lib in (gg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        x.data[0] = 5.0
        assert x._version == 0
        y.backward()
        assert x.grad.tolist() == [10.0, 4.0]
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        e = x.exp()
        e.data[0] = 100.0
        e.sum().backward()
        np.testing.assert_allclose(np.asarray(x.grad.tolist()), [100.0, np.exp(2.0)], rtol=1e-6)


def test_data_is_a_tensor_sharing_memory_as_in_pytorch(torch):
    """p.data: a tensor outside the graph on p's memory, so p.data.add_(1), copy_ and normal_
    change p, as the update loops of PyTorch programs expect; .array is the ndarray itself."""
    for lib in (gg, torch):
        p = lib.tensor([1.0, 2.0], requires_grad=True)
        d = p.data
        assert isinstance(d, lib.Tensor) and not d.requires_grad and d.grad_fn is None
        d.add_(1.0)
        d.mul_(2.0)
        assert p.tolist() == [4.0, 6.0] and p.requires_grad
        p.data.copy_(lib.tensor([7.0, 8.0]))
        assert p.tolist() == [7.0, 8.0]
    p = gg.tensor([1.0, 2.0])
    assert np.shares_memory(p.data.array, p.array) and isinstance(p.array, np.ndarray)


def test_rebinding_data_after_a_save_is_refused_where_pytorch_would_differ(torch):
    """t.data = other gives t other's values, in both libraries. PyTorch's backward then uses
    the new values (2·[5, 5]) for a product saved before; graphgrad raises instead of computing
    a gradient of values that were not there during the forward. A non-tensor is refused by
    both with PyTorch's message."""
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    x.data = gg.tensor([5.0, 5.0])
    assert x.tolist() == [5.0, 5.0] and x.requires_grad
    with pytest.raises(RuntimeError, match="rebound through .data"):
        y.backward()
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    s = (t * t).sum()
    t.data = torch.tensor([5.0, 5.0])
    s.backward()
    assert t.grad.tolist() == [10.0, 10.0]
    for lib in (gg, torch):
        with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
            lib.tensor([1.0]).data = [2.0]
    assert ".data" in gg.Tensor.__doc__ and "version counter" in gg.Tensor.__doc__


def test_in_place_methods_are_caught_where_data_writes_are_not(torch):
    for lib in (gg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        with lib.no_grad():
            x.mul_(5)
        with pytest.raises(RuntimeError, match="modified by an inplace operation|modified in "
                                               "place"):
            y.backward()
