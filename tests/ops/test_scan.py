"""cumsum, cumprod, logcumsumexp, cummax/cummin against PyTorch: every dim, 0-d tensors, dtype=
and integer promotion, cumprod's gradient with zeros in the input (one and several), the
log-space gradient of logcumsumexp at extreme values, cummax's ties and NaN, forward mode and
second order."""
import numpy as np
import pytest
from reduction_oracle import compare

import graphgrad as gg

DTYPES = [np.float32, np.float64]


def _sample(shape=(3, 4, 5), seed=0):
    return np.random.default_rng(seed).normal(size=shape)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["cumsum", "cumprod", "logcumsumexp", "cummax", "cummin"])
def test_every_dim(name, dtype, torch):
    x = _sample()
    for dim in (0, 1, 2, -1):
        compare(torch, lambda t: getattr(gg, name)(t, dim), lambda t: getattr(torch, name)(t, dim),
                x, dtype, what=f"{name} {dim}")
        compare(torch, lambda t: getattr(t, name)(dim=dim), lambda t: getattr(t, name)(dim=dim),
                x, dtype)
    compare(torch, lambda t: getattr(gg, name)(t, 0), lambda t: getattr(torch, name)(t, 0),
            np.array(0.7), dtype, what=f"{name} 0-d")
    compare(torch, lambda t: getattr(gg, name)(t, 1), lambda t: getattr(torch, name)(t, 1),
            _sample((2, 1)), dtype)
    np.testing.assert_array_equal(getattr(gg, name)(gg.tensor(x), axis=1)[0].detach().numpy()
                                  if name.startswith("cumm") else
                                  getattr(gg, name)(gg.tensor(x), axis=1).detach().numpy(),
                                  getattr(gg, name)(gg.tensor(x), 1)[0].detach().numpy()
                                  if name.startswith("cumm") else
                                  getattr(gg, name)(gg.tensor(x), 1).detach().numpy())


@pytest.mark.parametrize("dtype", DTYPES)
def test_cumprod_gradient_with_zeros(dtype, torch):
    for x in (np.array([2.0, 0.0, 3.0, 0.0, 4.0]), np.array([0.0, 1.5, -2.0]),
              np.array([[1.5, 0.0, -2.0, 0.5], [0.0, 0.0, 2.0, 1.0], [3.0, -1.0, 0.5, 0.0]])):
        for dim in range(x.ndim):
            compare(torch, lambda t: gg.cumprod(t, dim), lambda t: torch.cumprod(t, dim), x,
                    dtype, what=f"cumprod {x.tolist()} {dim}")
    t = gg.tensor([2.0, 0.0, 3.0, 0.0, 4.0], requires_grad=True)
    t.cumprod(0).sum().backward()
    assert t.grad.tolist() == [1.0, 8.0, 0.0, 0.0, 0.0]           # by hand


def test_cumprod_second_order_with_zeros(torch):
    x = np.array([[1.5, 0.0, -2.0, 0.5], [0.7, 1.2, 2.0, 1.0]])
    weights = np.arange(1.0, 5.0)
    ours, theirs = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (g_ours,) = gg.gradients((gg.cumprod(ours, 1) * weights).sum(), [ours], create_graph=True)
    (g_theirs,) = torch.autograd.grad((torch.cumprod(theirs, 1) * torch.tensor(weights)).sum(),
                                      [theirs], create_graph=True)
    (h_ours,) = gg.gradients((g_ours ** 2).sum(), [ours])
    (h_theirs,) = torch.autograd.grad((g_theirs ** 2).sum(), [theirs])
    np.testing.assert_allclose(h_ours.detach().numpy(), h_theirs.detach().numpy(), rtol=1e-12)


def test_logcumsumexp_at_extreme_values(torch):
    x = np.array([[1e3, -1e3, 0.0, 2e3, -np.inf], [-5.0, -np.inf, 700.0, 710.0, 3.0]])
    compare(torch, lambda t: gg.logcumsumexp(t, 1), lambda t: torch.logcumsumexp(t, 1), x,
            jvp=False)
    finite = np.nan_to_num(x, neginf=-50.0)
    compare(torch, lambda t: gg.logcumsumexp(t, 1), lambda t: torch.logcumsumexp(t, 1), finite,
            jvp=False)
    # PyTorch's forward mode normalises by the largest entry of the row and so loses the
    # tangents of the entries far below it (0 at y_0 = x_0); ours is exact there: the jvp
    # equals the backward pass's Jacobian (torch.autograd.functional.jacobian) times ẋ.
    direction = np.random.default_rng(3).normal(size=finite.shape)
    _, tangent = gg.jvp(lambda t: gg.logcumsumexp(t, 1), (gg.tensor(finite),),
                        (gg.tensor(direction),))
    jac = torch.autograd.functional.jacobian(lambda t: torch.logcumsumexp(t, 1),
                                             torch.tensor(finite)).detach().numpy()
    np.testing.assert_allclose(tangent.detach().numpy(), np.einsum("ijkl,kl->ij", jac, direction),
                               rtol=1e-10, atol=1e-300)
    assert tangent.detach().numpy()[0, 0] == pytest.approx(direction[0, 0], rel=1e-12)
    with pytest.raises(gg.DtypeError):
        gg.logcumsumexp(gg.tensor([1, 2]), 0)


def test_cummax_cummin_ties_and_nan(torch):
    x = np.array([[1.0, 3.0, 3.0, 2.0, np.nan, 5.0, np.nan], [3.0, 1.0, 1.0, 2.0, 1.0, 0.0, 0.0]])
    for name in ("cummax", "cummin"):
        compare(torch, lambda t: getattr(gg, name)(t, 1), lambda t: getattr(torch, name)(t, 1),
                x, what=name)
        compare(torch, lambda t: getattr(gg, name)(t, 0), lambda t: getattr(torch, name)(t, 0),
                x, what=name)
        ints = np.array([[4, 1, 4, 7, 7, 2]])
        compare(torch, lambda t: getattr(gg, name)(t, 1), lambda t: getattr(torch, name)(t, 1),
                ints, np.int64)


def test_integer_promotion_and_dtype(torch):
    ints = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int32)
    for name in ("cumsum", "cumprod"):
        compare(torch, lambda t: getattr(gg, name)(t, 1), lambda t: getattr(torch, name)(t, 1),
                ints, np.int32)
        compare(torch, lambda t: getattr(gg, name)(t, 0, dtype=gg.float64),
                lambda t: getattr(torch, name)(t, 0, dtype=torch.float64), ints, np.int32)
        compare(torch, lambda t: getattr(gg, name)(t, 0), lambda t: getattr(torch, name)(t, 0),
                np.array([True, False, True]), bool)


def test_dim_is_required_as_pytorch(torch):
    for name in ("cumsum", "cumprod", "logcumsumexp", "cummax", "cummin"):
        with pytest.raises(TypeError, match="dim"):
            getattr(gg, name)(gg.ones(3))
        with pytest.raises(TypeError):
            getattr(torch, name)(torch.ones(3))
        with pytest.raises(gg.ShapeError, match="out of range"):
            getattr(gg, name)(gg.ones(3), 1)


def test_plain_arrays_give_plain_results():
    a = _sample((2, 3))
    np.testing.assert_allclose(gg.cumsum(a, 1), np.cumsum(a, 1))
    np.testing.assert_allclose(gg.cumprod(a, 0), np.cumprod(a, 0))
    np.testing.assert_allclose(gg.logcumsumexp(a, 1), np.logaddexp.accumulate(a, 1))
    values, indices = gg.cummax(a, 1)
    np.testing.assert_allclose(values, np.maximum.accumulate(a, 1))
