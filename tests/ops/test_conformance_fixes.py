"""The disagreements with PyTorch that the conformance table (tests/conformance) found and that
were fixed in the ops: each pinned here against torch 2.13."""
import numpy as np
import pytest

import graphgrad as gg


def test_round_keeps_integer_dtypes(torch):
    x = np.array([[-3, 0, 7]])
    ours, theirs = gg.round(gg.tensor(x)), torch.round(torch.tensor(x))
    assert ours.dtype == np.int64 == theirs.numpy().dtype
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    y = np.array([0.5, 1.5, -2.5, 2.4], np.float32)          # halves to even, float32 stays
    np.testing.assert_array_equal(gg.round(gg.tensor(y)).numpy(),
                                  torch.round(torch.tensor(y)).numpy())
    assert gg.round(gg.tensor(y)).dtype == np.float32


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_of_an_empty_tensor_along_a_non_empty_dim(name, torch):
    empty = np.zeros((0, 3))
    ours = getattr(gg, name)(gg.tensor(empty), 1)
    theirs = getattr(torch, name)(torch.tensor(empty), 1)
    assert ours.shape == tuple(theirs.shape) == (0,) and ours.dtype == np.int64
    assert getattr(gg, name)(gg.tensor(empty), 1, keepdim=True).shape == (0, 1)
    for dim in (0, None):                # the reduced dim is empty: both refuse
        with pytest.raises((IndexError, RuntimeError)):
            getattr(torch, name)(torch.tensor(empty), dim)
        with pytest.raises(gg.ShapeError, match=name):
            getattr(gg, name)(gg.tensor(empty), dim)


def test_logsumexp_over_an_empty_dim_is_minus_infinity(torch):
    empty = np.zeros((0, 3), np.float32)
    x = gg.tensor(empty, requires_grad=True)
    t = torch.tensor(empty, requires_grad=True)
    ours, theirs = gg.logsumexp(x, 0), torch.logsumexp(t, 0)
    assert ours.dtype == np.float32 and ours.shape == (3,)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())   # −∞
    assert gg.logsumexp(x, 1).shape == tuple(torch.logsumexp(t, 1).shape) == (0,)
    assert gg.logsumexp(x, 0, keepdim=True).shape == (1, 3)
    ours.backward(np.ones(3, np.float32))
    theirs.backward(torch.ones(3))
    assert x.grad.shape == (0, 3) and tuple(t.grad.shape) == (0, 3)


@pytest.mark.parametrize("other", [np.array([0.5, -1.0, 2.0], np.float32), 2.5])
def test_where_promotes_as_pytorch(other, both):
    torch = both.torch
    cond = np.array([[True, False, True], [False, False, True]])
    ints = np.array([[1, 2, 3], [4, 5, 6]])
    if isinstance(other, float):
        ours, theirs = gg.where(gg.tensor(cond), gg.tensor(ints), other), \
            torch.where(torch.tensor(cond), torch.tensor(ints), other)
        assert ours.dtype == theirs.numpy().dtype == np.float32
        both.assert_same(ours, theirs, 0)
        return
    (o,), (t,) = both.leaves(other)
    ours = gg.where(gg.tensor(cond), gg.tensor(ints), o)
    theirs = torch.where(torch.tensor(cond), torch.tensor(ints), t)
    assert ours.dtype == theirs.detach().numpy().dtype == np.float32
    both.assert_same(ours, theirs, 0)
    both.backward(ours, theirs, np.arange(6, dtype=np.float32).reshape(2, 3))
    both.assert_same_grads([o], [t], 0)
    assert o.grad.dtype == np.float32


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_takes_dtype(name, both):
    x = np.random.default_rng(0).normal(size=(2, 3)).astype(np.float32)
    (o,), (t,) = both.leaves(x)
    ours = getattr(gg, name)(o, 1, dtype=gg.float64)
    theirs = getattr(both.torch, name)(t, 1, dtype=both.torch.float64)
    assert ours.dtype == np.float64 == theirs.detach().numpy().dtype
    both.assert_same(ours, theirs, 1e-12)
    seed = np.random.default_rng(1).normal(size=(2, 3))
    both.backward(ours, theirs, seed)
    both.assert_same_grads([o], [t], 1e-6)
    assert o.grad.dtype == np.float32
    ints = getattr(gg, name)(gg.tensor(np.arange(6).reshape(2, 3)), 1, dtype=gg.float32)
    np.testing.assert_allclose(ints.numpy(), getattr(both.torch, name)(
        both.torch.arange(6).reshape(2, 3), 1, dtype=both.torch.float32).numpy(), rtol=1e-6)


def _setitem(lib, y, v):
    y[1] = v
    return y


IN_PLACE_WRITES = {    # lib: gg or torch
    "index_add_": lambda lib, y, v: y.index_add_(0, lib.tensor([0, 2]), v[None].expand(2, 3)),
    "index_fill_": lambda lib, y, v: y.index_fill_(0, lib.tensor([1]), v[0]),
    "masked_fill_": lambda lib, y, v: y.masked_fill_(lib.tensor(np.eye(4, 3, dtype=bool)), v[0]),
    "scatter_": lambda lib, y, v: y.scatter_(0, lib.tensor([[1, 0, 3]]), v[None]),
    "scatter_add_": lambda lib, y, v: y.scatter_add_(0, lib.tensor([[1, 0, 3]]), v[None]),
    "setitem": _setitem,
}


@pytest.mark.parametrize("name", sorted(IN_PLACE_WRITES))
def test_in_place_writes_of_a_source_that_requires_grad_are_recorded(name, torch):
    """These writes used to copy the source's numbers and drop its gradient without a word,
    then refused while recording; now they are recorded as PyTorch records them (the tensor
    written into joins the graph), and still write plainly outside it."""
    def run(lib):
        v = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        y = lib.zeros(4, 3, dtype=lib.float64)
        r = IN_PLACE_WRITES[name](lib, y, v * 2)
        (y * lib.arange(12.0, dtype=lib.float64).reshape(4, 3)).sum().backward()
        return r is y, y.detach().numpy(), v.grad.numpy()
    ours, theirs = run(gg), run(torch)
    assert ours[0] and theirs[0]
    np.testing.assert_array_equal(ours[1], theirs[1])
    np.testing.assert_array_equal(ours[2], theirs[2])
    v = gg.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    y = gg.zeros(4, 3, dtype=gg.float64)
    with gg.no_grad():
        IN_PLACE_WRITES[name](gg, y, v * 2)
    assert y.array.any() and not y.requires_grad and y.is_leaf


FLOAT_OF_INTEGER = ["exp", "expm1", "log", "log1p", "sqrt", "sin", "cos", "tan", "atan", "tanh",
                    "sigmoid"]


@pytest.mark.parametrize("name", FLOAT_OF_INTEGER)
def test_float_functions_of_integers_give_the_default_float(name, torch):
    ints = np.array([[1, 2, 3], [4, 0, 5]])
    ours, theirs = getattr(gg, name)(gg.tensor(ints)), getattr(torch, name)(torch.tensor(ints))
    assert ours.dtype == np.float32 and theirs.dtype == torch.float32
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    assert getattr(gg.tensor(ints), name)().dtype == np.float32       # the method too
    gg.set_default_dtype(gg.float64)
    try:
        assert getattr(gg, name)(gg.tensor(ints)).dtype == np.float64
    finally:
        gg.set_default_dtype(gg.float32)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_where_with_a_zero_other_keeps_the_sign_of_zero(dtype, torch):
    """where(c, x, 0.0) gives +0 where c is false (not −0 from x · 0, as x < 0 would), −0 where
    c is true and x is −0, and 0 where c is false and x is ±∞ or NaN."""
    data = np.array([-1.0, -0.0, -0.0, np.inf, -np.inf, np.nan, 2.0, -3.0], dtype)
    cond = np.array([False, True, False, False, False, False, True, False])
    ours = gg.where(gg.tensor(cond), gg.tensor(data), 0.0).numpy()
    theirs = torch.where(torch.tensor(cond), torch.tensor(data), 0.0).numpy()
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(np.signbit(ours), np.signbit(theirs))
    square = gg.tensor(data[:4].reshape(2, 2))
    ours = gg.where(gg.tensor(cond[:2, None]), square.T, 0.0).numpy()       # broadcast, a view
    theirs = torch.where(torch.tensor(cond[:2, None]), torch.tensor(data[:4].reshape(2, 2)).T,
                         0.0).numpy()
    np.testing.assert_array_equal(np.signbit(ours), np.signbit(theirs))
    np.testing.assert_array_equal(ours, theirs)
