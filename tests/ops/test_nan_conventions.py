"""Infinities and NaN through the elementwise rules, against PyTorch: a rule of a locally constant
function selects 0 (where), so an infinite incoming gradient gives 0 there, not ∞·0 = NaN;
pow's special points; sign(NaN); NaN operands of relu and maximum; (−0.)^−½."""
import numpy as np
import pytest
from elementwise_oracle import as_numpy, compare

import graphgrad as gg

INF, NAN = np.inf, np.nan
X = np.array([-1.0, 0.5])


def _grad(torch, fn_gg, fn_torch, x, dtype=np.float64):
    xg = gg.tensor(np.asarray(x, dtype), requires_grad=True)
    xt = torch.tensor(np.asarray(x, dtype), requires_grad=True)
    fn_gg(xg).sum().backward()
    fn_torch(xt).sum().backward()
    return as_numpy(xg.grad), as_numpy(xt.grad)


# the locally constant piece meets √'s infinite slope at 0
CASES = {
    "relu": (lambda g, x: g.relu(x), lambda t, x: t.relu(x)),
    "maximum": (lambda g, x: g.maximum(x, g.tensor(0.0, dtype=x.dtype)),
                lambda t, x: t.maximum(x, t.tensor(0.0, dtype=x.dtype))),
    "minimum": (lambda g, x: -g.minimum(-x, g.tensor(0.0, dtype=x.dtype)),
                lambda t, x: -t.minimum(-x, t.tensor(0.0, dtype=x.dtype))),
    "clamp": (lambda g, x: g.clamp(x, 0.0, 1.0), lambda t, x: t.clamp(x, 0.0, 1.0)),
    "clamp_min": (lambda g, x: g.clamp(x, min=0.0), lambda t, x: t.clamp(x, min=0.0)),
    "clamp_tensor_bounds": (
        lambda g, x: g.clamp(x, g.zeros(2, dtype=x.dtype), g.ones(2, dtype=x.dtype)),
        lambda t, x: t.clamp(x, t.zeros(2, dtype=x.dtype), t.ones(2, dtype=x.dtype))),
    "pow_zero": (lambda g, x: x ** 0 - 1 + g.relu(x), lambda t, x: x ** 0 - 1 + t.relu(x)),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(CASES))
def test_an_infinite_gradient_stops_where_the_function_is_flat(name, dtype, torch):
    ours, theirs = CASES[name]
    a, b = _grad(torch, lambda x: gg.sqrt(ours(gg, x)), lambda x: torch.sqrt(theirs(torch, x)),
                 X, dtype)
    assert not np.isnan(a).any(), a
    np.testing.assert_allclose(a, b, rtol=1e-6)
    assert a[0] == 0


def test_the_issue_example(torch):
    x = gg.tensor([-1.0, 0.5], requires_grad=True)
    gg.sqrt(gg.relu(x)).sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), [0.0, np.sqrt(0.5)], rtol=1e-6)


def test_hessian_of_relu_to_the_one_and_a_half_has_no_nan(torch):
    x = np.array([-1.0, 0.5])
    ours = gg.hessian(lambda x: (gg.relu(x) ** 1.5).sum())(gg.tensor(x))
    theirs = torch.autograd.functional.hessian(lambda x: (torch.relu(x) ** 1.5).sum(),
                                               torch.tensor(x))
    np.testing.assert_allclose(as_numpy(ours), theirs.numpy(), rtol=1e-12)
    assert as_numpy(ours)[1, 1] == pytest.approx(0.75 / np.sqrt(0.5))


def test_relu_forward_rule_stops_an_infinite_tangent(torch):
    x = np.array([-1.0, 0.5, NAN, 0.0])
    _, ours = gg.jvp(gg.relu, (gg.tensor(x),), (gg.tensor(np.full(4, INF)),))
    _, theirs = torch.func.jvp(torch.relu, (torch.tensor(x),), (torch.full((4,), INF,
                                                                          dtype=torch.float64),))
    np.testing.assert_array_equal(as_numpy(ours), theirs.numpy())


# ----------------------------------------------------------------------------- pow
def test_pow_derivative_at_zero_exponent_is_zero_even_at_infinity_and_nan(torch):
    x = np.array([INF, -INF, NAN, 0.0, 2.0])
    a, b = _grad(torch, lambda x: x ** 0, lambda x: x ** 0, x)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, np.zeros(5))
    zeros = np.zeros(5)
    a, b = _grad(torch, lambda x: x ** gg.tensor(zeros), lambda x: x ** torch.tensor(zeros), x)
    np.testing.assert_array_equal(a, b)
    compare(torch, lambda x, y: x ** y, lambda x, y: x ** y, x, zeros, jvp=False)


def test_pow_exponent_derivative_at_zero_base(torch):
    """∂(x^y)/∂y at x = 0: 0 for y ≥ 0, −∞ for y < 0 (x^y = ∞, ln 0 = −∞), as PyTorch."""
    x = np.array([0.0, 0.0, 0.0, 0.0, -0.0])
    y = np.array([-1.0, -0.5, 0.0, 2.0, -0.5])
    compare(torch, lambda x, y: x ** y, lambda x, y: x ** y, x, y)
    yg = gg.tensor(y, requires_grad=True)
    (gg.tensor(x) ** yg).sum().backward()
    assert yg.grad.detach().numpy().tolist()[:4] == [-INF, -INF, 0.0, 0.0]


def test_negative_zero_to_minus_a_half_is_plus_infinity_as_ieee(torch):
    """IEEE 754 (and NumPy, and torch.pow with a tensor exponent) give +∞; torch's Python-number
    exponent −0.5 takes its rsqrt path and gives −∞: we keep +∞ for every spelling."""
    x = gg.tensor([-0.0, -0.0])
    assert (x ** -0.5).tolist() == [INF, INF]
    assert gg.pow(x, gg.tensor(-0.5)).tolist() == [INF, INF]
    assert torch.pow(torch.tensor([-0.0]), torch.tensor(-0.5)).item() == INF
    assert (torch.tensor([-0.0]) ** -0.25).item() == INF and np.float64(-0.0) ** -0.5 == INF


def test_pow_second_order_at_special_points(torch):
    x, y = np.array([1.5, 2.0, -1.5, 0.5]), np.array([0.0, 2.0, 2.0, 3.0])
    compare(torch, lambda x, y: x ** y, lambda x, y: x ** y, x, y, second=True)


def test_pow_second_derivatives_at_zero_base_are_their_limits():
    """At x = 0 < y every second derivative of x^y tends to 0 (x^(y−1) ln x → 0 for y > 1);
    PyTorch gives NaN for the mixed and ∂²/∂y² ones (0 · ln 0 inside its rule)."""
    x = gg.tensor(0.0, dtype=gg.float64, requires_grad=True)
    y = gg.tensor(2.5, dtype=gg.float64, requires_grad=True)
    first = gg.gradients(x ** y, [x, y], create_graph=True)
    assert [g.item() for g in first] == [0.0, 0.0]
    for g in first:
        row = gg.gradients(g, [x, y], allow_unused=True)
        assert [0.0 if r is None else r.item() for r in row] == [0.0, 0.0]


# ----------------------------------------------------------------------------- sign, NaN
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sign_and_sgn_of_nan_are_zero(dtype, torch):
    x = np.array([NAN, -0.0, 0.0, -2.0, 3.0, INF, -INF], dtype)
    for name in ("sign", "sgn"):
        ours, theirs = getattr(gg, name)(gg.tensor(x)), getattr(torch, name)(torch.tensor(x))
        np.testing.assert_array_equal(as_numpy(ours), theirs.numpy())
        assert as_numpy(ours).dtype == dtype
    assert gg.sign(gg.tensor(NAN)).item() == 0.0


def test_relu_passes_the_gradient_of_a_nan_in_both_modes(torch):
    x = np.array([NAN, -1.0, 0.0, 2.0])
    a, b = _grad(torch, gg.relu, torch.relu, x)
    np.testing.assert_array_equal(a, b)
    assert a.tolist() == [1.0, 0.0, 0.0, 1.0]
    compare(torch, gg.relu, torch.relu, x)


def test_maximum_and_minimum_with_nan_pass_the_gradient_to_both(torch):
    """PyTorch's backward gives a NaN-involving maximum's gradient to both operands (its forward
    rule gives the tangent of the second only); one rule serves both modes here, so the forward
    mode agrees with the backward one: ẏ = ẋ + ẏ₂ there."""
    x, y = np.array([NAN, 1.0, 2.0, 3.0]), np.array([1.0, NAN, 2.0, 1.0])
    for name in ("maximum", "minimum"):
        compare(torch, getattr(gg, name), getattr(torch, name), x, y, jvp=False)
        _, tangent = gg.jvp(getattr(gg, name), (gg.tensor(x), gg.tensor(y)),
                            (gg.ones(4, dtype=gg.float64), gg.ones(4, dtype=gg.float64) * 10))
        assert as_numpy(tangent)[:3].tolist() == [11.0, 11.0, 5.5]


def test_where_keeps_an_infinite_gradient_out_of_the_branch_not_taken(torch):
    x = np.array([-1.0, 4.0])
    a, b = _grad(torch, lambda x: gg.sqrt(gg.where(x > 0, x, 0.0)),
                 lambda x: torch.sqrt(torch.where(x > 0, x, 0.0)), x)
    np.testing.assert_array_equal(a, b)


SELECTIONS = {      # the reduction, and whether PyTorch also gives 0 off the selection
    "max": (lambda t: t.max(), True), "min": (lambda t: t.min(), True),
    "median": (lambda t: t.median(), True), "amax": (lambda t: t.amax(), False),
    "amin dim": (lambda t: t.amin(0), False),
}


@pytest.mark.parametrize("name", sorted(SELECTIONS))
def test_an_infinite_gradient_reaches_only_the_selected_entries(name, torch):
    """max(), min(), median() as PyTorch (0 off the selection); amax/amin too, where PyTorch's
    multiplies by its 0/1 mask and gives NaN (the function is flat there: 0 is right)."""
    fn, as_torch = SELECTIONS[name]
    grads = []
    for lib in (gg, torch):
        x = lib.tensor([0.5, 2.0, 2.0, -1.0], dtype=lib.float64, requires_grad=True)
        y = fn(x)
        y.backward(lib.full(tuple(y.shape), INF, dtype=lib.float64))
        grads.append(as_numpy(x.grad))
    ours, theirs = grads
    assert not np.isnan(ours).any() and np.isinf(ours).sum() in (1, 2), ours
    if as_torch:
        np.testing.assert_array_equal(ours, theirs)
    else:
        assert np.isnan(theirs).any()
        np.testing.assert_array_equal(ours, np.where(np.isnan(theirs), 0.0, theirs))


@pytest.mark.parametrize("kernel, stride", [(2, 2), (3, 1)])
def test_max_pooling_sends_an_infinite_gradient_only_to_the_argmax(torch, kernel, stride):
    grads = []
    for lib in (gg, torch):
        x = lib.tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True)
        y = lib.nn.functional.max_pool2d(x, kernel, stride=stride)
        y.backward(lib.full(tuple(y.shape), INF, dtype=lib.float64))
        grads.append(as_numpy(x.grad))
    np.testing.assert_array_equal(*grads)
    assert not np.isnan(grads[0]).any()


@pytest.mark.parametrize("reduce", ["amax", "amin"])
def test_scatter_reduce_sends_an_infinite_gradient_only_to_the_selected(reduce, torch):
    """As amax: 0 off the selected entries, where PyTorch gives NaN (its selected entries
    agree)."""
    grads = []
    for lib in (gg, torch):
        x = lib.tensor([1.0, 5.0, 2.0], dtype=lib.float64, requires_grad=True)
        src = lib.tensor([3.0, 4.0, 6.0, 1.0], dtype=lib.float64, requires_grad=True)
        y = x.scatter_reduce(0, lib.tensor([0, 0, 2, 2]), src, reduce=reduce)
        y.backward(lib.full((3,), INF, dtype=lib.float64))
        grads.append((as_numpy(x.grad), as_numpy(src.grad)))
    for ours, theirs in zip(*grads):
        assert not np.isnan(ours).any()
        np.testing.assert_array_equal(ours, np.where(np.isnan(theirs), 0.0, theirs))
