"""Writes at positions (scatter, scatter_add, scatter_reduce, index_add, index_fill,
masked_fill and their in-place forms) and padding (F.pad's four modes, NumPy's pad) against
PyTorch 2.13: values, every gradient (x where nothing overwrote it, src where it was read),
forward mode, errors."""
import numpy as np
import pytest
from shape_oracle import assert_same_values, compare

import graphgrad as gg
import graphgrad.nn.functional as F

R = np.random.default_rng(2)
X = R.permutation(12).reshape(3, 4) * 0.5 - 2.0          # distinct values: no ties
SRC = R.permutation(8).reshape(2, 4) * 0.3 + 0.1
SQUARE = R.normal(size=(3, 3))
IDX = np.array([[0, 2, 1, 0], [2, 2, 0, 1]])            # repeats along dim 0
IDX1 = np.array([[3, 0], [1, 1], [0, 2]])               # along dim 1, repeats in row 1

CASES = [
    ("scatter", lambda m, x, s: x.scatter(0, m.tensor([[0, 2, 1, 0], [1, 0, 2, 2]]), s), (X, SRC)),
    ("scatter dim 1", lambda m, x, s: m.scatter(x, 1, m.tensor([[3, 0], [1, 2], [0, 1]]),
                                                s.t()[:3, :2]), (X, SRC)),
    ("scatter value", lambda m, x: x.scatter(1, m.tensor([[1, 3], [0, 2], [2, 2]]), 0.5), (X,)),
    ("scatter negative dim", lambda m, x, s: x.scatter(-2, m.tensor([[2, 1]]), s[:1, :2]),
     (X, SRC)),
    ("scatter non-contiguous", lambda m, x, s: x.t().scatter(0, m.tensor([[3, 1, 0]]),
                                                             s[:, ::2].reshape(1, 4)[:, :3]),
     (X, SRC)),
    ("scatter 0-d", lambda m, x, s: x.scatter(0, m.tensor(0), s), (np.array(1.0), np.array(2.0))),
    ("scatter_add", lambda m, x, s: x.scatter_add(0, m.tensor(IDX), s), (X, SRC)),
    ("scatter_add dim 1", lambda m, x, s: m.scatter_add(x, 1, m.tensor(IDX1), s.t()[:3, :2]),
     (X, SRC)),
    ("index_add", lambda m, x, s: x.index_add(0, m.tensor([2, 0]), s), (X, SRC)),
    ("index_add repeats alpha", lambda m, x, s: m.index_add(x, 1, m.tensor([1, 1, 3]), s,
                                                            alpha=-0.5), (X, SQUARE)),
    ("index_add 0-d", lambda m, x, s: x.index_add(0, m.tensor(0), s),
     (np.array(1.0), np.array(2.0))),
    ("index_fill", lambda m, x: x.index_fill(1, m.tensor([0, 2]), -1.0), (X,)),
    ("index_fill tensor value", lambda m, x, v: x.index_fill(0, m.tensor([1, 1]), v),
     (X, np.array(3.0))),
    ("masked_fill", lambda m, x: x.masked_fill(x > 0, 0.25), (X,)),
    ("masked_fill broadcast mask", lambda m, x: x.masked_fill(m.tensor([True, False, False,
                                                                        True]), 2.0), (X,)),
    ("masked_fill grows x", lambda m, x: x[0].masked_fill(m.tensor([[True], [False]]), 1.0),
     (X,)),
    ("masked_fill tensor value", lambda m, x, v: m.masked_fill(x, x < 0, v), (X, np.array(-3.0))),
]

REDUCES = ["sum", "prod", "mean", "amax", "amin"]


@pytest.mark.parametrize("fn,arrays", [pytest.param(f, a, id=i) for i, f, a in CASES])
def test_against_torch(fn, arrays, torch):
    compare(torch, lambda *t: fn(gg, *t), lambda *t: fn(torch, *t), *arrays)


@pytest.mark.parametrize("reduce", REDUCES)
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_against_torch(reduce, include_self, torch):
    for dim, index, src in ((0, IDX, SRC), (1, IDX1, SRC.T[:3, :2]), (-1, IDX1[:, :1], SQUARE)):
        def fn(m, x, s, dim=dim, index=index):
            s = s[:, :1] if s.shape == (3, 3) else s   # torch's gradient needs index's shape
            return x.scatter_reduce(dim, m.tensor(index), s, reduce, include_self=include_self)
        compare(torch, lambda *t: fn(gg, *t), lambda *t: fn(torch, *t), X, src,
                forward="reverse" if reduce == "prod" else True, what=f"{reduce} dim {dim}")


@pytest.mark.parametrize("reduce", [None] + REDUCES)
def test_src_larger_than_the_index(reduce, torch):
    """src may be larger than index in every dim: only src[:index.shape] is read. PyTorch
    computes the values but no gradient for such src; the gradient is checked by finite
    differences."""
    index = np.array([[2], [0], [3]])

    def fn(m, x, s):
        if reduce is None:
            return x.scatter(1, m.tensor(index), s)
        return x.scatter_reduce(1, m.tensor(index), s, reduce)
    assert_same_values(fn(gg, gg.tensor(X), gg.tensor(SQUARE)),
                       fn(torch, torch.tensor(X), torch.tensor(SQUARE)))
    assert gg.gradcheck(lambda x, s: fn(gg, x, s), [X, SQUARE], second_order=True)


@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_prod_with_zeros(include_self, torch):
    """Π of the others where x or src hold zeros, one or several reaching one place (PyTorch's
    masked products)."""
    x = X.copy()
    x[0, 0] = x[2, 1] = 0.0
    src = SRC.copy()
    src[0, 0] = 0.0                                    # the only zero reaching (0, 0) from src
    src[0, 1] = src[1, 1] = 0.0                        # two zeros reaching (2, 1)

    def fn(m, a, s):
        return a.scatter_reduce(0, m.tensor(IDX), s, "prod", include_self=include_self)
    compare(torch, lambda *t: fn(gg, *t), lambda *t: fn(torch, *t), x, src, forward=False)
    # torch has no forward mode here (a wrong one, or none past two zeros): finite differences
    assert gg.gradcheck(lambda *t: fn(gg, *t), [x, src])


@pytest.mark.parametrize("reduce", ["amax", "amin"])
def test_scatter_reduce_ties_share_the_gradient_as_pytorch(reduce, torch):
    x = np.array([1.0, 5.0, 2.0])
    src = np.array([1.0, 1.0, 2.0, 5.0])
    index = np.array([0, 0, 1, 1])
    if reduce == "amin":
        x, src = -x, -src
    compare(torch, lambda a, s: a.scatter_reduce(0, gg.tensor(index), s, reduce),
            lambda a, s: a.scatter_reduce(0, torch.tensor(index), s, reduce), x, src)


def test_scatter_reduce_amax_include_self_false_counts_only_the_reduced_entries(torch):
    """A deliberate difference: with include_self=False, PyTorch 2.13 still counts an excluded
    x entry that equals the result as a tie (src gets 0.5 of the gradient; it is the unique
    maximum, so its derivative is 1). graphgrad gives the derivative."""
    s = gg.tensor([3.0, 5.0], requires_grad=True)
    src = gg.tensor([3.0, 1.0], requires_grad=True)
    s.scatter_reduce(0, gg.tensor([0, 0]), src, "amax", include_self=False).sum().backward()
    np.testing.assert_array_equal(src.grad.numpy(), [1.0, 0.0])
    np.testing.assert_array_equal(s.grad.numpy(), [0.0, 1.0])
    st = torch.tensor([3.0, 5.0], requires_grad=True)
    srct = torch.tensor([3.0, 1.0], requires_grad=True)
    st.scatter_reduce(0, torch.tensor([0, 0]), srct, "amax", include_self=False).sum().backward()
    assert srct.grad.tolist() == [0.5, 0.0]             # PyTorch's count (see the docstring)
    h = 1e-6                                            # the derivative, by finite differences

    def f(d):
        return gg.tensor([3.0, 5.0], dtype=gg.float64).scatter_reduce(
            0, gg.tensor([0, 0]), gg.tensor([3.0 + d, 1.0], dtype=gg.float64), "amax",
            include_self=False)[0].item()
    assert abs((f(h) - f(-h)) / (2 * h) - 1.0) < 1e-6


def test_integer_scatter_reduce_and_fills(torch):
    x = np.arange(-3, 3)
    src = np.array([1, -2, 2, 7])
    index = np.array([0, 0, 1, 5])
    for reduce in REDUCES:
        for include_self in (True, False):
            assert_same_values(
                gg.tensor(x).scatter_reduce(0, gg.tensor(index), gg.tensor(src), reduce,
                                            include_self=include_self),
                torch.tensor(x).scatter_reduce(0, torch.tensor(index), torch.tensor(src), reduce,
                                               include_self=include_self))
    assert_same_values(gg.tensor(x).masked_fill(gg.tensor(x) > 0, 2.7),
                       torch.tensor(x).masked_fill(torch.tensor(x) > 0, 2.7))
    assert_same_values(gg.tensor(x).scatter(0, gg.tensor([1]), 2.7),
                       torch.tensor(x).scatter(0, torch.tensor([1]), 2.7))


def test_in_place_forms_outside_the_graph(torch):
    ours, theirs = gg.tensor(X.copy()), torch.tensor(X.copy())
    steps = [
        lambda m, t: t.index_add_(0, m.tensor([2, 2]), m.tensor(SRC[:, :4]), alpha=2.0),
        lambda m, t: t.scatter_(1, m.tensor(IDX1[:, :1]), m.tensor(SRC.T[:3, :1])),
        lambda m, t: t.scatter_(0, m.tensor([[1, 0]]), value=-7.0),
        lambda m, t: t.scatter_add_(0, m.tensor(IDX), m.tensor(SRC)),
        lambda m, t: t.masked_fill_(t > 1.0, 0.0),
        lambda m, t: t.index_fill_(1, m.tensor([3]), 9.0),
    ]
    for k, step in enumerate(steps):
        version = ours._version
        assert step(gg, ours) is ours
        step(torch, theirs)
        assert ours._version == version + 1
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-15, err_msg=f"{k}")


def test_in_place_forms_refuse_a_tensor_the_graph_needs_and_saved_values_are_checked():
    leaf = gg.tensor(X.copy(), requires_grad=True)
    with pytest.raises(gg.InplaceError, match="in-place"):
        leaf.index_add_(0, gg.tensor([0]), gg.ones(1, 4, dtype=gg.float64))
    with gg.no_grad():
        leaf.masked_fill_(leaf > 0, 0.0)                 # allowed outside the graph
    w = gg.tensor(X.copy())
    y = (leaf * w).sum()
    w.index_fill_(0, gg.tensor([0]), 1.0)               # w was saved for backward
    with pytest.raises(gg.InplaceError):
        y.backward()


@pytest.mark.parametrize("pad,mode", [
    ((1, 2), "constant"), ((1, 0, 0, 2), "constant"), ((1, 1, 1, 1, 1, 1), "constant"),
    ((-1, 2), "constant"), ((0, 0, -1, 1), "constant"), ((2, 1), "reflect"),
    ((1, 2, 2, 0), "reflect"), ((1, 1, 1, 1, 1, 1), "reflect"), ((3, 1), "replicate"),
    ((2, 2, 0, 3), "replicate"), ((1, 2, 1, 0, 2, 1), "replicate"), ((3, 2), "circular"),
    ((1, 2, 3, 1), "circular"), ((1, 1, 2, 0, 1, 1), "circular"), ((-1, 2), "reflect"),
    ((-2, 1), "replicate"), ((-1, 2), "circular"),
])
def test_functional_pad_against_torch(pad, mode, torch):
    x = R.normal(size=(2, 3, 4, 5)) if len(pad) == 6 else R.normal(size=(2, 4, 5))
    compare(torch, lambda t: F.pad(t, pad, mode=mode),
            lambda t: torch.nn.functional.pad(t, pad, mode=mode), x, what=f"{mode} {pad}")
    compare(torch, lambda t: F.pad(t.transpose(-1, -2), pad, mode=mode),
            lambda t: torch.nn.functional.pad(t.transpose(-1, -2), pad, mode=mode), x,
            what=f"non-contiguous {mode} {pad}")


def test_functional_pad_constant_value_and_dtypes(torch):
    x = R.normal(size=(2, 3))
    compare(torch, lambda t: F.pad(t, (1, 1, 2, 0), value=-0.5),
            lambda t: torch.nn.functional.pad(t, (1, 1, 2, 0), value=-0.5), x)
    compare(torch, lambda t: F.pad(t, (-3, 1)), lambda t: torch.nn.functional.pad(t, (-3, 1)), x)
    assert_same_values(F.pad(gg.ones(2, 2, dtype=gg.int64), (1, 1), value=2.5),
                       torch.nn.functional.pad(torch.ones(2, 2, dtype=torch.long), (1, 1),
                                               value=2.5))
    assert F.pad(gg.ones(2, 3), (1, 1)).dtype == np.float32


def test_numpy_pad_keeps_numpys_spelling():
    x = R.normal(size=(2, 3))
    for mode in ("constant", "reflect", "symmetric", "edge", "wrap"):
        np.testing.assert_array_equal(gg.pad(gg.tensor(x), ((1, 2), (3, 1)), mode=mode).numpy(),
                                      np.pad(x, ((1, 2), (3, 1)), mode=mode))
    np.testing.assert_array_equal(gg.pad(x, 2, value=1.0), np.pad(x, 2, constant_values=1.0))
    np.testing.assert_array_equal(gg.pad(gg.tensor(x), 1, mode="replicate").numpy(),
                                  np.pad(x, 1, mode="edge"))
    assert gg.gradcheck(lambda t: gg.pad(t, ((0, 3), (2, 2)), mode="symmetric"), [x])


PAD_ERRORS = [
    (lambda m, F: F.pad(m.ones(2, 3), (1,)), (RuntimeError, ValueError), "divisible by 2"),
    (lambda m, F: F.pad(m.ones(2, 3), (1, 1) * 3), (RuntimeError, ValueError),
     "padding length 6 and input of dimension 2"),
    (lambda m, F: F.pad(m.ones(2, 3), (3, 0), mode="reflect"), (RuntimeError, ValueError),
     r"less than the corresponding input dimension, but got: padding \(3, 0\) at dimension 1"),
    (lambda m, F: F.pad(m.ones(2, 3), (4, 0), mode="circular"), (RuntimeError, ValueError),
     "wrapping around more than once"),
    (lambda m, F: F.pad(m.ones(3), (1, 1), mode="replicate"), NotImplementedError,
     "Padding size 2 is not supported for 1D input tensor"),
    (lambda m, F: F.pad(m.ones(2, 3), (1, 1, 1, 1), mode="reflect"), NotImplementedError,
     "Padding size 4 is not supported for 2D input tensor"),
    (lambda m, F: F.pad(m.ones(2, 3), (1, 1), mode="wrap"), NotImplementedError,
     "Unrecognised padding mode wrap"),
    (lambda m, F: F.pad(m.ones(2, 3), (1, 1), mode="reflect", value=2.0),
     (RuntimeError, ValueError), "doesn't take in value"),
    (lambda m, F: F.pad(m.ones(0, 3), (1, 1), mode="replicate"), (RuntimeError, ValueError),
     "non-zero dimensions"),
]


@pytest.mark.parametrize("make,error,match", PAD_ERRORS, ids=range(len(PAD_ERRORS)))
def test_pad_errors_as_pytorch(make, error, match, torch):
    with pytest.raises(error, match=match):
        make(torch, torch.nn.functional)
    with pytest.raises(error, match=match):
        make(gg, F)


ERRORS = [
    (lambda m: m.ones(3).scatter(0, m.tensor([0]), m.ones(1, dtype=m.float64)),
     (RuntimeError, TypeError), "self.dtype to be equal to src.dtype"),
    (lambda m: m.ones(3, 4).scatter(0, m.tensor([[0, 1]]), m.ones(1, 1)),
     (RuntimeError, ValueError), r"index \[1, 2\] to be no larger than self \[3, 4\] apart from "
     r"dimension 0 and to be no larger size than src \[1, 1\]"),
    (lambda m: m.ones(3, 4).scatter_add(1, m.tensor([[4]]), m.ones(1, 1)),
     (RuntimeError, IndexError), "index 4 is out of bounds for dimension 1 with size 4"),
    (lambda m: m.ones(3).scatter_reduce(0, m.tensor([0]), m.ones(1), "add"),
     (RuntimeError, ValueError), "sum, prod, mean, amax or amin"),
    (lambda m: m.ones(3, 4).index_add(0, m.tensor([0, 0]), m.ones(2, 3)),
     (RuntimeError, ValueError), "source tensor shape must match self tensor shape"),
    (lambda m: m.ones(3, 4).index_add(0, m.tensor([[0]]), m.ones(1, 4)), IndexError, "vector"),
    (lambda m: m.ones(3).masked_fill(m.tensor([1, 0, 1]), 0.0), (RuntimeError, TypeError),
     "boolean masks"),
    (lambda m: m.ones(3).masked_fill(m.tensor([True, False, True]), m.ones(2)),
     (RuntimeError, ValueError), "0-dimensional value tensor"),
    (lambda m: m.ones(3).index_fill(0, m.tensor([3]), 0.0), (RuntimeError, IndexError),
     "out of"),
]


@pytest.mark.parametrize("make,error,match", ERRORS, ids=range(len(ERRORS)))
def test_errors_as_pytorch(make, error, match, torch):
    with pytest.raises(error, match=match):
        make(torch)
    with pytest.raises(error, match=match):
        make(gg)
