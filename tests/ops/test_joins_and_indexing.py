"""Joining, repeating and reading at positions against PyTorch 2.13: cat/stack/hstack/vstack,
repeat, tile, repeat_interleave, gather, index_select, take, masked_select, nonzero and
where(condition): values, every gradient, forward mode, errors."""
import numpy as np
import pytest
from shape_oracle import assert_same_values, compare

import graphgrad as gg

R = np.random.default_rng(1)
A = R.normal(size=(2, 3, 4))
B = R.normal(size=(2, 2, 4))
M = R.normal(size=(3, 4))
V = R.normal(size=(5,))
S = np.array(0.7)

CASES = [
    ("cat", lambda m, a, b: m.cat([a, b], 1), (A, B)),
    ("cat negative dim", lambda m, a, b: m.cat((a, b.transpose(0, 1)), dim=-2), (A, B)),
    ("cat one", lambda m, a: m.cat([a]), (A,)),
    ("cat legacy empty", lambda m, a, e: m.cat([e, a, e], 0), (A, np.zeros(0))),
    ("cat empty dim", lambda m, a: m.cat([a, a[:, :0]], 1), (A,)),
    ("concat", lambda m, a, b: m.concat([a, b], dim=1), (A, B)),
    ("concatenate axis", lambda m, a, b: m.concatenate([a, b], axis=1), (A, B)),
    ("cat non-contiguous", lambda m, a: m.cat([a.transpose(0, 2), a.flip(0).transpose(0, 2)], 2),
     (A,)),
    ("stack", lambda m, a: m.stack([a, a * 2, a.exp()]), (M,)),
    ("stack last", lambda m, a: m.stack([a, a.sin()], dim=-1), (M,)),
    ("stack middle", lambda m, a: m.stack((a, a), 1), (A,)),
    ("stack 0-d", lambda m, a: m.stack([a, a * 3]), (S,)),
    ("hstack vectors", lambda m, a: m.hstack([a, a[:2]]), (V,)),
    ("hstack matrices", lambda m, a: m.hstack([a, a[:, :1]]), (M,)),
    ("vstack vectors", lambda m, a: m.vstack([a, a * 2]), (V,)),
    ("vstack mixed", lambda m, a, b: m.vstack([a, b[0]]), (M, M)),
    ("dstack", lambda m, a: m.dstack([a, a]), (M,)),
    ("repeat", lambda m, a: a.repeat(2, 1, 3), (A,)),
    ("repeat new dims", lambda m, a: a.repeat(2, 1, 2), (V[:2],)),
    ("repeat 0-d", lambda m, a: a.repeat(3), (S,)),
    ("repeat zero", lambda m, a: a.repeat(0, 2), (M,)),
    ("repeat non-contiguous", lambda m, a: a.t().repeat(2, 2), (M,)),
    ("tile", lambda m, a: m.tile(a, (2,)), (M,)),
    ("tile longer", lambda m, a: a.tile(2, 1, 2), (M,)),
    ("repeat_interleave int", lambda m, a: a.repeat_interleave(2), (M,)),
    ("repeat_interleave dim", lambda m, a: m.repeat_interleave(a, 3, dim=1), (A,)),
    ("repeat_interleave negative dim", lambda m, a: a.repeat_interleave(2, -1), (A,)),
    ("gather", lambda m, a: a.gather(1, m.tensor([[0, 0, 3], [1, 2, 2], [3, 3, 3]])), (M,)),
    ("gather dim 0 short", lambda m, a: m.gather(a, 0, m.tensor([[2, 0], [1, 1]])), (M,)),
    ("gather 3-d", lambda m, a: a.gather(-1, m.tensor(np.zeros((2, 3, 1), np.int64))), (A,)),
    ("gather non-contiguous", lambda m, a: a.t().gather(0, m.tensor([[0, 2, 1]])), (M,)),
    ("gather 0-d", lambda m, a: a.gather(0, m.tensor(0)), (S,)),
    ("gather empty", lambda m, a: a.gather(1, m.tensor(np.zeros((3, 0), np.int64))), (M,)),
    ("index_select", lambda m, a: a.index_select(1, m.tensor([3, 0, 3])), (M,)),
    ("index_select negative dim", lambda m, a: m.index_select(a, -1, m.tensor([1])), (A,)),
    ("index_select 0-d index", lambda m, a: a.index_select(0, m.tensor(2)), (M,)),
    ("index_select of 0-d", lambda m, a: a.index_select(0, m.tensor([0])), (S,)),
    ("index_select empty", lambda m, a: a.index_select(0, m.tensor([], dtype=m.int64)), (M,)),
    ("take", lambda m, a: a.take(m.tensor([[0, -1], [5, 5]])), (M,)),
    ("take non-contiguous", lambda m, a: m.take(a.t(), m.tensor([1, 2, 3])), (M,)),
    ("take 0-d index", lambda m, a: a.take(m.tensor(3)), (V,)),
    ("masked_select", lambda m, a: a.masked_select(a > 0), (M,)),
    ("masked_select broadcast", lambda m, a: m.masked_select(a, m.tensor([True, False, True,
                                                                         False])), (M,)),
    ("masked_select grows x", lambda m, a: a[0].masked_select(m.tensor([[True], [False]]) |
                                                              (a[:2] > 0)), (M,)),
    ("where", lambda m, a, b: m.where(a > 0, a, b), (M, M[::-1].copy())),
    ("where broadcast", lambda m, a, b: m.where(a > 0, a, b[0]), (M, M)),
]


@pytest.mark.parametrize("fn,arrays", [pytest.param(f, a, id=i) for i, f, a in CASES])
def test_against_torch(fn, arrays, torch):
    compare(torch, lambda *t: fn(gg, *t), lambda *t: fn(torch, *t), *arrays)


def test_repeat_interleave_with_counts(torch):
    counts = np.array([1, 0, 3])
    compare(torch, lambda a: a.repeat_interleave(gg.tensor(counts), dim=0),
            lambda a: a.repeat_interleave(torch.tensor(counts), dim=0), M)
    compare(torch, lambda a: gg.repeat_interleave(a, gg.tensor([2]), dim=1),
            lambda a: torch.repeat_interleave(a, torch.tensor([2]), dim=1), M)
    assert_same_values(gg.repeat_interleave(gg.tensor([2, 0, 1])),
                       torch.repeat_interleave(torch.tensor([2, 0, 1])))
    out = gg.tensor(M).repeat_interleave(gg.tensor(counts), dim=0, output_size=4)
    assert out.shape == (4, 4)


def test_cat_promotes_dtypes_as_pytorch(torch):
    cases = [(np.float32, np.float64), (np.float32, np.int64), (np.int32, np.int64),
             (np.bool_, np.int32), (np.int64, np.float64)]
    for a, b in cases:
        ours = gg.cat([gg.ones(2, dtype=a), gg.ones(3, dtype=b)])
        theirs = torch.cat([torch.ones(2, dtype=getattr(torch, np.dtype(a).name)),
                            torch.ones(3, dtype=getattr(torch, np.dtype(b).name))])
        assert ours.dtype == np.dtype(str(theirs.dtype).replace("torch.", "")), (a, b)
    x = gg.tensor([1.0, 2.0], dtype=gg.float32, requires_grad=True)
    y = gg.cat([x, gg.tensor([1.0], dtype=gg.float64)])
    y.sum().backward()
    assert y.dtype == np.float64 and x.grad.dtype == np.float32


def test_nonzero_and_where_with_one_argument(torch):
    x = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
    assert_same_values(gg.tensor(x).nonzero(), torch.tensor(x).nonzero())
    assert_same_values(gg.nonzero(gg.tensor(x), as_tuple=True),
                       torch.nonzero(torch.tensor(x), as_tuple=True))
    assert_same_values(gg.where(gg.tensor(x) > 0), torch.where(torch.tensor(x) > 0))
    assert_same_values(gg.argwhere(gg.tensor(x)), torch.argwhere(torch.tensor(x)))
    for scalar in (0.0, 3.0):
        assert_same_values(gg.tensor(scalar).nonzero(), torch.tensor(scalar).nonzero())
        assert_same_values(gg.tensor(scalar).nonzero(as_tuple=True),
                           torch.tensor(scalar).nonzero(as_tuple=True))
    assert_same_values(gg.zeros(2, 0).nonzero(), torch.zeros(2, 0).nonzero())
    assert isinstance(gg.nonzero(x), np.ndarray)                  # arrays in, arrays out
    with pytest.raises(TypeError, match="both"):
        gg.where(gg.tensor(x) > 0, gg.tensor(x))


def test_masked_fill_and_where_keep_the_gradient_of_a_0d_value(torch):
    x = np.arange(6.0).reshape(2, 3)
    compare(torch, lambda a, v: a.masked_fill(a > 2, v), lambda a, v: a.masked_fill(a > 2, v),
            x, np.array(-1.5))


ERRORS = [
    (lambda m: m.cat([]), ValueError, "non-empty"),
    (lambda m: m.cat([m.ones(2, 3), m.ones(2, 2)]), (RuntimeError, ValueError),
     "Sizes of tensors must match except in dimension 0.*Expected size 3 but got size 2 for "
     "tensor number 1"),
    (lambda m: m.cat([m.ones(2, 3), m.ones(2, 3, 1)], 1), (RuntimeError, ValueError),
     "same number of dimensions"),
    (lambda m: m.cat([m.tensor(1.0), m.tensor(2.0)]), (RuntimeError, ValueError),
     "zero-dimensional tensor \\(at position 0\\)"),
    (lambda m: m.cat([m.ones(2, 3)], 2), IndexError, r"\[-2, 1\]"),
    (lambda m: m.stack([m.ones(2, 3), m.ones(2, 2)]), (RuntimeError, ValueError),
     r"equal size, but got \[2, 3\] at entry 0 and \[2, 2\] at entry 1"),
    (lambda m: m.stack([m.ones(2)], 2), IndexError, r"\[-2, 1\]"),
    (lambda m: m.hstack([]), (RuntimeError, ValueError), "non-empty"),
    (lambda m: m.ones(2, 3).repeat(2), (RuntimeError, ValueError), "can not be smaller"),
    (lambda m: m.ones(3).repeat_interleave(-1), (RuntimeError, ValueError), "non-negative"),
    (lambda m: m.ones(2, 3).repeat_interleave(m.tensor([1, 2])), (RuntimeError, ValueError),
     "same size as input along dim"),
    (lambda m: m.ones(3, 4).gather(1, m.tensor([[0, 5]])), (RuntimeError, IndexError),
     "index 5 is out of bounds for dimension 1 with size 4"),
    (lambda m: m.ones(3, 4).gather(1, m.tensor([0])), (RuntimeError, ValueError),
     "same number of dimensions"),
    (lambda m: m.ones(3, 4).gather(1, m.tensor([[0.0]])), (RuntimeError, TypeError),
     "int32/int64"),
    (lambda m: m.ones(3, 4).index_select(1, m.tensor([[0]])), IndexError, "vector"),
    (lambda m: m.ones(3, 4).take(m.tensor([12])), IndexError, "index 12 on a tensor of 12"),
    (lambda m: m.ones(3).masked_select(m.tensor([1, 0, 1])), (RuntimeError, TypeError),
     "BoolTensor|bool"),
    (lambda m: m.meshgrid(m.ones(2, 2), indexing="ij"), (RuntimeError, ValueError),
     "Expected 0D or 1D"),
    (lambda m: m.meshgrid(m.ones(2), indexing="yx"), (RuntimeError, ValueError),
     'one of "xy" or "ij"'),
]


@pytest.mark.parametrize("make,error,match", ERRORS, ids=range(len(ERRORS)))
def test_errors_as_pytorch(make, error, match, torch):
    with pytest.raises(error, match=match):
        make(torch)
    with pytest.raises(error, match=match):
        make(gg)


def test_second_order_through_gather_and_cat(torch):
    idx = np.array([[0, 0, 3], [1, 2, 2], [3, 3, 3]])

    def f(m, t):
        u = m.cat([t.gather(1, m.tensor(idx)), t.repeat(1, 2)[:, :2]], 1)
        return (u.tanh() * u).sum()
    xo = gg.tensor(M, requires_grad=True)
    xt = torch.tensor(M, requires_grad=True)
    (go,) = gg.gradients(f(gg, xo), [xo], create_graph=True)
    (gt,) = torch.autograd.grad(f(torch, xt), [xt], create_graph=True)
    (ho,) = gg.gradients((go * go).sum(), [xo])
    (ht,) = torch.autograd.grad((gt * gt).sum(), [xt])
    np.testing.assert_allclose(ho.numpy(), ht.numpy(), rtol=1e-12, atol=1e-12)
