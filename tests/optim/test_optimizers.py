"""Every optimizer's trajectory equals torch.optim's (float64, 24 steps on a small non-convex
network, two parameter groups), through a state_dict round trip in the middle of the run."""
import numpy as np
import pytest

import graphgrad as gg

STEPS, SWITCH = 24, 11


@pytest.fixture
def torch64(torch):
    """torch with float64 as its default dtype for the test: PyTorch keeps step counters and
    NAdam's μ-product in the default dtype."""
    saved = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(saved)


def _problem(seed=0):
    rng = np.random.default_rng(seed)
    shapes = [(3, 5), (5,), (5, 2), (2,)]
    init = [rng.normal(size=s) * 0.8 for s in shapes]
    x, y = rng.normal(size=(16, 3)), rng.normal(size=(16, 2))
    return init, x, y


def _loss(params, x, y, lib):
    """A tanh network's squared error plus a non-convex wiggle: mean((tanh(xW₁+b₁)W₂+b₂−y)²)
    + 0.1 Σ sin(3W₂)."""
    w1, b1, w2, b2 = params
    out = lib.tanh(x @ w1 + b1) @ w2 + b2
    return ((out - y) ** 2).mean() + 0.1 * lib.sin(3 * w2).sum()


def _groups(params, options):
    extra = options.pop("second_group", {})
    return [{"params": params[:2]}, {"params": params[2:], **extra}], options


def _run(lib, name, options, steps, closure_based, switch=None):
    """Parameters after each step; at step `switch` a fresh optimizer continues from the
    state_dict of the first (with a wrong lr, which the state must overwrite)."""
    init, x, y = _problem()
    params = [lib.tensor(a, requires_grad=True) for a in init]
    x, y = lib.tensor(x), lib.tensor(y)

    def make(**override):
        groups, kwargs = (params, dict(options)) if closure_based \
            else _groups(params, dict(options))
        return getattr(lib.optim, name)(groups, **{**kwargs, **override})
    opt = make()

    def closure():
        opt.zero_grad()
        loss = _loss(params, x, y, lib)
        loss.backward()
        return loss
    history = []
    for step in range(steps):
        if step == switch:
            saved = opt.state_dict()
            opt = make(lr=123.0)
            opt.load_state_dict(saved)
        if closure_based:
            opt.step(closure)
        else:
            closure()
            opt.step()
        history.append(np.concatenate([p.detach().numpy().ravel() for p in params]))
    return np.array(history)


CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, second_group=dict(lr=0.02))),
    ("SGD", dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.02)),
    ("SGD", dict(lr=0.05, momentum=0.5, maximize=True, second_group=dict(maximize=False))),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.01, initial_accumulator_value=0.2,
                     eps=1e-6)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.9, centered=True, weight_decay=0.01,
                     second_group=dict(centered=False))),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.01)),
    ("Adam", dict(lr=0.02)),
    ("Adam", dict(lr=0.02, betas=(0.8, 0.99), amsgrad=True, weight_decay=0.01,
                  second_group=dict(amsgrad=False))),
    ("Adam", dict(lr=0.02, weight_decay=0.05, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.02)),
    ("AdamW", dict(lr=0.02, weight_decay=0.1, amsgrad=True)),
    ("NAdam", dict(lr=0.02)),
    ("NAdam", dict(lr=0.02, momentum_decay=0.01, weight_decay=0.01)),
    ("NAdam", dict(lr=0.02, weight_decay=0.05, decoupled_weight_decay=True)),
    ("Adamax", dict(lr=0.02)),
    ("Adamax", dict(lr=0.02, betas=(0.7, 0.9), weight_decay=0.01)),
]


@pytest.mark.parametrize("name,options", CASES, ids=[f"{n}-{i}" for i, (n, _) in
                                                      enumerate(CASES)])
def test_trajectory_matches_torch(name, options, torch64):
    expected = _run(torch64, name, options, STEPS, closure_based=False)
    got = _run(gg, name, options, STEPS, closure_based=False, switch=SWITCH)
    assert np.abs(expected[-1] - expected[0]).max() > 1e-3  # the run really moves
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-7)


def _scalar_run(lib, name, options):
    """A 0-d parameter c, alone in its group, minimising (c − 1)² + 0.1 sin 3c: its values."""
    options = {k: v for k, v in options.items() if k != "second_group"}
    c = lib.tensor(0.5, requires_grad=True)
    opt = getattr(lib.optim, name)([c], **options)
    history = []
    for _ in range(5):
        opt.zero_grad()
        ((c - 1) ** 2 + 0.1 * lib.sin(3 * c)).backward()
        opt.step()
        history.append(c.item())
    return history


@pytest.mark.parametrize("name,options", CASES, ids=[f"{n}-{i}" for i, (n, _) in
                                                      enumerate(CASES)])
def test_a_zero_dimensional_parameter_is_updated_as_in_torch(name, options, torch64):
    """0-d parameters (a learnable temperature, a scale) get the same steps: NumPy gives a
    scalar, not an array, for a 0-d result, which the in-place updates must not trip on."""
    np.testing.assert_allclose(_scalar_run(gg, name, options), _scalar_run(torch64, name, options),
                               rtol=0, atol=1e-7)


LBFGS_CASES = [dict(lr=1.0, max_iter=3, history_size=4),
               dict(lr=0.5, max_iter=2, history_size=3, line_search_fn="strong_wolfe"),
               dict(lr=1.0, max_iter=2, max_eval=7, line_search_fn="strong_wolfe")]


@pytest.mark.parametrize("options", LBFGS_CASES)
def test_lbfgs_trajectory_matches_torch(options, torch64):
    expected = _run(torch64, "LBFGS", options, 20, closure_based=True)
    got = _run(gg, "LBFGS", options, 20, closure_based=True, switch=7)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-7)


def test_lbfgs_minimises_rosenbrock():
    """f(x, y) = (1 − x)² + 100 (y − x²)² from (−1.5, 2): the minimum (1, 1)."""
    xy = gg.tensor(np.array([-1.5, 2.0]), requires_grad=True)
    opt = gg.optim.LBFGS([xy], lr=1, max_iter=200, line_search_fn="strong_wolfe",
                         tolerance_grad=1e-12, tolerance_change=1e-14)

    def closure():
        opt.zero_grad()
        x, y = xy[0], xy[1]
        loss = (1 - x) ** 2 + 100 * (y - x ** 2) ** 2
        loss.backward()
        return loss
    opt.step(closure)
    np.testing.assert_allclose(xy.array, [1.0, 1.0], atol=1e-6)
    assert opt.state[xy]["func_evals"] < 150
