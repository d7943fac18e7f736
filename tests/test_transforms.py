"""Function transforms: grad, value_and_grad, vjp, jvp, Jacobians, Hessians — and nesting them
without perturbation confusion."""
import numpy as np
import pytest

import graphgrad as gg

f64 = gg.float64


def test_grad_and_value_and_grad():
    f = lambda x: (x ** 2).sum()                                # noqa: E731
    x = np.array([1.0, -2.0])
    assert gg.grad(f)(x).tolist() == [2.0, -4.0]
    value, g = gg.value_and_grad(f)(x)
    assert value.item() == 5.0 and g.tolist() == [2.0, -4.0]


def test_grad_argnums_and_has_aux():
    f = lambda x, y: ((x * y).sum(), "aux")                     # noqa: E731
    gx, gy = gg.grad(f, argnums=(0, 1), has_aux=True)(np.array([1.0, 2.0]),
                                                       np.array([3.0, 4.0]))[0]
    assert gx.tolist() == [3.0, 4.0] and gy.tolist() == [1.0, 2.0]
    g, aux = gg.grad(f, argnums=1, has_aux=True)(np.array([1.0]), np.array([2.0]))
    assert aux == "aux" and g.tolist() == [1.0]


def test_grad_needs_a_scalar_function():
    with pytest.raises(gg.GradientError, match="one-element"):
        gg.grad(lambda x: x * 2)(np.ones(3))


def test_grad_of_a_function_that_ignores_its_input_is_zero():
    assert gg.grad(lambda x: gg.tensor(1.0))(np.ones(2)).tolist() == [0.0, 0.0]


def test_jvp_is_one_forward_sweep():
    x = np.array([0.3, 0.7])
    out, tangent = gg.jvp(lambda x: gg.sin(x) * x, (x,), (np.array([1.0, 2.0]),))
    assert np.allclose(out.array, np.sin(x) * x)
    assert np.allclose(tangent.array, (np.cos(x) * x + np.sin(x)) * [1.0, 2.0], rtol=1e-14)


def test_jvp_records_no_reverse_graph_when_nothing_requires_grad():
    out, tangent = gg.jvp(gg.exp, (np.array([1.0]),), (np.array([1.0]),))
    assert not out.requires_grad and out.grad_fn is None and not tangent.requires_grad


def test_vjp_can_be_pulled_back_several_times():
    x = np.array([1.0, 2.0, 3.0])
    out, pull = gg.vjp(lambda x: x ** 2, x)
    (g1,) = pull(np.array([1.0, 0.0, 0.0]))
    (g2,) = pull(np.array([0.0, 1.0, 1.0]))
    assert g1.tolist() == [2.0, 0.0, 0.0] and g2.tolist() == [0.0, 4.0, 6.0]


def test_jacobians_agree_in_both_modes_and_auto_picks_the_cheaper_one():
    A = np.arange(6.0).reshape(2, 3)
    f = lambda x: gg.tanh(A @ x)                                # noqa: E731
    x = np.array([0.1, -0.2, 0.3])
    expected = (1 - np.tanh(A @ x) ** 2)[:, None] * A
    for J in (gg.jacfwd(f)(x), gg.jacrev(f)(x), gg.jacobian(f, x, mode="forward"),
              gg.jacobian(f, x, mode="reverse"), gg.jacobian(f, x)):
        assert J.shape == (2, 3) and np.allclose(J.array, expected, rtol=1e-14)
    with pytest.raises(ValueError, match="mode"):
        gg.jacobian(f, x, mode="sideways")


def test_jacobian_auto_mode_counts_sweeps(monkeypatch):
    calls = []
    real_jvp, real_vjp = gg.transforms.jvp, gg.transforms.vjp
    monkeypatch.setattr(gg.transforms, "jvp", lambda *a: calls.append("fwd") or real_jvp(*a))
    monkeypatch.setattr(gg.transforms, "vjp", lambda *a: calls.append("rev") or real_vjp(*a))
    gg.jacobian(lambda x: x.sum(keepdims=True), np.ones(5))     # 5 inputs, 1 output
    assert calls == ["rev"]
    calls.clear()
    gg.jacobian(lambda x: gg.concatenate([x] * 4), np.ones(2))  # 2 inputs, 8 outputs
    assert calls == ["fwd", "fwd"]


def test_hessian_is_forward_over_reverse():
    f = lambda x: (x[0] ** 2 * x[1] + gg.sin(x[1])) * 1.0       # noqa: E731
    x = np.array([1.5, 0.5])
    H = gg.hessian(f)(x).array
    expected = [[2 * x[1], 2 * x[0]], [2 * x[0], -np.sin(x[1])]]
    assert np.allclose(H, expected, rtol=1e-14)


def test_no_perturbation_confusion():
    """d/dx [x · d/dy (x + y)] = 1 everywhere (Siskind & Pearlmutter's example)."""
    def f(x):
        return x * gg.grad(lambda y: x + y)(x)
    for x0 in (-2.0, 0.0, 3.0):
        assert gg.grad(f)(np.float64(x0)).item() == 1.0
    # the forward-mode version of the same question
    def g(x):
        return x * gg.jvp(lambda y: x + y, (x,), (np.float64(1.0),))[1]
    assert gg.jvp(g, (np.float64(2.0),), (np.float64(1.0),))[1].item() == 1.0


def test_nested_jvp_gives_second_derivatives():
    x = np.float64(0.7)
    inner = lambda x: gg.jvp(gg.sin, (x,), (np.float64(1.0),))[1]   # noqa: E731
    _, second = gg.jvp(inner, (x,), (np.float64(1.0),))
    assert np.isclose(second.item(), -np.sin(0.7), rtol=1e-15)


def test_grad_of_grad_of_grad():
    f = lambda x: x ** 5                                        # noqa: E731
    d3 = gg.grad(gg.grad(gg.grad(f)))
    assert d3(np.float64(2.0)).item() == 60 * 4.0
    d4 = gg.grad(d3)
    assert d4(np.float64(2.0)).item() == 120 * 2.0


def test_reverse_over_forward_and_forward_over_reverse_agree():
    f = lambda x: gg.exp(x) * gg.sin(x)                         # noqa: E731
    x = np.float64(0.4)
    rof = gg.grad(lambda x: gg.jvp(f, (x,), (np.float64(1.0),))[1])(x).item()
    for_ = gg.jvp(gg.grad(f), (x,), (np.float64(1.0),))[1].item()
    exact = 2 * np.exp(0.4) * np.cos(0.4)
    assert np.isclose(rof, exact, rtol=1e-14) and np.isclose(for_, exact, rtol=1e-14)


def test_grad_inside_a_recorded_computation_stays_differentiable():
    """A gradient penalty: grad of an inner function w.r.t. x, used in a loss on parameters."""
    w = gg.tensor([2.0], dtype=f64, requires_grad=True)
    x = np.array([3.0])
    gx = gg.grad(lambda x: (w * x ** 2).sum())(x)               # 2 w x
    (gx ** 2).sum().backward()                                  # d/dw (2wx)² = 8 w x²
    assert np.isclose(w.grad.item(), 8 * 2 * 9)


def test_jvp_checks_tangent_shapes():
    with pytest.raises(gg.ShapeError, match="tangent"):
        gg.jvp(gg.exp, (np.ones(3),), (np.ones(2),))


def test_a_hessian_is_a_plain_tensor_unless_something_outside_requires_grad():
    """Forward over reverse runs the inner backward rules on tensors to carry the tangents;
    they are recorded only when something outside the transform requires grad: a top-level
    Hessian is a plain result, one through a closed-over parameter stays differentiable."""
    x = gg.tensor([0.3, -1.2, 0.8], dtype=gg.float64)
    h = gg.hessian(lambda v: (v ** 3).sum())(x)
    assert not h.requires_grad and h.grad_fn is None
    np.testing.assert_allclose(h.numpy(), np.diag(6 * x.numpy()))
    _, hvp = gg.jvp(gg.grad(lambda v: (v ** 3).sum()), (x,), (gg.ones(3, dtype=gg.float64),))
    assert not hvp.requires_grad

    w = gg.tensor([2.0, 0.5, -1.0], dtype=gg.float64, requires_grad=True)

    def through_w(w):     # Σ_ij H_ij for f(v) = Σ w_k v_k³: Σ_k 6 w_k v_k
        return gg.hessian(lambda v: (w * v ** 3).sum())(x).sum()
    total = through_w(w)
    assert total.requires_grad
    total.backward()
    np.testing.assert_allclose(w.grad.numpy(), 6 * x.numpy())
