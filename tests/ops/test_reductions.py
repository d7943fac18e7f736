"""sum, mean, prod, amax/amin, logsumexp, nansum/nanmean, count_nonzero, all/any against
PyTorch: dims as int, tuple, list, None and (), keepdim both ways, dtype=, 0-d tensors and
size-1 axes, float32 and float64, gradients and forward mode; NumPy's axis=/keepdims= as
aliases; the errors PyTorch raises."""
import numpy as np
import pytest
from reduction_oracle import compare

import graphgrad as gg

DTYPES = [np.float32, np.float64]
DIMS = [None, 0, 1, -1, (0, 1), [0, 2], ()]


def _sample(shape=(2, 3, 4), seed=0):
    return np.random.default_rng(seed).normal(size=shape)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("name", ["sum", "mean", "nansum", "nanmean", "logsumexp"])
def test_sums_over_every_kind_of_dim(name, keepdim, dtype, torch):
    x = _sample()
    for dim in DIMS:
        if name == "logsumexp" and dim in (None, ()):
            continue                         # PyTorch requires dim there (tested below)
        tdim = tuple(dim) if isinstance(dim, list) else dim
        compare(torch, lambda t: getattr(gg, name)(t, dim, keepdim),
                lambda t: getattr(torch, name)(t, tdim, keepdim), x, dtype,
                what=f"{name} dim={dim} keepdim={keepdim}")
    compare(torch, lambda t: getattr(t, name)(1), lambda t: getattr(t, name)(1), x, dtype)
    if name != "logsumexp":
        compare(torch, lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), x, dtype)


def test_numpy_spellings_are_aliases(torch):
    x = gg.tensor(_sample())
    for name in ("sum", "mean", "prod", "amax", "amin", "logsumexp", "nansum", "all", "any"):
        fn = getattr(gg, name)
        np.testing.assert_array_equal(fn(x, axis=(0, 2), keepdims=True).detach().numpy(),
                                      fn(x, dim=(0, 2), keepdim=True).detach().numpy())
        np.testing.assert_array_equal(fn(x, 1, True).detach().numpy(),
                                      fn(x, dim=1, keepdim=True).detach().numpy())
    with pytest.raises(TypeError, match="not both"):
        gg.sum(x, dim=0, axis=1)


@pytest.mark.parametrize("dtype", DTYPES)
def test_zero_d_and_size_one_axes(dtype, torch):
    for shape in [(), (1,), (3, 1), (1, 1)]:
        x = _sample(shape, seed=2)
        for name in ("sum", "mean", "nansum", "amax", "amin"):
            compare(torch, getattr(gg, name), getattr(torch, name), x, dtype, what=name)
            if shape:
                compare(torch, lambda t: getattr(gg, name)(t, -1, True),
                        lambda t: getattr(torch, name)(t, -1, True), x, dtype, what=name)
        compare(torch, lambda t: gg.logsumexp(t, 0), lambda t: torch.logsumexp(t, 0), x, dtype)
    scalar = gg.tensor(2.5, requires_grad=True)
    assert gg.sum(scalar, 0).shape == () and gg.mean(scalar, -1, keepdim=True).shape == ()


def test_dtype_argument_and_integer_inputs(torch):
    ints = np.arange(6, dtype=np.int32).reshape(2, 3)
    for name in ("sum", "nansum", "prod"):
        compare(torch, getattr(gg, name), getattr(torch, name), ints, np.int32, what=name)
        compare(torch, lambda t: getattr(gg, name)(t, 1), lambda t: getattr(torch, name)(t, 1),
                ints, np.int32, what=name)
    bools = np.array([[True, False, True]])
    compare(torch, gg.sum, torch.sum, bools, bool)
    with pytest.raises(gg.DtypeError):
        gg.nanmean(gg.tensor(ints), dtype=gg.float64)
    with pytest.raises(RuntimeError):
        torch.nanmean(torch.tensor(ints), dtype=torch.float64)
    for name in ("sum", "mean", "nansum", "prod"):
        compare(torch, lambda t: getattr(gg, name)(t, dtype=gg.float64),
                lambda t: getattr(torch, name)(t, dtype=torch.float64), ints, np.int32,
                what=name)
    compare(torch, lambda t: gg.sum(t, 0, dtype=gg.float64),
            lambda t: torch.sum(t, 0, dtype=torch.float64), _sample(), np.float32)
    compare(torch, lambda t: gg.logsumexp(t, 1), lambda t: torch.logsumexp(t, 1), ints,
            np.int32)
    for name in ("mean", "nanmean"):
        with pytest.raises(gg.DtypeError, match=f"{name}.*floating-point"):
            getattr(gg, name)(gg.tensor(ints))
        with pytest.raises(RuntimeError):
            getattr(torch, name)(torch.tensor(ints))


def test_nan_aware_sums(torch):
    x = _sample((3, 4))
    x[0, 1] = x[2, 2] = x[2, 3] = np.nan
    x[1, :] = np.nan
    for dim in (None, 0, 1):
        for name in ("nansum", "nanmean"):
            compare(torch, lambda t: getattr(gg, name)(t, dim),
                    lambda t: getattr(torch, name)(t, dim), x, what=f"{name} {dim}")


@pytest.mark.parametrize("name", ["amax", "amin"])
def test_amax_amin_split_ties_evenly(name, torch):
    x = np.array([[1.0, 3.0, 3.0], [-2.0, -2.0, 0.5], [4.0, 4.0, 4.0]])
    for dim in (None, 0, 1, (0, 1), ()):
        for keepdim in (False, True):
            compare(torch, lambda t: getattr(gg, name)(t, dim, keepdim),
                    lambda t: getattr(torch, name)(t, () if dim is None else dim, keepdim), x,
                    what=f"{name} {dim}")
    compare(torch, lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), x, np.float32)


def test_prod_with_zeros(torch):
    x = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 1.5], [1.0, -2.0, 4.0]])
    for dim in (None, 0, 1):
        compare(torch, lambda t: gg.prod(t, dim) if dim is not None else gg.prod(t),
                lambda t: torch.prod(t, dim) if dim is not None else torch.prod(t), x)


def test_counts_and_logic(torch):
    x = np.array([[0.0, 1.5, 0.0], [2.0, -1.0, 0.0]])
    for dim in (None, 0, 1, -1, (0, 1)):
        compare(torch, lambda t: gg.count_nonzero(t, dim),
                lambda t: torch.count_nonzero(t, dim), x, grad=False)
        for name in ("all", "any"):
            for keepdim in (False, True):
                if dim is None and keepdim:
                    continue
                compare(torch, lambda t: getattr(gg, name)(t, dim, keepdim) if dim is not None
                        else getattr(gg, name)(t),
                        lambda t: getattr(torch, name)(t, dim, keepdim) if dim is not None
                        else getattr(torch, name)(t), x, grad=False, what=name)
    assert gg.tensor(x).count_nonzero(axis=1).tolist() == [1, 2]
    assert gg.count_nonzero(x, 0).dtype == np.int64


def test_errors_where_pytorch_raises(torch):
    x = gg.ones(2, 3)
    with pytest.raises(TypeError, match="requires|required"):
        gg.logsumexp(x)
    with pytest.raises(TypeError):
        torch.logsumexp(torch.ones(2, 3))
    with pytest.raises(gg.ShapeError, match="out of range"):
        x.sum(2)
    with pytest.raises(gg.ShapeError, match="twice"):
        x.sum((0, -2))
    with pytest.raises(TypeError, match="dim must be"):
        x.sum(1.5)


def test_plain_arrays_give_plain_results():
    a = _sample((2, 3))
    assert isinstance(gg.sum(a, 0), np.ndarray)
    np.testing.assert_allclose(gg.mean(a, 1, keepdim=True), a.mean(1, keepdims=True))
    np.testing.assert_allclose(gg.nansum(a), a.sum())


def test_mean_gradient_and_second_order_against_closed_form():
    x = gg.tensor(_sample((2, 3)), requires_grad=True)
    (g,) = gg.gradients((x.mean(1) ** 2).sum(), [x], create_graph=True)
    mean = x.detach().numpy().mean(1, keepdims=True)
    np.testing.assert_allclose(g.detach().numpy(), np.repeat(2 * mean / 3,
                                                    3, axis=1), rtol=1e-6)
    (h,) = gg.gradients(g[0, 0], [x])
    np.testing.assert_allclose(h.detach().numpy(), [[2 / 9] * 3, [0.0] * 3], rtol=1e-6)
