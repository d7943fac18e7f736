"""Every activation against torch.nn.functional: values and gradients in float32 and float64,
extreme inputs included; the notes' binary threshold and stochastic binary neurons."""
import numpy as np
import pytest

import graphgrad as gg
from graphgrad.nn import functional as F

EXTREMES = np.array([-1e4, -88.0, -30.0, -20.5, -3.0, -1e-3, 0.0, 1e-3, 0.7, 19.9, 20.1, 30.0,
                     88.0, 1e4])

# (graphgrad function of x, torch function of (torch, x)) with the same options; the torch
# side takes the module as an argument, so that this table needs no torch to be built
CASES = {
    "sigmoid": (F.sigmoid, lambda torch, x: torch.sigmoid(x)),
    "tanh": (F.tanh, lambda torch, x: torch.tanh(x)),
    "relu": (F.relu, lambda torch, x: torch.nn.functional.relu(x)),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.1),
                   lambda torch, x: torch.nn.functional.leaky_relu(x, 0.1)),
    "leaky_relu_default": (F.leaky_relu, lambda torch, x: torch.nn.functional.leaky_relu(x)),
    "elu": (lambda x: F.elu(x, 1.5), lambda torch, x: torch.nn.functional.elu(x, 1.5)),
    "silu": (F.silu, lambda torch, x: torch.nn.functional.silu(x)),
    "swish": (F.swish, lambda torch, x: torch.nn.functional.silu(x)),
    "gelu": (F.gelu, lambda torch, x: torch.nn.functional.gelu(x)),
    "gelu_tanh": (lambda x: F.gelu(x, "tanh"),
                  lambda torch, x: torch.nn.functional.gelu(x, approximate="tanh")),
    "softplus": (F.softplus, lambda torch, x: torch.nn.functional.softplus(x)),
    "softplus_beta": (lambda x: F.softplus(x, 2.0, 5.0),
                      lambda torch, x: torch.nn.functional.softplus(x, 2.0, 5.0)),
    "log_sigmoid": (F.log_sigmoid, lambda torch, x: torch.nn.functional.logsigmoid(x)),
    "softmax": (lambda x: F.softmax(x, 1), lambda torch, x: torch.nn.functional.softmax(x, 1)),
    "softmax_dim0": (lambda x: F.softmax(x, 0),
                     lambda torch, x: torch.nn.functional.softmax(x, 0)),
    "softmax_temperature": (lambda x: F.softmax(x, -1, temperature=0.3),
                            lambda torch, x: torch.nn.functional.softmax(x / 0.3, -1)),
    "log_softmax": (lambda x: F.log_softmax(x, 1),
                    lambda torch, x: torch.nn.functional.log_softmax(x, 1)),
    "log_softmax_temperature": (lambda x: F.log_softmax(x, 1, temperature=4.0),
                                lambda torch, x: torch.nn.functional.log_softmax(x / 4.0, 1)),
}

TOLERANCE = {np.float32: dict(rtol=2e-5, atol=2e-6), np.float64: dict(rtol=1e-12, atol=1e-13)}


def _inputs(dtype):
    rng = np.random.default_rng(3)
    normal = rng.normal(scale=3.0, size=(6, 7))
    return np.concatenate([normal.ravel(), EXTREMES]).reshape(-1, 7).astype(dtype)


def _compare(both, ours, theirs, x, dtype):
    """Values and input gradients of a weighted sum of the outputs (weights fixed)."""
    xt, xr = both.leaf(x)
    yt, yr = ours(xt), theirs(xr)
    assert yt.dtype == dtype
    weights = np.random.default_rng(5).normal(size=yt.shape).astype(dtype)
    (yt * weights).sum().backward()
    (yr * both.torch.tensor(weights)).sum().backward()
    both.assert_same(yt, yr, **TOLERANCE[dtype])
    both.assert_same_grads([xt], [xr], **TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(CASES))
def test_activation_matches_torch(name, dtype, torch, both):
    ours, theirs = CASES[name]
    _compare(both, ours, lambda x: theirs(torch, x), _inputs(dtype), dtype)


@pytest.mark.parametrize("name", ["softplus", "silu", "gelu", "gelu_tanh", "elu", "log_sigmoid"])
def test_second_derivative_matches_torch(name, torch):
    ours, theirs = CASES[name]
    x = np.linspace(-6, 6, 24)    # avoids 0, where ELU has a kink
    xt = gg.tensor(x, requires_grad=True)
    (g,) = gg.gradients(ours(xt).sum(), [xt], create_graph=True)
    (h,) = gg.gradients(g.sum(), [xt])
    xr = torch.tensor(x, requires_grad=True)
    (gr,) = torch.autograd.grad(theirs(torch, xr).sum(), xr, create_graph=True)
    (hr,) = torch.autograd.grad(gr.sum(), xr)
    np.testing.assert_allclose(h.detach().numpy(), hr.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_modules_match_functions():
    x = gg.tensor(_inputs(np.float64))
    pairs = [(gg.nn.ReLU(inplace=True), F.relu(x)), (gg.nn.LeakyReLU(0.2), F.leaky_relu(x, 0.2)),
             (gg.nn.ELU(0.5), F.elu(x, 0.5)), (gg.nn.SiLU(), F.silu(x)), (gg.nn.Swish(), F.silu(x)),
             (gg.nn.GELU("tanh"), F.gelu(x, "tanh")), (gg.nn.Softplus(2.0), F.softplus(x, 2.0)),
             (gg.nn.Sigmoid(), F.sigmoid(x)), (gg.nn.Tanh(), F.tanh(x)),
             (gg.nn.LogSigmoid(), F.log_sigmoid(x)),
             (gg.nn.Softmax(0, temperature=2.0), F.softmax(x, 0, temperature=2.0)),
             (gg.nn.LogSoftmax(1), F.log_softmax(x, 1)),
             (gg.nn.BinaryThreshold(0.5), F.binary_threshold(x, 0.5))]
    for module, expected in pairs:
        np.testing.assert_array_equal(module(x).detach().numpy(), expected.detach().numpy(),
                                      err_msg=repr(module))


def test_softmax_temperature_flattens_and_sharpens():
    """003 §2.4.6 with η = (3, 0, 1): high T → nearly uniform, low T → all mass on the max."""
    eta = gg.tensor([3.0, 0.0, 1.0], dtype=gg.float64)
    hot = F.softmax(eta, 0, temperature=100.0).detach().numpy()
    cold = F.softmax(eta, 0, temperature=0.01).detach().numpy()
    np.testing.assert_allclose(hot, 1 / 3, atol=0.01)
    np.testing.assert_allclose(cold, [1.0, 0.0, 0.0], atol=1e-12)
    expected = np.exp(np.array([3.0, 0.0, 1.0]) / 2) / np.exp(np.array([3.0, 0.0, 1.0]) / 2).sum()
    np.testing.assert_allclose(F.softmax(eta, 0, temperature=2.0).detach().numpy(), expected,
                               rtol=1e-14)
    with pytest.raises(ValueError, match="temperature"):
        F.softmax(eta, 0, temperature=0.0)


def test_binary_threshold_is_a_step_with_zero_gradient():
    x = gg.tensor([-2.0, -1e-9, 0.0, 3.0], requires_grad=True)
    y = F.binary_threshold(x)
    np.testing.assert_array_equal(y.detach().numpy(), [0.0, 0.0, 1.0, 1.0])
    (w,) = gg.gradients((y * 5).sum() + x.sum() * 0, [x])
    np.testing.assert_array_equal(w.detach().numpy(), 0.0)
    np.testing.assert_array_equal(F.binary_threshold(x, threshold=-1.0).detach().numpy(),
                                  [0, 1, 1, 1])


def test_stochastic_binary_samples_with_probability_sigmoid():
    s = gg.tensor(np.repeat([[-2.0, 0.0, 1.5, 1e4, -1e4]], 20000, axis=0))
    sample = F.stochastic_binary(s, generator=7).detach().numpy()
    assert set(np.unique(sample)) <= {0.0, 1.0}
    frequency = sample.mean(axis=0)
    expected = np.exp(-np.logaddexp(0, -np.array([-2.0, 0.0, 1.5, 1e4, -1e4])))
    np.testing.assert_allclose(frequency, expected, atol=0.015)
    assert frequency[3] == 1.0 and frequency[4] == 0.0
    again = F.stochastic_binary(s, generator=7).detach().numpy()
    np.testing.assert_array_equal(sample, again)          # seeded: reproducible
    gg.manual_seed(1)
    first = F.stochastic_binary(s).detach().numpy()
    gg.manual_seed(1)
    np.testing.assert_array_equal(first, F.stochastic_binary(s).detach().numpy())


def test_stochastic_binary_straight_through_uses_the_sigmoid_derivative():
    x = gg.tensor(np.linspace(-3, 3, 7), requires_grad=True)
    y = F.stochastic_binary(x, generator=0, straight_through=True)
    assert set(np.unique(y.detach().numpy())) <= {0.0, 1.0}
    y.sum().backward()
    s = 1 / (1 + np.exp(-x.detach().numpy()))
    np.testing.assert_allclose(x.grad.detach().numpy(), s * (1 - s), rtol=1e-6)
    plain = F.stochastic_binary(x, generator=0)
    np.testing.assert_array_equal(plain.detach().numpy(), y.detach().numpy())
    (zero,) = gg.gradients(plain.sum() + 0 * x.sum(), [x])
    np.testing.assert_array_equal(zero.detach().numpy(), 0.0)      # sampling itself: zero gradient


def test_bad_options_raise():
    with pytest.raises(ValueError, match="approximate"):
        F.gelu(gg.tensor([1.0]), approximate="erf")
    with pytest.raises(ValueError, match="approximate"):
        gg.nn.GELU("fast")


def test_fitted_erfc_is_within_1e_9_of_math_erfc_everywhere():
    """The vectorised erfc behind float32 exact GELU: relative error < 1e-9 from −6 to the
    underflow at 27, infinities and NaN right, any shape (0-d included)."""
    import math

    from graphgrad.ops.special import erfc
    x = np.concatenate([np.linspace(-6, 27, 100_001), np.geomspace(1e-9, 27, 5_001),
                        -np.geomspace(1e-9, 6, 1_001)])
    exact = np.array([math.erfc(v) for v in x])
    fitted = erfc(x, exact=False)
    normal = exact > 1e-300
    assert np.max(np.abs(fitted[normal] - exact[normal]) / exact[normal]) < 1e-9
    special = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 40.0, -40.0])
    np.testing.assert_allclose(erfc(special, exact=False), [0, 2, np.nan, 1, 1, 0, 2],
                               rtol=1e-9, atol=0)
    assert erfc(np.array(0.5), exact=False).shape == ()
    np.testing.assert_array_equal(erfc(x[:50].reshape(5, 10)), exact[:50].reshape(5, 10))


def test_float32_exact_gelu_is_within_one_ulp_of_the_exact_value():
    """x Φ(x) against math.erfc in float64 rounded to float32, for normal results (PyTorch's
    float32 GELU is the less accurate one for x < 0, where it computes 1 + erf by
    cancellation)."""
    import math
    x = np.random.default_rng(0).normal(scale=4.0, size=20_000).astype(np.float32)
    ours = F.gelu(gg.tensor(x)).detach().numpy()
    exact = np.array([v * 0.5 * math.erfc(-v / math.sqrt(2)) for v in x.astype(np.float64)])
    exact = exact.astype(np.float32)
    assert ours.dtype == np.float32
    ulps = np.abs(ours.view(np.int32).astype(np.int64) - exact.view(np.int32).astype(np.int64))
    normal = np.abs(exact) >= np.finfo(np.float32).tiny     # subnormals: a few ulps
    assert ulps[normal].max() <= 1 and ulps.max() <= 8


@pytest.mark.parametrize("shape", [(64, 5), (2, 4, 16, 8), (40, 32)])
def test_reductions_over_short_rows_of_a_big_batch_match_torch(shape, torch, TF, both):
    """Softmax, log-softmax and logsumexp over a short last axis of many rows take the
    transposed path (reduce_kept); values and gradients against PyTorch, extremes included."""
    x = np.random.default_rng(4).normal(scale=30.0, size=shape)
    x.reshape(-1)[:3] = [1e4, -1e4, 700.0]
    cases = [(lambda t: F.softmax(t, -1), lambda t: TF.softmax(t, -1)),
             (lambda t: F.log_softmax(t, -1), lambda t: TF.log_softmax(t, -1)),
             (lambda t: gg.logsumexp(t, axis=-1), lambda t: torch.logsumexp(t, -1))]
    for ours, theirs in cases:
        _compare(both, ours, theirs, x, np.float64)


def test_log_softmax_keeps_the_precision_of_the_gaps_not_of_the_maximum(torch, TF):
    """(x − m) − log Σ e^(x − m): with logits near 1e4 in float32, x − (m + log Σ …) would lose
    the small differences to the rounding of 1e4 (4e-4 here); soft-target cross-entropy
    shares it."""
    x = np.array([[1e4, 1e4 - 0.5, 3.0]], np.float32)
    q = np.array([[0.2, 0.5, 0.3]], np.float32)
    expected = TF.log_softmax(torch.tensor(x), -1).detach().numpy()
    np.testing.assert_allclose(F.log_softmax(gg.tensor(x), -1).detach().numpy(), expected,
                               rtol=1e-6)
    np.testing.assert_allclose(F.cross_entropy(gg.tensor(x), gg.tensor(q)).detach().numpy(),
                               TF.cross_entropy(torch.tensor(x), torch.tensor(q)).detach().numpy(),
                               rtol=1e-6)


@pytest.mark.parametrize("shape", [(5,), (2, 3), (2, 3, 4), (2, 3, 4, 5)])
def test_softmax_without_dim_takes_pytorchs_implicit_dim(shape, torch):
    """PyTorch's deprecated implicit choice: dim 0 for 1- and 3-D input, else dim 1 (not the
    last: a 4-D input is normalised over its channels), with its warning."""
    x = np.random.default_rng(0).normal(size=shape)
    for ours, theirs in [(F.softmax, torch.nn.functional.softmax),
                         (F.log_softmax, torch.nn.functional.log_softmax),
                         (gg.nn.Softmax(), torch.nn.Softmax()),
                         (gg.nn.LogSoftmax(), torch.nn.LogSoftmax())]:
        with pytest.warns(UserWarning, match="Implicit dimension choice"):
            value = ours(gg.tensor(x))
        with pytest.warns(UserWarning, match="Implicit dimension choice"):
            expected = theirs(torch.tensor(x))
        np.testing.assert_allclose(value.numpy(), expected.numpy(), rtol=1e-12)
