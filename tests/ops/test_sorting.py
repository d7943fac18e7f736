"""max/min, argmax/argmin, sort/argsort, topk, kthvalue, median/nanmedian and mode against
PyTorch: the named tuples (values, indices), where the gradient goes (the selected index for
max(dim), shared by ties for max() and median()), ties and NaN, 0-d tensors and size-1 axes,
float32 and float64, forward mode; max(x, other) elementwise; the errors PyTorch raises."""
import numpy as np
import pytest
from reduction_oracle import compare

import graphgrad as gg

DTYPES = [np.float32, np.float64]


def _distinct(shape=(3, 4, 5), seed=0):
    """Values without ties (where PyTorch leaves the index of a tie unspecified)."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape, dtype=int))
    return (rng.permutation(n).reshape(shape) - n / 2) * 0.25


def _ties():
    return np.array([[1.0, 3.0, 3.0, 2.0, 1.0], [0.5, 0.5, 0.5, 0.5, 0.5],
                     [-1.0, 4.0, -1.0, 4.0, 2.0]])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_over_a_dim_give_values_and_indices(name, dtype, torch):
    x = _distinct()
    for dim in (0, 1, 2, -1):
        for keepdim in (False, True):
            compare(torch, lambda t: getattr(gg, name)(t, dim, keepdim),
                    lambda t: getattr(torch, name)(t, dim, keepdim), x, dtype,
                    what=f"{name} {dim} {keepdim}")
            compare(torch, lambda t: getattr(t, name)(dim=dim, keepdim=keepdim),
                    lambda t: getattr(t, name)(dim=dim, keepdim=keepdim), x, dtype)
    values, indices = getattr(gg.tensor(x), name)(axis=1, keepdims=True)   # NumPy's spellings
    assert values.shape == indices.shape == (3, 1, 5)


@pytest.mark.parametrize("name", ["max", "min"])
def test_ties_the_first_index_takes_the_gradient_of_max_dim(name, torch):
    compare(torch, lambda t: getattr(gg, name)(t, 1), lambda t: getattr(torch, name)(t, 1),
            _ties())
    compare(torch, lambda t: getattr(gg, name)(t, 0, True),
            lambda t: getattr(torch, name)(t, 0, True), _ties())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_of_everything_share_ties(name, dtype, torch):
    compare(torch, lambda t: getattr(gg, name)(t), lambda t: getattr(torch, name)(t), _ties(),
            dtype)
    compare(torch, lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), _distinct(),
            dtype)
    x = gg.tensor([1.0, 3.0, 3.0], requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [0.0, 0.5, 0.5]


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_of_two_tensors_is_elementwise(name, torch):
    a, b = _distinct((2, 3), 1), _distinct((3,), 2)
    (ta, tb), (pa, pb) = [gg.tensor(a, requires_grad=True), gg.tensor(b, requires_grad=True)], \
        [torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)]
    ours, theirs = getattr(gg, name)(ta, tb), getattr(torch, name)(pa, pb)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_array_equal(ta.grad.detach().numpy(), pa.grad.detach().numpy())
    np.testing.assert_array_equal(tb.grad.detach().numpy(), pb.grad.detach().numpy())
    np.testing.assert_array_equal(getattr(ta, name)(tb).detach().numpy(), ours.detach().numpy())


def test_nan_is_the_extreme_and_its_index_is_returned(torch):
    x = np.array([[1.0, np.nan, 3.0, np.nan], [2.0, 0.0, -1.0, 5.0]])
    for name in ("max", "min"):
        compare(torch, lambda t: getattr(gg, name)(t, 1), lambda t: getattr(torch, name)(t, 1),
                x, grad=False)
    for name in ("argmax", "argmin"):
        compare(torch, lambda t: getattr(gg, name)(t, 1), lambda t: getattr(torch, name)(t, 1),
                x, grad=False)
        compare(torch, lambda t: getattr(gg, name)(t), lambda t: getattr(torch, name)(t), x,
                grad=False)


def test_argmax_argmin(torch):
    for x in (_distinct((3, 4)), _ties(), np.array(2.5), np.array([[7.0]])):
        for name in ("argmax", "argmin"):
            for dim in (None, 0, -1):
                for keepdim in (False, True):
                    compare(torch, lambda t: getattr(gg, name)(t, dim, keepdim),
                            lambda t: getattr(torch, name)(t, dim, keepdim), x, grad=False,
                            what=f"{name} {x.shape} {dim} {keepdim}")
    ints = np.array([[3, 9, 9], [1, 0, 1]])
    compare(torch, gg.argmax, torch.argmax, ints, np.int64)
    assert gg.argmax(gg.tensor(ints), 1).dtype == np.int64


def test_zero_d_and_size_one_axes(torch):
    for name in ("max", "min", "median", "nanmedian", "mode"):
        for dim in (0, -1):
            for keepdim in (False, True):
                compare(torch, lambda t: getattr(gg, name)(t, dim, keepdim),
                        lambda t: getattr(torch, name)(t, dim, keepdim), np.array(1.5),
                        what=f"{name} 0-d")
        compare(torch, lambda t: getattr(gg, name)(t, 1),
                lambda t: getattr(torch, name)(t, 1), np.array([[2.0], [-1.0]]), what=name)
    for name in ("sort", "cummax"):
        compare(torch, lambda t: getattr(gg, name)(t, 0), lambda t: getattr(torch, name)(t, 0),
                np.array(1.5))
    compare(torch, lambda t: gg.topk(t, 1), lambda t: torch.topk(t, 1), np.array(1.5))
    compare(torch, lambda t: gg.kthvalue(t, 1), lambda t: torch.kthvalue(t, 1), np.array(1.5))
    compare(torch, gg.argsort, torch.argsort, np.array(1.5), grad=False)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sort_and_argsort(dtype, torch):
    x = _distinct()
    for dim in (0, 1, -1):
        for descending in (False, True):
            compare(torch, lambda t: gg.sort(t, dim, descending),
                    lambda t: torch.sort(t, dim=dim, descending=descending), x, dtype)
            compare(torch, lambda t: t.argsort(dim, descending),
                    lambda t: t.argsort(dim, descending), x, dtype, grad=False)


def test_sort_ties_are_stable_and_nan_is_largest(torch):
    x = np.array([[2.0, 1.0, 2.0, np.nan, 1.0, 2.0], [0.0, 0.0, -1.0, 0.0, np.inf, -np.inf]])
    for descending in (False, True):
        compare(torch, lambda t: gg.sort(t, descending=descending, stable=True),
                lambda t: torch.sort(t, descending=descending, stable=True), x)
        compare(torch, lambda t: gg.sort(t, 0, descending=descending, stable=True),
                lambda t: torch.sort(t, dim=0, descending=descending, stable=True), x)
    ints = np.array([[3, 1, 3, 2], [0, 255, 7, 7]], dtype=np.uint8)
    compare(torch, lambda t: gg.sort(t, descending=True),
            lambda t: torch.sort(t, descending=True, stable=True), ints, np.uint8)


@pytest.mark.parametrize("dtype", DTYPES)
def test_topk_and_kthvalue(dtype, torch):
    x = _distinct()
    for dim in (0, 1, -1):
        n = x.shape[dim]
        for k in (0, 1, 2, n):
            for largest in (True, False):
                compare(torch, lambda t: gg.topk(t, k, dim, largest),
                        lambda t: torch.topk(t, k, dim, largest), x, dtype, jvp=k > 0)
        for k in (1, 2, n):
            for keepdim in (False, True):
                compare(torch, lambda t: t.kthvalue(k, dim, keepdim),
                        lambda t: t.kthvalue(k, dim, keepdim), x, dtype)
    with pytest.raises(gg.ShapeError, match="out of range"):
        gg.topk(gg.tensor(x), 6)
    with pytest.raises(RuntimeError):
        torch.topk(torch.tensor(x), 6)
    with pytest.raises(gg.ShapeError, match="out of range"):
        gg.kthvalue(gg.tensor(x), 0)


def test_topk_and_kthvalue_values_with_ties(torch):
    """PyTorch leaves which of equal entries is chosen (and so takes the gradient) unspecified:
    the values agree, and the gradient reaches entries equal to the chosen ones."""
    for k in (1, 3, 5):
        for ours, theirs in [(lambda t: gg.topk(t, k), lambda t: torch.topk(t, k)),
                             (lambda t: gg.kthvalue(t, k), lambda t: torch.kthvalue(t, k))]:
            compare(torch, ours, theirs, _ties(), indices=False, grad=False)
            x = gg.tensor(_ties(), requires_grad=True)
            result = ours(x)
            result.values.sum().backward()
            chosen = np.take_along_axis(_ties(), result.indices.detach().numpy().reshape(3, -1), 1)
            np.testing.assert_array_equal(np.sort(chosen, 1),
                                          np.sort(result.values.detach().numpy().reshape(3, -1),
                                                  1))
            expected = np.zeros((3, 5))
            np.put_along_axis(expected, result.indices.detach().numpy().reshape(3, -1), 1.0, 1)
            np.testing.assert_array_equal(x.grad.detach().numpy(), expected)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["median", "nanmedian"])
def test_medians(name, dtype, torch):
    for shape in ((3, 4, 5), (4, 6), (7,)):
        x = _distinct(shape, seed=3)
        compare(torch, getattr(gg, name), getattr(torch, name), x, dtype)
        for dim in range(-1, len(shape)):
            for keepdim in (False, True):
                compare(torch, lambda t: getattr(gg, name)(t, dim, keepdim),
                        lambda t: getattr(torch, name)(t, dim, keepdim), x, dtype,
                        what=f"{name} {shape} {dim}")


def test_median_of_everything_shares_ties_and_dim_values_with_ties(torch):
    for x in (_ties(), np.array([1.0, 2.0, 2.0, 3.0]), np.array([[1.0, 2.0], [2.0, 3.0]])):
        for name in ("median", "nanmedian"):
            compare(torch, getattr(gg, name), getattr(torch, name), x, what=name)
            compare(torch, lambda t: getattr(gg, name)(t, -1),
                    lambda t: getattr(torch, name)(t, -1), x, indices=False)


def test_median_and_nanmedian_with_nan(torch):
    x = np.array([[2.0, 1.0, np.nan, 1.0, np.nan], [3.0, np.nan, 0.0, 1.0, 2.0],
                  [np.nan] * 5, [4.0, 1.0, 3.0, 2.0, 0.0]])
    for name in ("median", "nanmedian"):
        compare(torch, lambda t: getattr(gg, name)(t, 1), lambda t: getattr(torch, name)(t, 1),
                x, grad=False, what=name)
        compare(torch, getattr(gg, name), getattr(torch, name), x[1], grad=False, what=name)
        compare(torch, getattr(gg, name), getattr(torch, name), x[3], what=name)


def test_mode(torch):
    x = np.array([[2.0, 1.0, 2.0, 1.0, 3.0, 3.0, 1.0, 2.0],
                  [1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 0.0, 0.0],
                  [3.0, 3.0, 1.0, 1.0, 5.0, 4.0, 4.0, 4.0],
                  [3.0, np.nan, np.nan, 1.0, 9.0, 8.0, 7.0, 6.0]])
    for keepdim in (False, True):
        compare(torch, lambda t: gg.mode(t, keepdim=keepdim),
                lambda t: torch.mode(t, keepdim=keepdim), x)
        compare(torch, lambda t: t.mode(0, keepdim), lambda t: t.mode(0, keepdim), x[:3])
    rng = np.random.default_rng(5)
    ints = rng.integers(0, 4, (6, 9, 3))
    for dim in (0, 1, 2):
        compare(torch, lambda t: gg.mode(t, dim), lambda t: torch.mode(t, dim), ints, np.int64)
        compare(torch, lambda t: gg.mode(t, dim), lambda t: torch.mode(t, dim), ints * 0.5)


def test_dims_must_be_one_int_as_pytorch(torch):
    x = gg.tensor(_distinct((2, 3)))
    with pytest.raises(TypeError, match="one int.*amax"):
        x.max(dim=(0, 1))
    with pytest.raises(TypeError):
        torch.tensor(_distinct((2, 3))).max(dim=(0, 1))
    with pytest.raises(TypeError, match="keepdim needs a dim"):
        x.max(keepdim=True)
    with pytest.raises(gg.ShapeError, match="out of range"):
        x.sort(2)
    with pytest.raises(TypeError):
        gg.max(x, 1.5)


def test_results_are_named_tuples_that_unpack():
    values, indices = gg.tensor([[1.0, 5.0], [3.0, 2.0]]).max(1)
    result = gg.tensor([[1.0, 5.0], [3.0, 2.0]]).max(1)
    assert isinstance(result, gg.return_types.max) and isinstance(result, tuple)
    assert result.values.tolist() == values.tolist() == [5.0, 3.0]
    assert result.indices.tolist() == indices.tolist() == [1, 0]
    assert repr(result).startswith("max(values=")
    assert gg.sort(np.array([3.0, 1.0])).indices.tolist() == [1, 0]      # plain arrays too
    assert gg.max([[1.0, 4.0], [3.0, 2.0]], 1).indices.tolist() == [1, 0]   # and lists
    assert gg.median([3.0, 1.0, 2.0]) == 2.0 and gg.cummax([1, 3, 2], 0).indices.tolist() == [
        0, 1, 1]


def test_second_order_through_sort(torch):
    x = _distinct((2, 5), seed=7)
    weights = np.arange(5.0)
    ours = gg.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    (g_ours,) = gg.gradients((gg.sort(ours).values ** 3 * weights).sum(), [ours],
                             create_graph=True)
    (g_theirs,) = torch.autograd.grad((torch.sort(theirs).values ** 3 * torch.tensor(weights))
                                      .sum(), [theirs], create_graph=True)
    (h_ours,) = gg.gradients(g_ours.sum(), [ours])
    (h_theirs,) = torch.autograd.grad(g_theirs.sum(), [theirs])
    np.testing.assert_allclose(h_ours.detach().numpy(), h_theirs.detach().numpy(), rtol=1e-12)
