"""Conjugate gradients and gradient descent with line search on ill-conditioned quadratics,
against their textbook convergence rates (Nocedal & Wright §3.3, §5.1)."""
import numpy as np
import pytest

import graphgrad as gg


def _quadratic(n, kappa, seed=0):
    """f(x) = ½ xᵀAx − bᵀx with eigenvalues spread geometrically over [1, κ]."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    a = q @ np.diag(np.geomspace(1.0, kappa, n)) @ q.T
    return a, rng.normal(size=n)


def _iterate(make, a, b, x0, iterations):
    """Run one iteration per step; return the iterates."""
    x = gg.tensor(np.array(x0, dtype=np.float64), requires_grad=True)
    opt = make([x])
    at, bt = gg.tensor(a), gg.tensor(b)

    def closure():
        opt.zero_grad()
        loss = 0.5 * (x @ (at @ x)) - bt @ x
        loss.backward()
        return loss
    path = [x.array.copy()]
    for _ in range(iterations):
        opt.step(closure)
        path.append(x.array.copy())
    return np.array(path)


def _a_norm_errors(path, a, b):
    e = path - np.linalg.solve(a, b)
    return np.sqrt(np.einsum("ki,ij,kj->k", e, a, e))


@pytest.mark.parametrize("beta", ["fletcher_reeves", "polak_ribiere"])
def test_conjugate_gradients_meet_the_cg_bound(beta):
    """‖x_k − x*‖_A ≤ 2((√κ−1)/(√κ+1))^k ‖x₀ − x*‖_A, and far ahead of steepest descent."""
    kappa, n, k = 100.0, 20, 40
    a, b = _quadratic(n, kappa)
    cg = _a_norm_errors(_iterate(lambda p: gg.optim.ConjugateGradient(p, beta=beta, max_iter=1),
                                 a, b, np.zeros(n), k), a, b)
    rho = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
    assert np.all(cg <= 2 * rho ** np.arange(k + 1) * cg[0] + 1e-12)
    gd = _a_norm_errors(_iterate(lambda p: gg.optim.LineSearchGD(p, max_iter=1), a, b,
                                 np.zeros(n), k), a, b)
    assert cg[n] < 0.05 * gd[n]


def _linear_cg(a, b, x, steps):
    """Textbook linear CG (exact steps t = −gᵀd / dᵀAd), the oracle for nonlinear CG with exact
    line searches on a quadratic."""
    g = a @ x - b
    d, path = -g, [x]
    for _ in range(steps):
        x = x - (g @ d) / (d @ a @ d) * d
        g_new = a @ x - b
        d = -g_new + (g_new @ g_new) / (g @ g) * d
        g = g_new
        path.append(x)
    return np.array(path)


@pytest.mark.parametrize("beta", ["fletcher_reeves", "polak_ribiere"])
def test_cg_with_exact_line_searches_is_linear_cg_on_a_quadratic(beta):
    """With c₂ → 0 the line search is exact, and on a quadratic both formulas give the iterates
    of linear CG, which converges (in exact arithmetic: ends) after about n steps."""
    n = 12
    a, b = _quadratic(n, 1000.0, seed=1)
    make = lambda p: gg.optim.ConjugateGradient(p, beta=beta, max_iter=1, c1=1e-7,  # noqa
                                                c2=1e-6, restart=100)
    path = _iterate(make, a, b, np.zeros(n), n + 3)
    np.testing.assert_allclose(path[:n - 1], _linear_cg(a, b, np.zeros(n), n - 2), atol=1e-6)
    errors = _a_norm_errors(path, a, b)
    assert errors[-1] < 1e-5 * errors[0]


def test_steepest_descent_with_exact_line_search_zigzags_at_the_kantorovich_rate():
    """On f = ½(x₁² + κx₂²) from (κ, 1), exact line searches give f_{k+1} = ((κ−1)/(κ+1))² f_k
    exactly — the worst case of the bound."""
    kappa = 10.0
    a, b = np.diag([1.0, kappa]), np.zeros(2)
    make = lambda p: gg.optim.LineSearchGD(p, max_iter=1, line_search="strong_wolfe", c1=1e-9,  # noqa
                                           c2=1e-8, max_ls=60)
    path = _iterate(make, a, b, [kappa, 1.0], 15)
    f = 0.5 * np.einsum("ki,ij,kj->k", path, a, path)
    np.testing.assert_allclose(f[1:] / f[:-1], ((kappa - 1) / (kappa + 1)) ** 2, rtol=1e-5)


def test_armijo_gradient_descent_converges_linearly_at_its_guaranteed_rate():
    """Backtracking from t = lr by ρ accepts t ≥ min(lr, 2ρ(1−c₁)/L), so each step shrinks
    f − f* by at least 1 − 2c₁μ t_min (μ, L the extreme eigenvalues)."""
    n, kappa, c1, shrink, lr = 10, 20.0, 0.3, 0.5, 1.0
    a, b = _quadratic(n, kappa, seed=2)
    make = lambda p: gg.optim.LineSearchGD(p, lr=lr, max_iter=1, c1=c1, c2=0.9,  # noqa: E731
                                           shrink=shrink)
    path = _iterate(make, a, b, np.ones(n), 60)
    x_star = np.linalg.solve(a, b)
    gap = np.array([0.5 * x @ a @ x - b @ x for x in path]) - (-0.5 * b @ x_star)
    rate = 1 - 2 * c1 * 1.0 * min(lr, 2 * shrink * (1 - c1) / kappa)
    assert np.all(gap[1:] <= rate * gap[:-1] * (1 + 1e-9))
    assert gap[-1] < 1e-6 * gap[0]


def test_closure_optimizers_need_a_closure():
    x = gg.tensor(np.ones(2), requires_grad=True)
    for opt in (gg.optim.LBFGS([x]), gg.optim.ConjugateGradient([x]), gg.optim.LineSearchGD([x])):
        with pytest.raises(TypeError, match="closure"):
            opt.step()


def test_backtracking_and_strong_wolfe_conditions():
    """The returned steps satisfy the conditions they promise, on φ(t) = f(x + t d)."""
    f = lambda x: float(np.sum(x ** 4) + x @ x)  # noqa: E731
    grad = lambda x: 4 * x ** 3 + 2 * x  # noqa: E731
    x = np.array([1.5, -2.0, 0.5])
    d = -grad(x)
    phi = lambda t: (f(x + t * d), grad(x + t * d))  # noqa: E731
    f0, g0 = f(x), grad(x)
    gtd = float(g0 @ d)
    f1, _, t, _ = gg.optim.backtracking(phi, d, 1.0, f0, gtd, c1=1e-4, shrink=0.5)
    assert f1 <= f0 + 1e-4 * t * gtd and f(x + 2 * t * d) > f0 + 1e-4 * 2 * t * gtd
    f2, g2, t2, _ = gg.optim.strong_wolfe(phi, d, 1.0, f0, g0, gtd, c1=1e-4, c2=0.1)
    assert f2 <= f0 + 1e-4 * t2 * gtd and abs(g2 @ d) <= 0.1 * abs(gtd)
