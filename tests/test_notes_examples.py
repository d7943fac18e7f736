"""The worked examples of the lecture notes (../shared/seeds), reproduced exactly."""
import numpy as np

import graphgrad as gg


def f004(x):
    """004: f(x) = sqrt(x² + exp(x²)) + cos(x² + exp(x²))"""
    return gg.sqrt(x ** 2 + gg.exp(x ** 2)) + gg.cos(x ** 2 + gg.exp(x ** 2))


def df004(x):
    """004's closed form: 2x (1/(2 sqrt(x² + e^x²)) − sin(x² + e^x²)) (1 + e^x²)"""
    s = x ** 2 + np.exp(x ** 2)
    return 2 * x * (1 / (2 * np.sqrt(s)) - np.sin(s)) * (1 + np.exp(x ** 2))


def test_004_both_modes_match_the_closed_form():
    for x0 in (-1.3, -0.2, 0.5, 1.1, 1.5):
        x = gg.tensor(x0, dtype=gg.float64, requires_grad=True)
        f004(x).backward()
        _, tangent = gg.jvp(f004, (np.float64(x0),), (np.float64(1.0),))
        assert np.isclose(x.grad.item(), df004(x0), rtol=1e-13, atol=1e-13)
        assert np.isclose(tangent.item(), df004(x0), rtol=1e-13, atol=1e-13)


def test_004_intermediate_variables_of_the_reverse_mode_slide():
    """a = x², b = exp(a), c = a + b, d = √c, e = cos c, f = d + e; ∂f/∂c = 1/(2√c) − sin c."""
    x = gg.tensor(0.8, dtype=gg.float64, requires_grad=True)
    a = x ** 2
    b = gg.exp(a)
    c = a + b
    f = gg.sqrt(c) + gg.cos(c)
    df_dc, df_da = gg.gradients(f, [c, a])
    cv = 0.64 + np.exp(0.64)
    assert np.isclose(df_dc.item(), 1 / (2 * np.sqrt(cv)) - np.sin(cv), rtol=1e-14)
    assert np.isclose(df_da.item(), df_dc.item() * np.exp(0.64) + df_dc.item(), rtol=1e-14)


def test_001_toy_example_in_radians():
    """001: f(x) = 2 / sin(exp(−x)) at x = −4.499. The slide rounds exp(4.499) to 90 and takes
    sin and cos of it in degrees (sin 90° = 1, cos 90° = 0), so it gets f = 2 and f′ = 0.
    graphgrad works in radians, like NumPy and PyTorch: f′ = 2 e^{−x} cos(e^{−x}) / sin²(e^{−x})."""
    x = gg.tensor(-4.499, dtype=gg.float64, requires_grad=True)
    a = -x
    b = gg.exp(a)
    c = gg.sin(b)
    d = 2 / c
    d.backward()
    bv = np.exp(4.499)
    assert round(bv) == 90                                        # the slide's "90"
    assert np.isclose(d.item(), 2 / np.sin(bv), rtol=1e-14)
    assert np.isclose(x.grad.item(), 2 * bv * np.cos(bv) / np.sin(bv) ** 2, rtol=1e-12)
    assert np.isclose(d.item(), 2.16395125, rtol=1e-8)            # not the slide's 2
    assert np.isclose(x.grad.item(), -80.3930566, rtol=1e-8)      # not the slide's 0


def test_003_sigmoid_derivative_at_zero_is_a_quarter():
    """003: σ(0)(1 − σ(0)) = 0.5 · 0.5 = 0.25."""
    x = gg.tensor(0.0, requires_grad=True)
    gg.sigmoid(x).backward()
    assert x.grad.item() == 0.25
    assert gg.grad(gg.sigmoid)(0.0).item() == 0.25
    assert gg.jvp(gg.sigmoid, (0.0,), (1.0,))[1].item() == 0.25


def test_000_example_graph_differentiated_wrt_theta():
    """000, eq. (8): f = x_v2 + (x_v0 + θ0 x_v1)^θ1, so with v3 = x_v0 + θ0 x_v1:
    ∂f/∂θ0 = θ1 v3^(θ1−1) x_v1 and ∂f/∂θ1 = v3^θ1 ln v3."""
    x0, x1, x2 = (gg.tensor(v, dtype=gg.float64) for v in (0.5, 2.0, -1.0))
    theta0 = gg.tensor(0.75, dtype=gg.float64, requires_grad=True)
    theta1 = gg.tensor(1.5, dtype=gg.float64, requires_grad=True)
    v3 = x0 + theta0 * x1
    v4 = x2 + v3 ** theta1
    v4.backward()
    v3v = 0.5 + 0.75 * 2.0
    assert np.isclose(v4.item(), -1.0 + v3v ** 1.5, rtol=1e-15)
    assert np.isclose(theta0.grad.item(), 1.5 * v3v ** 0.5 * 2.0, rtol=1e-14)
    assert np.isclose(theta1.grad.item(), v3v ** 1.5 * np.log(v3v), rtol=1e-14)
    # forward propagation from θ0 and from θ1 gives the same numbers
    f = lambda t0, t1: x2 + (x0 + t0 * x1) ** t1                       # noqa: E731
    t0, t1 = np.float64(0.75), np.float64(1.5)
    assert np.isclose(gg.jvp(f, (t0, t1), (1.0, 0.0))[1].item(), theta0.grad.item(), rtol=1e-14)
    assert np.isclose(gg.jvp(f, (t0, t1), (0.0, 1.0))[1].item(), theta1.grad.item(), rtol=1e-14)
