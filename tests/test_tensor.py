"""Tensor construction, dtypes, attributes and display."""
import numpy as np
import pytest

import graphgrad as gg


def test_python_numbers_become_float32_and_arrays_keep_their_dtype():
    assert gg.tensor(1.5).dtype == np.float32
    assert gg.tensor([[1.0, 2.0]]).dtype == np.float32
    assert gg.tensor([1, 2]).dtype == np.int64
    assert gg.tensor([True, False]).dtype == np.bool_
    assert gg.tensor(np.zeros(3, np.float64)).dtype == np.float64
    assert gg.tensor(np.zeros(3, np.float16)).dtype == np.float16
    assert gg.tensor([1, 2], dtype=gg.float64).dtype == np.float64


def test_tensor_copies_and_from_numpy_shares():
    a = np.arange(3.0)
    copied, shared = gg.tensor(a), gg.from_numpy(a)
    a[0] = 7.0
    assert copied.array[0] == 0.0 and shared.array[0] == 7.0


def test_attributes_mirror_pytorch():
    x = gg.tensor([[1.0, 2.0, 3.0]], requires_grad=True, name="x")
    assert x.shape == (1, 3) and x.ndim == 2 and x.size == 3 and x.name == "x"
    assert x.is_leaf and x.grad_fn is None and x.requires_grad
    y = (x * 2).sum()
    assert not y.is_leaf and y.grad_fn.op == "sum"
    assert y.grad_fn.next_functions[0][0].op == "mul"
    assert y.grad_fn.next_functions[0][0].next_functions[0][0].variable is x   # AccumulateGrad
    assert y.item() == 12.0 and isinstance(y.item(), float)
    with pytest.raises(RuntimeError, match="Can't call numpy"):
        x.numpy()                   # writing through it would corrupt gradients, as in PyTorch
    assert x.detach().numpy() is x.array
    d = x.detach()
    assert d.is_leaf and not d.requires_grad and d.array is x.array


def test_integer_and_bool_tensors_cannot_require_grad():
    with pytest.raises(gg.DtypeError, match="int64"):
        gg.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="floating-point"):
        gg.tensor([True]).requires_grad_()
    with pytest.raises(gg.DtypeError, match="int64"):
        gg.grad(lambda x: x.sum())(np.arange(3))


def test_constructors():
    assert gg.zeros(2, 3).shape == (2, 3) and gg.zeros((2, 3)).dtype == np.float32
    assert gg.ones(2, dtype=gg.float64).dtype == np.float64
    assert gg.full((2,), 7.0).tolist() == [7.0, 7.0]
    assert gg.arange(4).dtype == np.int64 and gg.arange(0, 1, 0.5).dtype == np.float32
    assert np.allclose(gg.linspace(0, 1, 5).array, [0, 0.25, 0.5, 0.75, 1])
    assert np.array_equal(gg.eye(2).array, np.eye(2))
    x = gg.randn(3, 4, dtype=gg.float64)
    assert gg.zeros_like(x).dtype == np.float64 and gg.ones_like(x).shape == (3, 4)
    assert gg.rand(1000).array.min() >= 0 and gg.rand(1000).array.max() < 1


def test_seeds_and_generators_reproduce():
    gg.manual_seed(3)
    a = gg.randn(5)
    gg.manual_seed(3)
    assert np.array_equal(a.array, gg.randn(5).array)
    g1, g2 = gg.Generator(11), gg.Generator().manual_seed(11)
    assert np.array_equal(gg.rand(4, generator=g1).array, gg.rand(4, generator=g2).array)
    state = g1.get_state()
    first = gg.randn(3, generator=g1).array
    g1.set_state(state)
    assert np.array_equal(first, gg.randn(3, generator=g1).array)


def test_repr_is_readable():
    assert repr(gg.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert "requires_grad=True" in repr(gg.tensor([1.0], requires_grad=True))
    assert "grad_fn=<ExpBackward0>" in repr(gg.tensor([1.0], requires_grad=True).exp())
    assert "dtype=float64" in repr(gg.tensor(np.ones(2)))


def test_format_of_one_element_tensors():
    assert f"{gg.tensor(2.0):.3f}" == "2.000"
    assert f"{gg.tensor([1.0, 2.0])}" == "tensor([1., 2.])"


def test_item_and_bool_need_one_element():
    with pytest.raises(ValueError, match="one element"):
        gg.tensor([1.0, 2.0]).item()
    with pytest.raises(ValueError, match="ambiguous"):
        bool(gg.tensor([1.0, 2.0]))
    assert bool(gg.tensor([3.0]) > 2)


def test_array_protocol_shares_or_copies_as_asked():
    t = gg.tensor(np.ones(3))
    assert np.asarray(t) is t.array
    assert not np.shares_memory(np.array(t), t.array)           # np.array copies by default
    assert np.array(t, copy=False) is t.array
    with pytest.raises(ValueError, match="without copying"):
        np.array(t, dtype=np.float32, copy=False)


def test_numpy_arrays_in_numpy_out():
    a = np.array([0.0, 1.0])
    assert isinstance(gg.exp(a), np.ndarray)
    assert isinstance(gg.sum(a, axis=0), (np.ndarray, np.generic))


def test_numpy_ufuncs_and_mixed_arithmetic_dispatch_to_graphgrad():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    for y in (np.exp(x), np.ones(2) * x, np.ones(2) - x, np.maximum(x, 1.5)):
        assert isinstance(y, gg.Tensor) and y.requires_grad
    (np.ones(2) * x).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    with pytest.raises(TypeError, match="no graphgrad counterpart"):
        np.nextafter(x, x)


def test_comparisons_return_boolean_tensors_outside_the_graph():
    x = gg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    mask = x > 1.5
    assert mask.dtype == np.bool_ and not mask.requires_grad
    assert mask.tolist() == [False, True, True]
    assert (x == x).all().item()
    assert {x: 'usable as a dict key'}[x]


def test_bitwise_and_logical_operators_follow_numpy():
    a, b = gg.tensor([True, False, True]), np.array([True, True, False])
    assert (a & b).tolist() == [True, False, False] and (b & a).tolist() == [True, False, False]
    assert (a | b).tolist() == [True, True, True] and (~a).tolist() == [False, True, False]
    assert (gg.tensor([6, 3]) & 3).tolist() == [2, 3]          # integers: bitwise, as NumPy
    assert (np.False_ & a).tolist() == [False, False, False]


def test_indexing_and_setitem():
    x = gg.arange(12.0).reshape(3, 4)
    assert x[1].tolist() == [4, 5, 6, 7]
    assert x[:, 1:3].shape == (3, 2)
    assert x[[0, 2]].shape == (2, 4)
    assert x[x > 9].tolist() == [10, 11]
    assert x[gg.tensor([1, 1])].shape == (2, 4)
    x[0, 0] = 100.0
    assert x.array[0, 0] == 100.0 and x._version == 1


def test_every_slot_is_set_however_a_tensor_or_node_is_made():
    """Tensors are built in three places (Tensor._become_leaf, tensor.make, and inlined in the
    recorded call) and nodes in one: each must set every slot, or a later read fails far from the
    cause. The optional slots (a tensor's _view, set by view_tracking.py only for views; a
    node's tangents, vcell, label, alias) are read with getattr defaults."""
    from graphgrad.node import Node
    from graphgrad.tensor import make

    x = gg.tensor([1.0, 2.0], requires_grad=True)
    made = [x, make(np.ones(2)), x * 2, gg.exp(x), x.sum(), x[0], x.reshape(2, 1),
            gg.tensor(np.ones(2)) + 1, gg.Tensor(2, 3), gg.nn.Parameter(np.ones(2))]
    for t in made:
        for slot in gg.Tensor.__slots__:
            if slot not in ("_view", "__weakref__"):
                getattr(t, slot)           # AttributeError if the slot was never set
    optional = {"tangents", "vcell", "label", "alias", "__weakref__"}
    nodes = [t._node for t in made if t._node is not None]
    assert len(nodes) == 5
    for node in nodes:
        for slot in set(Node.__slots__) - optional:
            getattr(node, slot)


def test_the_default_dtype_can_be_changed_as_in_pytorch():
    assert gg.get_default_dtype() == np.float32
    gg.set_default_dtype(np.float64)
    try:
        assert gg.tensor(1.5).dtype == np.float64 and gg.zeros(2).dtype == np.float64
        assert gg.nn.Linear(2, 3).weight.dtype == np.float64
    finally:
        gg.set_default_dtype(np.float32)
    assert gg.tensor([1.5]).dtype == np.float32 and gg.randn(2).dtype == np.float32
    with pytest.raises(TypeError, match="only floating-point"):
        gg.set_default_dtype(np.int64)


def test_the_class_called_as_a_constructor_is_pytorchs_legacy_one(torch):
    """Tensor(...) as torch.Tensor(...): sequences and arrays in the default float dtype (ints
    too), a tensor shared with its dtype, sizes for an uninitialised tensor, () for an empty
    one; gg.tensor keeps integer dtypes. What torch refuses, graphgrad refuses."""
    for args in ([[[1, 2], [3, 4]]], [np.array([1, 2])], [np.array([1.5, 2.5])], [(2, 3)]):
        ours, theirs = gg.Tensor(*args), torch.Tensor(*args)
        assert ours.dtype == np.float32 and theirs.dtype == torch.float32
        assert ours.tolist() == theirs.tolist()
    for args in ([2, 3], [gg.Size([4, 1])], [5], []):
        theirs_args = [torch.Size(a) if isinstance(a, gg.Size) else a for a in args]
        assert tuple(gg.Tensor(*args).shape) == tuple(torch.Tensor(*theirs_args).shape)
    longs = gg.tensor([1, 2])
    shared = gg.Tensor(longs)
    assert shared.dtype == np.int64 == torch.Tensor(torch.tensor([1, 2])).numpy().dtype
    assert np.shares_memory(shared.array, longs.array)
    for bad in ([2.5], [True], [[1.0], 2]):
        for lib in (gg, torch):
            with pytest.raises(TypeError):
                lib.Tensor(*bad)
    with pytest.raises(TypeError):
        gg.Tensor([1.0], requires_grad=True)     # torch.Tensor takes no keywords either
    with pytest.raises(RuntimeError, match="negative dimension"):
        gg.Tensor(2, -1)


@pytest.mark.parametrize("data", [
    [1.5, 2.0], [1.5, np.float64(2.0)], [[1.5], [np.float64(2.0)]], [np.float32(1.5), 2.5],
    (1.5, 2), [True, 1.5], [1 + 2j], [np.complex128(1 + 2j), 1.0], np.float64(1.5),
    [np.ones(2), np.ones(2)], [[1, 2], [3, 4]]], ids=repr)
def test_tensor_infers_pytorchs_dtype(data, torch):
    """Python floats (and complex numbers) give the default float (complex) type; NumPy
    float64 values and arrays inside the data keep float64, as in PyTorch."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # PyTorch's "list of ndarrays is slow"
        expected = torch.tensor(data).dtype
    assert str(gg.tensor(data).dtype) == str(expected).replace("torch.", "")
