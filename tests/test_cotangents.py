"""The cotangent of a pullback is an input of it: vjp_fn(u) = uᵀ J(x) is differentiable with
respect to u (and x) in both modes, to any order — as PyTorch's double backward."""
import numpy as np

import graphgrad as gg

f64 = gg.float64


def _scalar_case():
    f = lambda x: 3 * gg.sin(x)                                     # noqa: E731
    vjp_f = lambda x, u: gg.vjp(f, x)[1](u)[0]                      # noqa: E731
    return vjp_f, gg.tensor(0.7, dtype=f64), gg.tensor(1.0, dtype=f64)


def test_grad_of_a_pullback_with_respect_to_its_cotangent():
    vjp_f, x, u = _scalar_case()
    assert np.isclose(gg.grad(vjp_f, argnums=1)(x, u).item(), 3 * np.cos(0.7), rtol=1e-14)
    assert np.isclose(gg.grad(vjp_f, argnums=1)(x, u).item(), 2.2945265618534654, rtol=1e-12)


def test_jvp_of_a_pullback_with_respect_to_its_cotangent():
    vjp_f, x, u = _scalar_case()
    _, tangent = gg.jvp(lambda u: vjp_f(x, u), (u,), (gg.tensor(1.0, dtype=f64),))
    assert np.isclose(tangent.item(), 3 * np.cos(0.7), rtol=1e-14)


def test_jvp_of_gradients_with_respect_to_grad_outputs():
    x = gg.tensor(0.7, dtype=f64, requires_grad=True)

    def pullback(u):
        y = 3 * gg.sin(x)
        return gg.gradients(y, x, grad_outputs=u, create_graph=True)[0]
    _, tangent = gg.jvp(pullback, (gg.tensor(1.0, dtype=f64),), (gg.tensor(2.0, dtype=f64),))
    assert np.isclose(tangent.item(), 2 * 3 * np.cos(0.7), rtol=1e-14)


def _vector_function(lib):
    def f(x):
        return lib.stack([x[0] * x[1] ** 2, lib.sin(x[2]) * x[0], lib.exp(x[1] - x[2])])
    return f


X = np.array([0.3, -1.2, 0.8])
V = np.array([1.0, -0.5, 2.0])


def test_the_double_vjp_trick_gives_the_jvp(torch):
    """J v = ∂/∂u ⟨uᵀJ, v⟩: forward propagation from two backward ones, against gg.jvp and
    torch.func.jvp."""
    f = _vector_function(gg)
    _, pull = gg.vjp(f, gg.tensor(X, dtype=f64))
    u0 = gg.zeros(3, dtype=f64)
    trick = gg.grad(lambda u: (pull(u)[0] * gg.tensor(V)).sum())(u0)
    _, direct = gg.jvp(f, (gg.tensor(X),), (gg.tensor(V),))
    _, theirs = torch.func.jvp(_vector_function(torch), (torch.tensor(X),), (torch.tensor(V),))
    np.testing.assert_allclose(trick.detach().numpy(), direct.detach().numpy(), rtol=1e-14)
    np.testing.assert_allclose(trick.detach().numpy(), theirs.detach().numpy(), rtol=1e-14)
    # the same through gradients(create_graph=True), PyTorch's spelling of the trick
    x = gg.tensor(X, requires_grad=True)
    u = gg.zeros(3, dtype=f64, requires_grad=True)
    (g,) = gg.gradients(f(x), x, grad_outputs=u, create_graph=True)
    (jv,) = gg.gradients(g, u, grad_outputs=gg.tensor(V))
    np.testing.assert_allclose(jv.detach().numpy(), theirs.detach().numpy(), rtol=1e-14)


def test_grad_of_the_pullback_matches_torch_create_graph(torch):
    """∂/∂u and ∂/∂x of ⟨uᵀJ(x), w⟩ against torch.autograd.grad(create_graph=True)."""
    f = _vector_function(gg)
    U, W = np.array([0.4, 1.5, -0.7]), np.array([2.0, 0.1, -1.0])

    def ours(x, u):
        _, pull = gg.vjp(f, x)
        return (pull(u)[0] * gg.tensor(W)).sum()
    gx, gu = gg.grad(ours, argnums=(0, 1))(gg.tensor(X), gg.tensor(U))

    tx = torch.tensor(X, requires_grad=True)
    tu = torch.tensor(U, requires_grad=True)
    (tg,) = torch.autograd.grad(_vector_function(torch)(tx), tx, grad_outputs=tu,
                                create_graph=True)
    tgx, tgu = torch.autograd.grad((tg * torch.tensor(W)).sum(), (tx, tu))
    np.testing.assert_allclose(gu.detach().numpy(), tgu.detach().numpy(), rtol=1e-13)
    np.testing.assert_allclose(gx.detach().numpy(), tgx.detach().numpy(), rtol=1e-13)


def test_third_order_through_the_cotangent(torch):
    """∂³/∂x∂u∂x of u f'(x) at order three, both with gg.grad nests and against PyTorch:
    ∂/∂u (u f'(x)) = f'(x), then two more derivatives in x give f'''(x) = −3 cos x for
    f = 3 sin x."""
    f = lambda x: 3 * gg.sin(x)                                     # noqa: E731

    def d_du(x, u):
        return gg.grad(lambda u: gg.vjp(f, x)[1](u)[0], argnums=0)(u)
    third = gg.grad(gg.grad(d_du, argnums=0), argnums=0)(gg.tensor(0.7, dtype=f64),
                                                         gg.tensor(1.3, dtype=f64))
    assert np.isclose(third.item(), -3 * np.cos(0.7), rtol=1e-13)

    x = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    u = torch.tensor(1.3, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(3 * torch.sin(x), x, grad_outputs=u, create_graph=True)
    (gu,) = torch.autograd.grad(g, u, create_graph=True)
    (gux,) = torch.autograd.grad(gu, x, create_graph=True)
    (guxx,) = torch.autograd.grad(gux, x)
    assert np.isclose(third.item(), guxx.item(), rtol=1e-13)
    # and the mixed third derivative ∂³/∂u∂x∂x by forward over reverse over reverse
    xx = gg.tensor(0.7, dtype=f64)

    def d_dx(u):
        return gg.grad(lambda x: gg.vjp(f, x)[1](u)[0])(xx)
    _, t = gg.jvp(d_dx, (gg.tensor(1.3, dtype=f64),), (gg.tensor(1.0, dtype=f64),))
    assert np.isclose(t.item(), -3 * np.sin(0.7), rtol=1e-13)


def test_a_constant_cotangent_still_records_nothing():
    """The fast path stays: a plain cotangent gives plain gradients without a graph."""
    _, pull = gg.vjp(lambda x: gg.exp(x), gg.tensor([0.5, 1.0], dtype=f64))
    (g,) = pull(np.array([1.0, 2.0]))
    assert not g.requires_grad and g.grad_fn is None
    np.testing.assert_allclose(g.detach().numpy(), np.exp([0.5, 1.0]) * [1.0, 2.0], rtol=1e-15)
