"""var, std, var_mean, std_mean against PyTorch: Bessel's correction by default (n − 1), every
overload (dim, correction=, unbiased= positional or keyword, var(x, unbiased)), NumPy's
ddof=/axis=/keepdims=, the gradient 0 where std is 0, and the edge cases n − correction ≤ 0
(values inf or NaN and gradients as PyTorch gives them), in both modes."""
import numpy as np
import pytest
from reduction_oracle import compare

import graphgrad as gg

DTYPES = [np.float32, np.float64]


def _sample(shape=(3, 4, 2), seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def test_the_default_is_the_sample_variance():
    x = gg.tensor([1.0, 2.0, 3.0, 4.0], dtype=gg.float64)
    assert x.var().item() == pytest.approx(5 / 3)
    assert x.std().item() == pytest.approx(np.sqrt(5 / 3))
    assert x.var(correction=0).item() == pytest.approx(1.25)
    assert x.var(unbiased=False).item() == pytest.approx(1.25)
    assert x.var(ddof=0).item() == pytest.approx(1.25)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["var", "std"])
def test_every_dim_and_correction(name, dtype, torch):
    x = _sample()
    for dim in (None, 0, 1, -1, (0, 2), [1, 2]):
        for keepdim in (False, True):
            for correction in (None, 0, 1, 2, 0.5):
                kw = {} if correction is None else {"correction": correction}
                tdim = tuple(dim) if isinstance(dim, list) else dim
                compare(torch, lambda t: getattr(gg, name)(t, dim, keepdim=keepdim, **kw),
                        lambda t: getattr(torch, name)(t, tdim, keepdim=keepdim, **kw), x,
                        dtype, what=f"{name} dim={dim} keepdim={keepdim} {kw}")


@pytest.mark.parametrize("name", ["var", "std"])
def test_the_overloads(name, torch):
    x = _sample((3, 4))
    calls = [lambda f, t: f(t), lambda f, t: f(t, 1), lambda f, t: f(t, 1, False),
             lambda f, t: f(t, 0, True, True), lambda f, t: f(t, False), lambda f, t: f(t, True),
             lambda f, t: f(t, dim=1, unbiased=False, keepdim=True),
             lambda f, t: f(t, 1, correction=0), lambda f, t: f(t, dim=(0, 1), correction=3)]
    for call in calls:
        compare(torch, lambda t: call(getattr(gg, name), t),
                lambda t: call(getattr(torch, name), t), x)
        compare(torch, lambda t: call(getattr(gg.Tensor, name), t),
                lambda t: call(getattr(torch.Tensor, name), t), x)
    ours = getattr(gg, name)(gg.tensor(x), axis=1, keepdims=True, ddof=0)
    theirs = getattr(torch, name)(torch.tensor(x), 1, keepdim=True, correction=0)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-6)
    with pytest.raises(TypeError, match="not several"):
        getattr(gg, name)(gg.tensor(x), 1, True, correction=1)


@pytest.mark.parametrize("dtype", DTYPES)
def test_constant_input_has_zero_std_gradient(dtype, torch):
    x = np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0], [-3.0, -3.0, -3.0]])
    for name in ("std", "var"):
        for dim in (None, 1):
            compare(torch, lambda t: getattr(gg, name)(t, dim),
                    lambda t: getattr(torch, name)(t, dim), x, dtype, what=name)
    t = gg.tensor([[5.0, 5.0, 5.0, 5.0]], requires_grad=True)
    t.std(1).sum().backward()
    assert t.grad.tolist() == [[0.0, 0.0, 0.0, 0.0]]


@pytest.mark.parametrize("name", ["var", "std"])
def test_too_few_degrees_of_freedom_as_pytorch(name, torch):
    """n − c = 0 (a size-1 axis with Bessel's correction): NaN values and gradients; n − c < 0:
    inf, and PyTorch's gradient (its formula with the uncorrected n − c)."""
    with np.errstate(all="ignore"):
        for x, dim, correction in [(np.array([[2.0], [3.0]]), 1, 1), (np.array([[2.0, 3.0]]), 1, 2),
                                   (np.array([[2.0, 3.0]]), 1, 3), (np.array([4.0]), None, 1),
                                   (np.array(1.5), None, 1)]:
            compare(torch, lambda t: getattr(gg, name)(t, dim, correction=correction),
                    lambda t: getattr(torch, name)(t, dim, correction=correction), x,
                    what=f"{name} {x.shape} c={correction}")


@pytest.mark.parametrize("name", ["var_mean", "std_mean"])
def test_var_mean_and_std_mean(name, torch):
    x = _sample((3, 4))
    for args, kw in [((), {}), ((1,), {}), ((0,), {"keepdim": True}), ((1,), {"correction": 0}),
                     ((1, False), {})]:
        ours = getattr(gg, name)(gg.tensor(x), *args, **kw)
        theirs = getattr(torch, name)(torch.tensor(x), *args, **kw)
        assert type(ours) is tuple and len(ours) == 2
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12)
            assert a.shape == tuple(b.shape)
    x_ours = gg.tensor(x, requires_grad=True)
    x_theirs = torch.tensor(x, requires_grad=True)
    spread, centre = getattr(gg, name)(x_ours, 1)
    (spread.sum() + 2 * centre.sum()).backward()
    spread, centre = getattr(torch, name)(x_theirs, 1)
    (spread.sum() + 2 * centre.sum()).backward()
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-12)


def test_integers_are_refused_as_pytorch(torch):
    for name in ("var", "std", "var_mean", "std_mean"):
        with pytest.raises(gg.DtypeError, match="floating-point"):
            getattr(gg, name)(gg.tensor([1, 2, 3]))
        with pytest.raises(RuntimeError):
            getattr(torch, name)(torch.tensor([1, 2, 3]))


def test_second_order_of_std_against_torch(torch):
    x = _sample((2, 3), seed=4)
    ours = gg.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    (g_ours,) = gg.gradients(ours.std(1).sum(), [ours], create_graph=True)
    (g_theirs,) = torch.autograd.grad(theirs.std(1).sum(), [theirs], create_graph=True)
    (h_ours,) = gg.gradients((g_ours ** 3).sum(), [ours])
    (h_theirs,) = torch.autograd.grad((g_theirs ** 3).sum(), [theirs])
    np.testing.assert_allclose(h_ours.detach().numpy(), h_theirs.detach().numpy(), rtol=1e-10)


def test_plain_arrays_give_plain_results():
    a = _sample((3, 4))
    np.testing.assert_allclose(gg.var(a, 1), a.var(1, ddof=1))
    np.testing.assert_allclose(gg.std(a, correction=0), a.std())
    assert isinstance(gg.std(a, 0), np.ndarray)
