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


IN_PLACE_WRITES = {
    "index_add_": lambda y, v: y.index_add_(0, gg.tensor([0, 2]), v[None].expand(2, 3)),
    "index_fill_": lambda y, v: y.index_fill_(0, gg.tensor([1]), v[0]),
    "masked_fill_": lambda y, v: y.masked_fill_(gg.tensor(np.eye(4, 3, dtype=bool)), v[0]),
    "scatter_": lambda y, v: y.scatter_(0, gg.tensor([[1, 0, 3]]), v[None]),
    "scatter_add_": lambda y, v: y.scatter_add_(0, gg.tensor([[1, 0, 3]]), v[None]),
    "setitem": lambda y, v: y.__setitem__(1, v),
}


@pytest.mark.parametrize("name", sorted(IN_PLACE_WRITES))
def test_unrecorded_in_place_writes_refuse_a_source_that_requires_grad(name, torch):
    """These writes are not recorded; they used to copy the source's numbers and drop its
    gradient without a word (PyTorch differentiates through them). Now they refuse while
    recording, and still write outside it."""
    v = gg.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    y = gg.zeros(4, 3, dtype=gg.float64)
    with pytest.raises(gg.InplaceError, match="requires grad"):
        IN_PLACE_WRITES[name](y, v * 2)
    assert not y.data.any()
    with gg.no_grad():
        IN_PLACE_WRITES[name](y, v * 2)
    assert y.data.any() and not y.requires_grad
    IN_PLACE_WRITES[name](y, (v * 2).detach())           # a source without grad: as before
    # PyTorch records the same write and gives the source its gradient
    vt = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    yt = torch.zeros(4, 3, dtype=torch.float64)
    yt[1] = vt * 2
    yt.sum().backward()
    np.testing.assert_array_equal(vt.grad.numpy(), [2.0, 2.0, 2.0])
