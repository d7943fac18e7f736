"""gg.linalg.vector_norm, gg.linalg.matrix_norm, gg.linalg.norm and gg.norm (torch.norm)
against PyTorch: every ord, dim and keepdim, gradients at zero vectors (the subgradient 0 as
PyTorch), ties of the ∞-norms, forward mode, second order, and the errors PyTorch raises."""
import math

import numpy as np
import pytest
from reduction_oracle import compare

import graphgrad as gg

DTYPES = [np.float32, np.float64]
ORDS = [2, 1, 3, 0.5, -1, 1.5, math.inf, -math.inf, 0]


def _sample(shape=(3, 4, 2), seed=0):
    rng = np.random.default_rng(seed)
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.2, 2.0, shape)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ord", ORDS)
def test_vector_norm(ord, dtype, torch):
    x = _sample()
    for dim in (None, 0, -1, (0, 2), [1, 2]):
        for keepdim in (False, True):
            tdim = tuple(dim) if isinstance(dim, list) else dim
            compare(torch, lambda t: gg.linalg.vector_norm(t, ord, dim, keepdim),
                    lambda t: torch.linalg.vector_norm(t, ord, tdim, keepdim), x, dtype,
                    grad=ord != 0, what=f"ord={ord} dim={dim} keepdim={keepdim}")
    compare(torch, lambda t: gg.linalg.vector_norm(t, ord), lambda t: torch.linalg.vector_norm(
        t, ord), np.array(-1.5), dtype, grad=ord != 0)


@pytest.mark.parametrize("ord", ORDS)
def test_vector_norm_gradient_at_zero_is_zero(ord, torch):
    for x in (np.zeros(3), np.zeros((2, 3))):
        compare(torch, lambda t: gg.linalg.vector_norm(t, ord, -1),
                lambda t: torch.linalg.vector_norm(t, ord, -1), x, grad=ord != 0,
                what=f"ord={ord}")
    partly = np.array([[0.0, 1.0, -2.0], [0.0, 0.0, 0.0]])
    compare(torch, lambda t: gg.linalg.vector_norm(t, ord, 1),
            lambda t: torch.linalg.vector_norm(t, ord, 1), partly, grad=ord != 0, jvp=False)
    if ord == 0:
        x = gg.zeros(3, requires_grad=True)
        gg.linalg.vector_norm(gg.tensor([1.0, 0.0, 2.0], requires_grad=True) + x, 0).backward()
        assert x.grad is None or not np.any(x.grad.detach().numpy())


def test_infinity_norms_share_ties(torch):
    x = np.array([[2.0, -2.0, 1.0], [-0.5, 0.5, 0.5]])
    for ord in (math.inf, -math.inf):
        compare(torch, lambda t: gg.linalg.vector_norm(t, ord, 1),
                lambda t: torch.linalg.vector_norm(t, ord, 1), x)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ord", ["fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf])
def test_matrix_norm(ord, dtype, torch):
    x = _sample((2, 3, 4))
    for dim in ((-2, -1), (0, 2), (2, 0), (1, 0)):
        for keepdim in (False, True):
            compare(torch, lambda t: gg.linalg.matrix_norm(t, ord, dim, keepdim),
                    lambda t: torch.linalg.matrix_norm(t, ord, dim, keepdim), x, dtype,
                    what=f"ord={ord} dim={dim} keepdim={keepdim}")
    compare(torch, lambda t: gg.linalg.matrix_norm(t, ord), lambda t: torch.linalg.matrix_norm(
        t, ord), np.zeros((2, 3)), dtype)
    ties = np.array([[1.0, -2.0], [2.0, 1.0]])      # equal column sums, row sums, and σ₁ = σ₂
    if not (ord in (2, -2) and dtype == np.float32):  # σ₁ = σ₂ only up to float32's rounding
        compare(torch, lambda t: gg.linalg.matrix_norm(t, ord),
                lambda t: torch.linalg.matrix_norm(t, ord), ties, dtype)


def test_matrix_norm_errors():
    with pytest.raises(ValueError, match="ord must be"):
        gg.linalg.matrix_norm(gg.ones(2, 2), 3)
    with pytest.raises(gg.ShapeError, match="at least 2"):
        gg.linalg.matrix_norm(gg.ones(3))
    with pytest.raises(gg.ShapeError, match="2 axes"):
        gg.linalg.matrix_norm(gg.ones(2, 2, 2), dim=(0, 1, 2))


@pytest.mark.parametrize("dtype", DTYPES)
def test_svdvals(dtype, torch):
    for shape in ((3, 2), (2, 4), (3, 3), (2, 3, 2)):
        compare(torch, gg.linalg.svdvals, torch.linalg.svdvals, _sample(shape, seed=6), dtype,
                what=f"svdvals {shape}")
    with pytest.raises(ValueError, match="at least 2"):
        gg.linalg.svdvals(gg.ones(3))


def test_singular_vectors_through_sign_free_functions(torch):
    """U and V (the svd_u and svd_v primitives, differentiable to any order) against
    torch.linalg.svd, through Σ C ∘ (U diag(w) Vᵀ), which does not depend on the signs LAPACK
    picks: values, gradients, forward mode and a second derivative."""
    from graphgrad.ops.svd import svd_s, svd_u, svd_v
    rng = np.random.default_rng(8)
    for shape in ((4, 3), (2, 3), (2, 3, 3)):
        a = _sample(shape, seed=9)
        k = min(shape[-2:])
        w = rng.uniform(0.5, 2.0, k)
        c = rng.normal(size=shape)

        def ours(t):
            u, s, v = svd_u(t), svd_s(t), svd_v(t)
            return (gg.matmul(u * (w * s ** 2)[..., None, :], v.mT) * c).sum()

        def theirs(t):
            u, s, vh = torch.linalg.svd(t, full_matrices=False)
            return ((u * (torch.tensor(w) * s ** 2)[..., None, :]) @ vh * torch.tensor(c)).sum()
        compare(torch, ours, theirs, a, what=f"{shape}")
        x_ours, x_theirs = gg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        (g_ours,) = gg.gradients(ours(x_ours), [x_ours], create_graph=True)
        (g_theirs,) = torch.autograd.grad(theirs(x_theirs), [x_theirs], create_graph=True)
        (h_ours,) = gg.gradients((g_ours ** 2).sum(), [x_ours])
        (h_theirs,) = torch.autograd.grad((g_theirs ** 2).sum(), [x_theirs])
        np.testing.assert_allclose(h_ours.numpy(), h_theirs.numpy(), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("dtype", DTYPES)
def test_torch_norm(dtype, torch):
    x = _sample((3, 4))
    calls = [lambda m, t: m.norm(t), lambda m, t: m.norm(t, 1), lambda m, t: m.norm(t, "fro", 1),
             lambda m, t: m.norm(t, 3, (0, 1)), lambda m, t: m.norm(t, math.inf, 0, True),
             lambda m, t: m.norm(t, p=2, dim=[0, 1], keepdim=True),
             lambda m, t: m.norm(t, None, 1), lambda m, t: t.norm(),
             lambda m, t: t.norm(1, 0)]
    for call in calls:
        compare(torch, lambda t: call(gg, t), lambda t: call(torch, t), x, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_linalg_norm(dtype, torch):
    calls = [((3, 4), {}), ((3, 4), {"ord": 1}), ((3, 4), {"ord": math.inf}),
             ((3, 4), {"ord": "nuc"}), ((3, 4), {"ord": -2}),
             ((2, 3, 4), {"dim": (2, 0), "ord": 2}),
             ((3, 4), {"ord": "fro"}), ((5,), {"ord": 3}), ((5,), {}),
             ((2, 3, 4), {}), ((2, 3, 4), {"dim": 1, "ord": 1}),
             ((2, 3, 4), {"dim": (0, 2), "ord": -math.inf, "keepdim": True}),
             ((2, 3, 4), {"dim": (1, 2)}), ((2, 3, 4), {"keepdim": True})]
    for shape, kw in calls:
        compare(torch, lambda t: gg.linalg.norm(t, **kw), lambda t: torch.linalg.norm(t, **kw),
                _sample(shape), dtype, what=f"{shape} {kw}")
    with pytest.raises(gg.ShapeError, match="1-D or 2-D"):
        gg.linalg.norm(gg.ones(2, 2, 2), 1)


def test_integers_are_refused_unless_dtype_is_given(torch):
    with pytest.raises(gg.DtypeError):
        gg.linalg.vector_norm(gg.tensor([3, 4]))
    with pytest.raises(RuntimeError):
        torch.linalg.vector_norm(torch.tensor([3, 4]))
    assert gg.linalg.vector_norm(gg.tensor([3, 4]), dtype=gg.float64).item() == 5.0


def test_second_order_of_the_two_norm(torch):
    x = _sample((2, 3), seed=5)
    ours, theirs = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    for p in (2, 3, 1.5):
        (g_ours,) = gg.gradients(gg.linalg.vector_norm(ours, p, 1).sum(), [ours],
                                 create_graph=True)
        (g_theirs,) = torch.autograd.grad(torch.linalg.vector_norm(theirs, p, 1).sum(), [theirs],
                                          create_graph=True)
        (h_ours,) = gg.gradients((g_ours ** 3).sum(), [ours])
        (h_theirs,) = torch.autograd.grad((g_theirs ** 3).sum(), [theirs])
        np.testing.assert_allclose(h_ours.detach().numpy(), h_theirs.detach().numpy(), rtol=1e-10)


def test_linalg_is_a_module_of_torch_linalg_names():
    import graphgrad.linalg as linalg
    assert gg.linalg is linalg
    assert {"vector_norm", "matrix_norm", "norm"} <= set(linalg.__all__)
