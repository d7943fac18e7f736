"""Every loss against torch.nn.functional (values and gradients, float32 and float64, every
reduction, extreme logits of ±1e4), and the losses PyTorch lacks against closed forms."""
import math
from functools import partial

import numpy as np
import pytest

import graphgrad as gg
from graphgrad.nn import functional as F

TOLERANCE = {np.float32: dict(rtol=3e-5, atol=3e-6), np.float64: dict(rtol=1e-12, atol=1e-12)}
REDUCTIONS = ["mean", "sum", "none"]


def _check(both, ours, theirs, inputs, grad_positions, dtype):
    """ours and theirs on the same `inputs` (arrays; those at grad_positions differentiable):
    the values, and the gradients of the weighted sum of the outputs (weights fixed, so
    'none' is checked too), finite and equal within TOLERANCE[dtype]."""
    flags = [i in grad_positions for i in range(len(inputs))]
    args, targs = both.leaves(*inputs, requires_grad=flags)
    out, expected = ours(*args), theirs(*targs)
    got, want = both.numpy(out), both.numpy(expected)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    weights = np.random.default_rng(11).uniform(0.5, 1.5, np.shape(got)).astype(got.dtype)
    (out * gg.tensor(weights)).sum().backward()
    (expected * both.torch.tensor(weights)).sum().backward()
    both.assert_same(got, want, **TOLERANCE[dtype])
    differentiable = [args[i] for i in grad_positions]
    for leaf in differentiable:
        assert np.all(np.isfinite(leaf.grad.detach().numpy()))
    both.assert_same_grads(differentiable, [targs[i] for i in grad_positions], **TOLERANCE[dtype])


@pytest.fixture
def check(both):
    """check(ours, theirs, inputs, grad_positions, dtype): graphgrad's loss against PyTorch's."""
    return partial(_check, both)


def logits(dtype, shape=(6, 4), extreme=True):
    z = np.random.default_rng(0).normal(scale=2.0, size=shape)
    if extreme:
        z.flat[0], z.flat[1], z.flat[-1] = 1e4, -1e4, 1e4
        z.flat[z.size // 2] = -1e4
    return z.astype(dtype)


@pytest.fixture(params=[np.float32, np.float64], ids=["float32", "float64"])
def dtype(request):
    return request.param


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses(dtype, reduction, check, TF):
    rng = np.random.default_rng(1)
    x = rng.normal(scale=3, size=(5, 3)).astype(dtype)
    y = rng.normal(scale=3, size=(5, 3)).astype(dtype)
    x[0, 0], y[0, 0] = 1e4, -1e4
    x[1, 1] = y[1, 1] + 0.25       # inside Huber's quadratic zone
    for ours, theirs in [(F.mse_loss, TF.mse_loss), (F.l1_loss, TF.l1_loss),
                         (lambda a, b, reduction: F.huber_loss(a, b, reduction, 0.5),
                          lambda a, b, reduction: TF.huber_loss(a, b, reduction, 0.5)),
                         (lambda a, b, reduction: F.smooth_l1_loss(a, b, reduction, 2.0),
                          lambda a, b, reduction: TF.smooth_l1_loss(a, b, reduction=reduction,
                                                                    beta=2.0))]:
        check(lambda a, b: ours(a, b, reduction), lambda a, b: theirs(a, b, reduction=reduction),
              [x, y], (0, 1), dtype)
    weight = rng.uniform(0.5, 2, (5, 3)).astype(dtype)
    for ours, theirs in [(F.mse_loss, TF.mse_loss), (F.l1_loss, TF.l1_loss),
                         (F.huber_loss, TF.huber_loss)]:
        check(lambda a, b, w: ours(a, b, reduction, weight=w),
              lambda a, b, w: theirs(a, b, reduction=reduction, weight=w),
              [x, y, weight], (0, 1), dtype)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_logits(dtype, reduction, check, TF):
    z = logits(dtype, (5, 3))
    y = np.random.default_rng(2).uniform(0, 1, (5, 3)).astype(dtype)
    y[0, 0], y[0, 1] = 0.0, 1.0
    pos = np.array([0.5, 2.0, 3.0], dtype)
    weight = np.random.default_rng(3).uniform(0.1, 2, (5, 3)).astype(dtype)
    check(lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction=reduction),
          lambda a, b: TF.binary_cross_entropy_with_logits(a, b, reduction=reduction),
          [z, y], (0, 1), dtype)
    check(lambda a, b, w, p: F.binary_cross_entropy_with_logits(a, b, w, reduction, p),
          lambda a, b, w, p: TF.binary_cross_entropy_with_logits(a, b, w, reduction=reduction,
                                                                 pos_weight=p),
          [z, y, weight, pos], (0, 1), dtype)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_on_probabilities(dtype, reduction, check, TF):
    p = np.random.default_rng(4).uniform(0.01, 0.99, (4, 3)).astype(dtype)
    p[0, 0], p[0, 1], p[1, 0] = 0.0, 1.0, 1e-30     # saturated sigmoids: clamped logs
    y = np.random.default_rng(5).uniform(0, 1, (4, 3)).astype(dtype)
    w = np.random.default_rng(6).uniform(0.5, 2, (4, 3)).astype(dtype)
    check(lambda a, b: F.binary_cross_entropy(a, b, reduction=reduction),
          lambda a, b: TF.binary_cross_entropy(a, b, reduction=reduction), [p, y], (0,), dtype)
    check(lambda a, b, c: F.binary_cross_entropy(a, b, c, reduction),
          lambda a, b, c: TF.binary_cross_entropy(a, b, c, reduction=reduction),
          [p, y, w], (0,), dtype)
    with pytest.raises(ValueError, match="probabilit"):
        F.binary_cross_entropy(gg.tensor([1.5]), gg.tensor([1.0]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_class_indices(dtype, reduction, smoothing, check, TF, torch):
    z = logits(dtype)
    y = np.array([0, 3, 1, 1, 2, 0])
    check(lambda a: F.cross_entropy(a, y, reduction=reduction, label_smoothing=smoothing),
          lambda a: TF.cross_entropy(a, torch.tensor(y), reduction=reduction,
                                     label_smoothing=smoothing), [z], (0,), dtype)
    weight = np.array([0.5, 2.0, 1.0, 3.0], dtype)
    ignored = np.array([0, 3, -100, 1, 2, -100])
    check(lambda a: F.cross_entropy(a, ignored, weight, reduction=reduction,
                                    label_smoothing=smoothing),
          lambda a: TF.cross_entropy(a, torch.tensor(ignored), torch.tensor(weight),
                                     reduction=reduction, label_smoothing=smoothing),
          [z], (0,), dtype)
    check(lambda a: F.cross_entropy(a, np.array([0, 3, 2, 1, 2, 3]), ignore_index=3,
                                    reduction=reduction, label_smoothing=smoothing),
          lambda a: TF.cross_entropy(a, torch.tensor([0, 3, 2, 1, 2, 3]), ignore_index=3,
                                     reduction=reduction, label_smoothing=smoothing),
          [z], (0,), dtype)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probabilities_and_spatial(dtype, reduction, check, TF, torch):
    z = logits(dtype)
    q = np.random.default_rng(7).dirichlet(np.ones(4), size=6).astype(dtype)
    weight = np.array([0.5, 2.0, 1.0, 3.0], dtype)
    for smoothing in (0.0, 0.1):
        check(lambda a, b: F.cross_entropy(a, b, weight, reduction=reduction,
                                           label_smoothing=smoothing),
              lambda a, b: TF.cross_entropy(a, b, torch.tensor(weight), reduction=reduction,
                                            label_smoothing=smoothing), [z, q], (0, 1), dtype)
    spatial = logits(dtype, (2, 4, 3, 5))        # (N, C, d1, d2)
    labels = np.random.default_rng(8).integers(0, 4, (2, 3, 5))
    check(lambda a: F.cross_entropy(a, labels, reduction=reduction),
          lambda a: TF.cross_entropy(a, torch.tensor(labels), reduction=reduction),
          [spatial], (0,), dtype)
    check(lambda a: F.cross_entropy(a, np.array(2), reduction=reduction),      # (C,) input
          lambda a: TF.cross_entropy(a, torch.tensor(2), reduction=reduction),
          [logits(dtype, (5,))], (0,), dtype)


def test_cross_entropy_bad_targets():
    z = gg.tensor(np.zeros((3, 4)))
    with pytest.raises(IndexError, match="class index"):
        F.cross_entropy(z, np.array([0, 4, 1]))
    with pytest.raises(IndexError, match="class index"):
        F.cross_entropy(z, np.array([0, -2, 1]))
    with pytest.raises(ValueError, match="do not fit"):
        F.cross_entropy(z, np.array([0, 1]))
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(z, np.array([0, 1, 2]), reduction="average")


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss(dtype, reduction, check, TF, torch):
    log_p = np.log(np.random.default_rng(9).dirichlet(np.ones(4), size=6)).astype(dtype)
    y = np.array([0, 3, -100, 1, 2, 3])
    weight = np.array([0.5, 2.0, 1.0, 3.0], dtype)
    check(lambda a: F.nll_loss(a, y, weight, reduction=reduction),
          lambda a: TF.nll_loss(a, torch.tensor(y), torch.tensor(weight), reduction=reduction),
          [log_p], (0,), dtype)
    check(lambda a: F.nll_loss(F.log_softmax(a, 1), y, reduction=reduction),
          lambda a: TF.cross_entropy(a, torch.tensor(y), reduction=reduction),
          [logits(dtype)], (0,), dtype)


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")
@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(dtype, reduction, log_target, check, TF):
    rng = np.random.default_rng(10)
    log_p = np.log(rng.dirichlet(np.ones(5), size=4)).astype(dtype)
    q = rng.dirichlet(np.ones(5), size=4)
    q[0, 1] = 0.0
    log_q = np.log(np.where(q > 0, q, 1.0))
    log_q[0, 1] = -1e4
    target = (log_q if log_target else q).astype(dtype)
    check(lambda a, b: F.kl_div(a, b, reduction, log_target),
          lambda a, b: TF.kl_div(a, b, reduction=reduction, log_target=log_target),
          [log_p, target], (0,), dtype)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_loss(dtype, reduction, p, check, TF, torch):
    scores = np.random.default_rng(12).normal(size=(5, 4)).astype(dtype)
    y = np.array([0, 3, 1, 1, 2])
    weight = np.array([0.5, 2.0, 1.0, 3.0], dtype)
    check(lambda a: F.multi_margin_loss(a, y, p, 0.7, weight, reduction),
          lambda a: TF.multi_margin_loss(a, torch.tensor(y), p, 0.7, torch.tensor(weight),
                                         reduction=reduction), [scores], (0,), dtype)
    check(lambda a: F.multiclass_hinge_loss(a, y, p, reduction=reduction),
          lambda a: TF.multi_margin_loss(a, torch.tensor(y), p, reduction=reduction),
          [scores], (0,), dtype)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_and_log_cosh_against_torch_compositions(dtype, reduction, check, torch):
    rng = np.random.default_rng(13)
    s = rng.normal(scale=2, size=(7,)).astype(dtype)
    y = rng.choice([-1.0, 1.0], 7).astype(dtype)
    reduce = {"mean": torch.mean, "sum": torch.sum, "none": lambda t: t}[reduction]
    check(lambda a, b: F.hinge_loss(a, b, 0.5, reduction),
          lambda a, b: reduce(torch.relu(0.5 - b * a)), [s, y], (0,), dtype)
    x, t = rng.normal(scale=2, size=(3, 4)).astype(dtype), rng.normal(size=(3, 4)).astype(dtype)
    check(lambda a, b: F.log_cosh_loss(a, b, reduction),
          lambda a, b: reduce(torch.log(torch.cosh(a - b))), [x, t], (0, 1), dtype)
    with pytest.raises(ValueError, match="−1 or \\+1"):
        F.hinge_loss(gg.tensor([0.3]), gg.tensor([0.0]))


def test_log_cosh_is_stable_far_away():
    d = gg.tensor([1e4, -1e4, 800.0], dtype=gg.float64, requires_grad=True)
    loss = F.log_cosh_loss(d, gg.zeros(3, dtype=gg.float64), reduction="none")
    np.testing.assert_allclose(loss.detach().numpy(), np.abs(d.detach().numpy()) - math.log(2),
                               rtol=1e-15)
    loss.sum().backward()
    np.testing.assert_allclose(d.grad.detach().numpy(), [1.0, -1.0, 1.0])


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_regression_losses_broadcast_a_target_of_another_shape_with_pytorchs_warning(name,
                                                                                     torch):
    """An (N, 1) output against an (N,) target: PyTorch warns and broadcasts to N × N; so does
    graphgrad (it refused before stop 22), with the same value and gradient."""
    x, y = np.random.default_rng(0).random((4, 1)), np.random.default_rng(1).random(4)
    ours = gg.tensor(x, requires_grad=True)
    with pytest.warns(UserWarning, match="different to the input size"):
        value = getattr(F, name)(ours, gg.tensor(y))
    value.backward()
    theirs = torch.tensor(x, requires_grad=True)
    with pytest.warns(UserWarning, match="different to the input size"):
        expected = getattr(torch.nn.functional, name)(theirs, torch.tensor(y))
    expected.backward()
    np.testing.assert_allclose(value.item(), expected.item(), rtol=1e-12)
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)


def test_binary_cross_entropy_refuses_mismatched_shapes_as_pytorch():
    with pytest.raises(ValueError, match="differ"):
        F.binary_cross_entropy(gg.zeros(4, 1), gg.zeros(4))


def _scipy_wasserstein(u, v, uw=None, vw=None):
    """The CDF integral written out independently: ∫ |F_u − F_v| over the merged support."""
    uw = np.ones(len(u)) if uw is None else np.asarray(uw, float)
    vw = np.ones(len(v)) if vw is None else np.asarray(vw, float)
    grid = np.sort(np.concatenate([u, v]))
    total = 0.0
    for left, right in zip(grid[:-1], grid[1:]):
        fu = uw[u <= left].sum() / uw.sum()
        fv = vw[v <= left].sum() / vw.sum()
        total += abs(fu - fv) * (right - left)
    return total


def test_wasserstein_1d():
    rng = np.random.default_rng(14)
    u, v = rng.normal(size=7), rng.normal(1.0, 2.0, size=5)
    uw, vw = rng.uniform(0.1, 1, 7), rng.uniform(0.1, 1, 5)
    assert F.wasserstein_1d(u, v).item() == pytest.approx(_scipy_wasserstein(u, v), rel=1e-12)
    got = F.wasserstein_1d(gg.tensor(u), gg.tensor(v), gg.tensor(uw), gg.tensor(vw)).item()
    assert got == pytest.approx(_scipy_wasserstein(u, v, uw, vw), rel=1e-12)
    # equal sizes, equal weights: mean |sorted u − sorted v|; a shift moves it by the shift
    a, b = rng.normal(size=6), rng.normal(size=6)
    expected = np.mean(np.abs(np.sort(a) - np.sort(b)))
    assert F.wasserstein_1d(a, b).item() == pytest.approx(expected, rel=1e-12)
    assert F.wasserstein_1d(a, a + 3.0).item() == pytest.approx(3.0, rel=1e-12)


def test_wasserstein_1d_gradients_match_finite_differences():
    rng = np.random.default_rng(15)
    u, v = rng.normal(size=5), rng.normal(size=4)
    uw, vw = rng.uniform(0.2, 1, 5), rng.uniform(0.2, 1, 4)
    assert gg.gradcheck(lambda a, b, c, d: F.wasserstein_1d(a, b, c, d), [u, v, uw, vw],
                        atol=1e-7, rtol=1e-6)
    module = gg.nn.WassersteinLoss()
    assert module(gg.tensor(u), gg.tensor(v)).item() == pytest.approx(_scipy_wasserstein(u, v))


def test_metrics():
    scores = gg.tensor([[2.0, 1.0, 0.0], [0.0, 0.5, 3.0], [1.0, 4.0, 0.0], [9.0, 0.0, 0.0]])
    labels = np.array([0, 2, 0, 0])
    assert F.accuracy(scores, labels) == 0.75
    assert F.zero_one_loss(scores, labels) == 0.25
    assert F.zero_one_loss(scores, labels, reduction="sum") == 1.0
    np.testing.assert_array_equal(F.zero_one_loss(scores, labels, reduction="none"), [0, 0, 1, 0])
    probabilities = np.array([0.9, 0.2, 0.6, 0.4])
    assert F.accuracy(probabilities, np.array([1, 0, 0, 0])) == 0.75
    assert F.accuracy(np.array([2.0, -1.0]), np.array([1, 0]), threshold=0.0) == 1.0


def test_logistic_objective_base2_identity():
    """000's eq. (9) equals the natural-log objective at scores · ln 2, divided by ln 2 —
    in value and in its gradient with respect to the parameters of f."""
    rng = np.random.default_rng(16)
    x = gg.tensor(rng.normal(size=(20, 3)), dtype=gg.float64)
    y = (rng.uniform(size=20) < 0.5).astype(np.float64)
    w = gg.tensor(rng.normal(size=3), dtype=gg.float64, requires_grad=True)
    hidden = gg.tensor(rng.normal(size=(3, 3)), dtype=gg.float64, requires_grad=True)
    sigma = 1.7

    def f():                                          # a non-linear compute graph f_θ
        return gg.tanh(x @ hidden) @ w

    def natural(scores):
        data = F.binary_cross_entropy_with_logits(scores, y)      # mean(log(1 + e^z) − y z)
        return data + (w * w).sum() / (2 * sigma ** 2) + (hidden * hidden).sum() / (2 * sigma ** 2)

    base2 = F.logistic_objective_base2(f(), y, [w, hidden], sigma)
    reference = natural(f() * math.log(2)) / math.log(2)
    assert base2.item() == pytest.approx(reference.item(), rel=1e-13)
    grads = gg.gradients(base2, [w, hidden])
    expected = gg.gradients(reference, [w, hidden])
    for g, e in zip(grads, expected):
        np.testing.assert_allclose(g.detach().numpy(), e.detach().numpy(), rtol=1e-12, atol=1e-14)
    # and eq. (9) term by term, logs to base 2, without any rewriting
    scores = f().detach().numpy()
    literal = np.mean(-y * scores + np.log2(1 + 2.0 ** scores)) + \
        np.log2(np.e) / (2 * sigma ** 2) * ((w.detach().numpy() ** 2).sum()
                                            + (hidden.detach().numpy() ** 2).sum())
    assert base2.item() == pytest.approx(literal, rel=1e-13)


def test_logistic_objective_base2_is_stable_for_large_scores():
    scores = gg.tensor([1e4, -1e4, 0.0], dtype=gg.float64, requires_grad=True)
    value = F.logistic_objective_base2(scores, np.array([0.0, 0.0, 1.0]), [], sigma=1.0)
    assert value.item() == pytest.approx((1e4 + 0 + 1.0) / 3, rel=1e-12)
    value.backward()
    np.testing.assert_allclose(scores.grad.detach().numpy(), [1 / 3, 0.0, (0.5 - 1) / 3],
                               atol=1e-15)


def test_loss_modules_call_their_functions():
    z = gg.tensor(logits(np.float64), requires_grad=True)
    y = np.array([0, 3, 1, 1, 2, 0])
    module = gg.nn.CrossEntropyLoss(label_smoothing=0.1, reduction="sum")
    assert module(z, y).item() == F.cross_entropy(z, y, reduction="sum",
                                                  label_smoothing=0.1).item()
    assert repr(module) == "CrossEntropyLoss()"       # as PyTorch's (options not shown)
    pairs = [(gg.nn.MSELoss(), F.mse_loss), (gg.nn.L1Loss(), F.l1_loss),
             (gg.nn.HuberLoss(delta=0.3), lambda a, b: F.huber_loss(a, b, delta=0.3)),
             (gg.nn.SmoothL1Loss(beta=0.3), lambda a, b: F.smooth_l1_loss(a, b, beta=0.3)),
             (gg.nn.LogCoshLoss(), F.log_cosh_loss),
             (gg.nn.BCEWithLogitsLoss(), F.binary_cross_entropy_with_logits),
             (gg.nn.KLDivLoss(reduction="batchmean"),
              lambda a, b: F.kl_div(a, b, reduction="batchmean"))]
    a, b = gg.tensor(np.random.default_rng(0).uniform(0.1, 0.9, (3, 4))), gg.tensor(
        np.random.default_rng(1).uniform(0.1, 0.9, (3, 4)))
    for module, function in pairs:
        assert module(a, b).item() == function(a, b).item(), module
    assert gg.nn.BCELoss()(a, b).item() == F.binary_cross_entropy(a, b).item()
    assert gg.nn.NLLLoss()(z, y).item() == F.nll_loss(z, y).item()
    assert gg.nn.HingeLoss()(a, gg.tensor(np.sign(b.detach().numpy() - 0.5))).item() == \
        F.hinge_loss(a, gg.tensor(np.sign(b.detach().numpy() - 0.5))).item()
    assert gg.nn.MultiMarginLoss()(z, y).item() == F.multi_margin_loss(z, y).item()
