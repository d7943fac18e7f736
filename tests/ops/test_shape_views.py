"""Reshaping, permuting and slicing against PyTorch 2.13: values, shapes, every gradient and
forward mode, with negative dims, 0-d and empty tensors and non-contiguous inputs; the
meanings where NumPy and PyTorch differ (transpose, T, split, squeeze) pinned; PyTorch's
errors."""
import warnings

import numpy as np
import pytest
from shape_oracle import assert_same_values, compare

import graphgrad as gg

R = np.random.default_rng(0)
A = R.normal(size=(2, 3, 4))
M = R.normal(size=(3, 4))
V = R.normal(size=(5,))
S = np.array(1.5)
E = np.zeros((0, 3))
ONES = R.normal(size=(2, 1, 3, 1))

#: (id, fn(module, *leaves), arrays): the same spelling runs on gg and on torch.
CASES = [
    ("reshape", lambda m, t: t.reshape(4, -1), (A,)),
    ("reshape tuple", lambda m, t: t.reshape((-1, 2, 3)), (A,)),
    ("reshape 0-d", lambda m, t: t.reshape(1, 1), (S,)),
    ("reshape empty", lambda m, t: t.reshape(3, -1), (E,)),
    ("reshape non-contiguous", lambda m, t: t.transpose(0, 2).reshape(-1), (A,)),
    ("view", lambda m, t: t.view(6, 4), (A,)),
    ("view -1", lambda m, t: t.view(-1), (A,)),
    ("view_as", lambda m, t: t.view_as(m.ones(4, 6, dtype=m.float64)), (A,)),
    ("reshape_as", lambda m, t: t.transpose(0, 1).reshape_as(m.ones(12, 2)), (A,)),
    ("flatten", lambda m, t: t.flatten(), (A,)),
    ("flatten 1", lambda m, t: t.flatten(1), (A,)),
    ("flatten -2 -1", lambda m, t: t.flatten(-2, -1), (A,)),
    ("flatten 0-d", lambda m, t: t.flatten(), (S,)),
    ("flatten non-contiguous", lambda m, t: t.permute(2, 0, 1).flatten(0, 1), (A,)),
    ("unflatten", lambda m, t: t.unflatten(2, (2, -1)), (A,)),
    ("unflatten -1", lambda m, t: t.unflatten(-1, (2, 1, 2)), (A,)),
    ("squeeze all", lambda m, t: t.squeeze(), (ONES,)),
    ("squeeze dim", lambda m, t: t.squeeze(1), (ONES,)),
    ("squeeze -1", lambda m, t: t.squeeze(-1), (ONES,)),
    ("squeeze non-1 is a no-op", lambda m, t: t.squeeze(0), (ONES,)),
    ("squeeze tuple", lambda m, t: t.squeeze((0, 1, -1)), (ONES,)),
    ("squeeze 0-d", lambda m, t: t.squeeze(0), (S,)),
    ("unsqueeze", lambda m, t: t.unsqueeze(1), (A,)),
    ("unsqueeze end", lambda m, t: t.unsqueeze(3), (A,)),
    ("unsqueeze -1", lambda m, t: t.unsqueeze(-1), (A,)),
    ("unsqueeze -4", lambda m, t: t.unsqueeze(-4), (A,)),
    ("unsqueeze 0-d", lambda m, t: t.unsqueeze(-1), (S,)),
    ("expand", lambda m, t: t.expand(2, 2, 5, 3, 4), (ONES,)),
    ("expand -1", lambda m, t: t.expand(3, 2, -1, 3, -1), (ONES,)),
    ("expand 0-d", lambda m, t: t.expand(2, 3), (S,)),
    ("expand to 0", lambda m, t: t.unsqueeze(0).expand(0, 5), (V,)),
    ("expand_as", lambda m, t: t.expand_as(m.ones(2, 4, 3, 2)), (ONES,)),
    ("broadcast_to", lambda m, t: m.broadcast_to(t, (4, 3, 4)), (A[:1],)),
    ("permute", lambda m, t: t.permute(2, 0, 1), (A,)),
    ("permute tuple negative", lambda m, t: t.permute((-1, 0, -2)), (A,)),
    ("permute function", lambda m, t: m.permute(t, (1, 2, 0)), (A,)),
    ("transpose 2-d", lambda m, t: t.transpose(0, 1), (M,)),
    ("transpose", lambda m, t: t.transpose(0, 2), (A,)),
    ("transpose negative", lambda m, t: m.transpose(t, -1, -3), (A,)),
    ("transpose same dim", lambda m, t: t.transpose(1, 1), (A,)),
    ("transpose 0-d", lambda m, t: t.transpose(0, -1), (S,)),
    ("swapaxes", lambda m, t: t.swapaxes(0, -1), (A,)),
    ("swapdims", lambda m, t: m.swapdims(t, 1, 2), (A,)),
    ("t", lambda m, t: t.t(), (M,)),
    ("t vector", lambda m, t: t.t(), (V,)),
    ("T 2-d", lambda m, t: t.T, (M,)),
    ("mT", lambda m, t: t.mT, (A,)),
    ("movedim", lambda m, t: t.movedim(0, -1), (A,)),
    ("movedim tuples", lambda m, t: t.movedim((0, 1), (2, 0)), (A,)),
    ("moveaxis", lambda m, t: m.moveaxis(t, -1, 0), (A,)),
    ("narrow", lambda m, t: t.narrow(2, 1, 2), (A,)),
    ("narrow negative start", lambda m, t: t.narrow(-1, -3, 3), (A,)),
    ("narrow empty", lambda m, t: t.narrow(1, 3, 0), (A,)),
    ("select", lambda m, t: t.select(1, 2), (A,)),
    ("select negative", lambda m, t: t.select(-1, -1), (A,)),
    ("select non-contiguous", lambda m, t: t.transpose(0, 2).select(0, 1), (A,)),
    ("flip", lambda m, t: t.flip(0), (A,)),
    ("flip several", lambda m, t: t.flip(0, -1), (A,)),
    ("flip tuple", lambda m, t: m.flip(t, (1, 2)), (A,)),
    ("flip none", lambda m, t: m.flip(t, ()), (A,)),
    ("flip 0-d", lambda m, t: t.flip(0), (S,)),
    ("fliplr", lambda m, t: t.fliplr(), (A,)),
    ("flipud", lambda m, t: m.flipud(t), (V,)),
    ("rot90", lambda m, t: t.rot90(), (A,)),
    ("rot90 k=2", lambda m, t: t.rot90(2, (0, 2)), (A,)),
    ("rot90 k=-1", lambda m, t: m.rot90(t, -1, (2, 1)), (A,)),
    ("rot90 k=7", lambda m, t: t.rot90(7, (-1, 0)), (A,)),
    ("rot90 k=0", lambda m, t: t.rot90(0), (M,)),
    ("roll", lambda m, t: t.roll(1, 2), (A,)),
    ("roll negative", lambda m, t: t.roll(-5, -1), (A,)),
    ("roll several", lambda m, t: m.roll(t, (1, 2), (0, 1)), (A,)),
    ("roll flat", lambda m, t: t.roll(7), (A,)),
    ("roll by the size", lambda m, t: t.roll(4, 2), (A,)),
    ("roll 0-d", lambda m, t: t.roll(3), (S,)),
    ("atleast_1d 0-d", lambda m, t: m.atleast_1d(t), (S,)),
    ("atleast_2d vector", lambda m, t: m.atleast_2d(t), (V,)),
    ("atleast_3d matrix", lambda m, t: m.atleast_3d(t), (M,)),
    ("atleast_3d vector", lambda m, t: m.atleast_3d(t), (V,)),
    ("atleast_2d several", lambda m, a, b: m.atleast_2d(a, b), (S, M)),
    ("atleast_3d list", lambda m, a, b: m.atleast_3d([a, b]), (S, V)),
    ("diagonal", lambda m, t: t.diagonal(), (M,)),
    ("diagonal offset", lambda m, t: t.diagonal(1), (M,)),
    ("diagonal below", lambda m, t: t.diagonal(-2), (M,)),
    ("diagonal dims", lambda m, t: t.diagonal(1, 0, 2), (A,)),
    ("diagonal negative dims", lambda m, t: m.diagonal(t, -1, -1, 0), (A,)),
    ("diagonal off the matrix", lambda m, t: t.diagonal(7), (M,)),
    ("diag of a vector", lambda m, t: m.diag(t), (V,)),
    ("diag above", lambda m, t: t.diag(2), (V,)),
    ("diag below", lambda m, t: t.diag(-1), (V,)),
    ("diag of a matrix", lambda m, t: t.diag(-1), (M,)),
    ("diag_embed", lambda m, t: t.diag_embed(), (M,)),
    ("diag_embed dims", lambda m, t: m.diag_embed(t, 1, 0, 2), (M,)),
    ("trace", lambda m, t: t.trace(), (M,)),
    ("trace square", lambda m, t: t[:, :3].trace(), (M,)),
    ("tril", lambda m, t: t.tril(), (A,)),
    ("tril offset", lambda m, t: m.tril(t, -1), (M,)),
    ("triu", lambda m, t: t.triu(1), (A,)),
    ("triu non-contiguous", lambda m, t: t.transpose(0, 2).triu(-1), (A,)),
]


@pytest.mark.parametrize("fn,arrays", [pytest.param(f, a, id=i) for i, f, a in CASES])
def test_against_torch(fn, arrays, torch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        compare(torch, lambda *t: fn(gg, *t), lambda *t: fn(torch, *t), *arrays)


def test_transpose_swaps_two_dims_as_pytorch_and_numpy_keeps_its_meaning(torch):
    x = gg.tensor(M)
    assert x.transpose(0, 1).shape == (4, 3)
    np.testing.assert_array_equal(gg.transpose(x, 1, 0).numpy(), M.T)
    with pytest.raises(TypeError):
        x.transpose()                                   # PyTorch needs the two dims
    from graphgrad.ops.views import numpy_transpose
    np.testing.assert_array_equal(numpy_transpose(gg.tensor(A)).numpy(), np.transpose(A))
    np.testing.assert_array_equal(numpy_transpose(gg.tensor(A), (1, 0, 2)).numpy(),
                                  np.transpose(A, (1, 0, 2)))


def test_T_reverses_the_dims_and_warns_as_pytorch_beyond_2d(torch):
    x = gg.tensor(A)
    with pytest.warns(UserWarning, match="x.T"):
        y = x.T
    assert y.shape == (4, 3, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gg.tensor(M).T.shape == (4, 3)           # 2-D: no warning
    with pytest.warns(UserWarning):
        assert gg.tensor(V).T.shape == (5,)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_array_equal(y.numpy(), torch.tensor(A).T.numpy())


def test_split_takes_the_piece_size_as_pytorch(torch):
    x = gg.tensor(np.arange(10.0))
    pieces = x.split(4)
    assert isinstance(pieces, tuple) and [p.shape for p in pieces] == [(4,), (4,), (2,)]
    assert_same_values(gg.split(gg.tensor(A), 2, dim=-1), torch.tensor(A).split(2, dim=-1))
    assert_same_values(gg.tensor(A).split([1, 2], 1), torch.tensor(A).split([1, 2], 1))
    assert_same_values(gg.tensor(A).split(5, 1), torch.tensor(A).split(5, 1))
    assert_same_values(gg.tensor(E).split(2), torch.tensor(E).split(2))
    assert [p.shape for p in np.split(x, 5)] == [(2,)] * 5           # NumPy's meaning


@pytest.mark.parametrize("fn,arrays", [
    pytest.param(lambda m, t: t.split(2, 1), (A,), id="split size"),
    pytest.param(lambda m, t: m.split(t, [3, 0, 1], dim=-1), (A,), id="split sizes"),
    pytest.param(lambda m, t: t.transpose(0, 2).split(3), (A,), id="split non-contiguous"),
    pytest.param(lambda m, t: t.chunk(3, -1), (A,), id="chunk"),
    pytest.param(lambda m, t: t.chunk(4), (V,), id="chunk fewer"),
    pytest.param(lambda m, t: t.chunk(3), (np.zeros(0),), id="chunk empty"),
    pytest.param(lambda m, t: t.unbind(1), (A,), id="unbind"),
    pytest.param(lambda m, t: m.unbind(t, -1), (M,), id="unbind negative"),
    pytest.param(lambda m, t: m.meshgrid(t, t[:3], indexing="ij"), (V,), id="meshgrid ij"),
    pytest.param(lambda m, a, b: m.meshgrid([a, b[0], a], indexing="xy"), (V, M), id="meshgrid xy"),
])
def test_tuples_against_torch(fn, arrays, torch):
    compare(torch, lambda *t: fn(gg, *t), lambda *t: fn(torch, *t), *arrays)


def test_meshgrid_defaults_to_ij_with_pytorchs_warning(torch):
    x, y = gg.arange(3), gg.arange(2)
    with pytest.warns(UserWarning, match="indexing"):
        gx, gy = gg.meshgrid(x, y)
    with pytest.warns(UserWarning, match="indexing"):
        tx, ty = torch.meshgrid(torch.arange(3), torch.arange(2))
    assert_same_values((gx, gy), (tx, ty))


def test_view_refuses_what_would_need_a_copy(torch):
    x = gg.tensor(A).transpose(0, 2)
    with pytest.raises(gg.ShapeError, match="reshape"):
        x.view(-1)
    with pytest.raises(RuntimeError):
        torch.tensor(A).transpose(0, 2).view(-1)
    x = gg.tensor(A)
    assert np.shares_memory(x.view(6, 4).numpy(), x.numpy())
    assert not np.shares_memory(x.transpose(0, 2).reshape(-1).numpy(), x.numpy())


def test_views_share_the_version_counter():
    x = gg.tensor(A.copy())
    for view in (x.view(-1), x.transpose(0, 1), x.select(0, 1), x.narrow(1, 0, 2), x.unsqueeze(0),
                 x.diagonal(), x.split(1)[0]):
        before = view._version
        x.add_(1.0)
        assert view._version == before + 1


ERRORS = [
    (lambda m: m.ones(2, 3, 4).transpose(0, 3), IndexError, r"\[-3, 2\].*3"),
    (lambda m: m.ones(2, 3).permute(0, 1, 2), (RuntimeError, ValueError), "len\\(dims\\) = 3"),
    (lambda m: m.ones(2, 3).permute(0, 0), (RuntimeError, ValueError), "multiple|duplicate"),
    (lambda m: m.ones(2, 3).squeeze(2), IndexError, r"\[-2, 1\]"),
    (lambda m: m.ones(2, 3).unsqueeze(3), IndexError, r"\[-3, 2\]"),
    (lambda m: m.ones(2, 3).view(-1, 4), (RuntimeError, ValueError), "invalid for input of size 6"),
    (lambda m: m.ones(2, 3).reshape(-1, -1), (RuntimeError, ValueError), "only one dimension"),
    (lambda m: m.ones(2, 3).reshape(-2, 3), (RuntimeError, ValueError), "invalid shape dimension"),
    (lambda m: m.ones(2, 3).flatten(1, 0), (RuntimeError, ValueError), "start_dim cannot come"),
    (lambda m: m.ones(2, 3).unflatten(1, (2, 2)), (RuntimeError, ValueError), "multiply up"),
    (lambda m: m.ones(2, 3).expand(2, 4), (RuntimeError, ValueError), "non-singleton dimension 1"),
    (lambda m: m.ones(3).expand(-1, 3), (RuntimeError, ValueError), "leading, non-existing"),
    (lambda m: m.ones(2, 3).movedim((0, 1), (1,)), (RuntimeError, ValueError), "same number"),
    (lambda m: m.ones(2, 3).narrow(1, 2, 2), (RuntimeError, ValueError), "exceeds dimension"),
    (lambda m: m.ones(2, 3).select(1, 3), IndexError, "index 3 out of range"),
    (lambda m: m.ones(2, 3).flip(0, 0), (RuntimeError, ValueError), "multiple|duplicate"),
    (lambda m: m.ones(3).fliplr(), (RuntimeError, ValueError), ">= 2-d"),
    (lambda m: m.ones(2, 3).rot90(1, (0, 0)), (RuntimeError, ValueError), "different"),
    (lambda m: m.ones(2, 3).roll((1, 2), (0,)), (RuntimeError, ValueError), "align"),
    (lambda m: m.ones(2, 3).diagonal(0, 1, 1), (RuntimeError, ValueError), "cannot be identical"),
    (lambda m: m.ones(2, 2, 2).diag(), (RuntimeError, ValueError), "1D or 2D"),
    (lambda m: m.ones(2, 2, 2).trace(), (RuntimeError, ValueError), "expected a matrix"),
    (lambda m: m.ones(3).tril(), (RuntimeError, ValueError), "at least 2 dimensions"),
    (lambda m: m.ones(2, 3).split([1, 2]), (RuntimeError, ValueError), "sum exactly to 2"),
    (lambda m: m.ones(2, 3).split(0, 1), (RuntimeError, ValueError), "split_size can only be 0"),
    (lambda m: m.ones(2, 3).chunk(0), (RuntimeError, ValueError), "greater than 0"),
    (lambda m: m.tensor(1.0).unbind(), IndexError, "no dimensions"),
]


@pytest.mark.parametrize("make,error,match", ERRORS, ids=range(len(ERRORS)))
def test_errors_as_pytorch(make, error, match, torch):
    with pytest.raises(error, match=match):
        make(torch)
    with pytest.raises(error, match=match):
        make(gg)


def test_shape_errors_are_graphgrads():
    with pytest.raises(gg.ShapeError, match=r"transpose: .*\[-2, 1\].*5"):
        gg.ones(2, 3).transpose(0, 5)
    with pytest.raises(gg.ShapeError, match=r"expand: .*Target sizes: \[2, 4\].*\[2, 3\]"):
        gg.ones(2, 3).expand(2, 4)


def test_plain_arrays_in_plain_arrays_out():
    out = gg.flip(A, (0,))
    assert isinstance(out, np.ndarray)
    np.testing.assert_array_equal(out, A[::-1])
    np.testing.assert_array_equal(gg.transpose(M, 0, 1), M.T)
    np.testing.assert_array_equal(gg.roll(V, 2), np.roll(V, 2))
    np.testing.assert_array_equal(gg.rot90(M), np.rot90(M))
    np.testing.assert_array_equal(gg.tril(M, 1), np.tril(M, 1))
    np.testing.assert_array_equal(gg.diagonal(A, 1, 0, 2), np.diagonal(A, 1, 0, 2))


def test_second_order_through_the_views(torch):
    """Hessian-vector products through permute, flip, roll, diagonal and tril (composites of
    primitives, so gradients of gradients come for free)."""
    def f(m, t):
        u = t.permute(1, 0).flip(0).roll(1, 1)
        return (u.tril().sin() * u.diagonal().sum()).sum()
    xo = gg.tensor(M, requires_grad=True)
    xt = torch.tensor(M, requires_grad=True)
    (go,) = gg.gradients(f(gg, xo), [xo], create_graph=True)
    (gt,) = torch.autograd.grad(f(torch, xt), [xt], create_graph=True)
    w = np.random.default_rng(3).normal(size=M.shape)
    (ho,) = gg.gradients((go * gg.tensor(w)).sum(), [xo])
    (ht,) = torch.autograd.grad((gt * torch.tensor(w)).sum(), [xt])
    np.testing.assert_allclose(ho.numpy(), ht.numpy(), rtol=1e-12, atol=1e-12)


def test_numpy_spellings_are_aliases():
    x = gg.tensor(ONES)
    assert x.squeeze(axis=1).shape == (2, 3, 1)
    assert gg.squeeze(x, axis=(1, 3)).shape == (2, 3)
    assert gg.expand_dims(gg.tensor(M), (0, 2)).shape == (1, 3, 1, 4)
    assert gg.cat([gg.tensor(M), gg.tensor(M)], axis=1).shape == (3, 8)
    assert gg.concatenate([gg.tensor(M), gg.tensor(M)], axis=-1).shape == (3, 8)
    assert gg.stack([gg.tensor(M), gg.tensor(M)], axis=2).shape == (3, 4, 2)
    assert [p.shape for p in gg.tensor(M).split(3, axis=1)] == [(3, 3), (3, 1)]
    with pytest.raises(TypeError, match="both"):
        x.squeeze(1, axis=1)
