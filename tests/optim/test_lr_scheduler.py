"""Every learning-rate scheduler's sequence equals PyTorch's (two parameter groups, 40 steps),
including momentum for OneCycleLR and a state_dict round trip in the middle."""
import numpy as np
import pytest

import graphgrad as gg

STEPS = 40


def _simple(name, **options):
    return lambda lib, opt: getattr(lib.optim.lr_scheduler, name)(opt, **options)


def _sequential(lib, opt):
    s = lib.optim.lr_scheduler
    warm = s.LinearLR(opt, start_factor=0.1, total_iters=5)
    cosine = s.CosineAnnealingLR(opt, T_max=20, eta_min=0.001)
    return s.SequentialLR(opt, [warm, cosine], milestones=[5])


def _chained(lib, opt):
    s = lib.optim.lr_scheduler
    return s.ChainedScheduler([s.ExponentialLR(opt, gamma=0.95),
                               s.StepLR(opt, step_size=7, gamma=0.5)])


SCHEDULES = {
    "StepLR": _simple("StepLR", step_size=6, gamma=0.5),
    "MultiStepLR": _simple("MultiStepLR", milestones=[3, 10, 10, 25], gamma=0.3),
    "ExponentialLR": _simple("ExponentialLR", gamma=0.9),
    "CosineAnnealingLR": _simple("CosineAnnealingLR", T_max=15, eta_min=0.01),
    "LinearLR": _simple("LinearLR", start_factor=0.2, end_factor=0.9, total_iters=12),
    "ConstantLR": _simple("ConstantLR", factor=0.4, total_iters=9),
    "PolynomialLR": _simple("PolynomialLR", total_iters=30, power=2.0),
    "LambdaLR": _simple("LambdaLR", lr_lambda=lambda e: 1 / (1 + 0.1 * e)),
    "MultiplicativeLR": _simple("MultiplicativeLR", lr_lambda=lambda e: 0.97),
    "CosineAnnealingWarmRestarts": _simple("CosineAnnealingWarmRestarts", T_0=4, T_mult=2,
                                           eta_min=0.002),
    "OneCycleLR": _simple("OneCycleLR", max_lr=[0.5, 0.2], total_steps=STEPS + 1),
    "OneCycleLR-3phase-linear": _simple("OneCycleLR", max_lr=0.4, epochs=5, steps_per_epoch=9,
                                        anneal_strategy="linear", three_phase=True),
    "SequentialLR": _sequential,
    "ChainedScheduler": _chained,
}


def _optimizer(lib):
    params = [lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)]
    return lib.optim.SGD([{"params": params[:1]}, {"params": params[1:], "lr": 0.05}], lr=0.1,
                         momentum=0.9)


def _sequence(lib, make, reload_at=None):
    opt = _optimizer(lib)
    scheduler = make(lib, opt)
    lrs, momenta = [scheduler.get_last_lr()], []
    for step in range(STEPS):
        if step == reload_at:
            saved_opt, saved = opt.state_dict(), scheduler.state_dict()
            opt = _optimizer(lib)
            scheduler = make(lib, opt)
            opt.load_state_dict(saved_opt)
            scheduler.load_state_dict(saved)
        opt.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr())
        momenta.append([g["momentum"] for g in opt.param_groups])
    return np.array(lrs, dtype=float), np.array(momenta)


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedule_matches_torch(name, torch):
    expected, expected_momenta = _sequence(torch, SCHEDULES[name])
    got, momenta = _sequence(gg, SCHEDULES[name])
    assert len(np.unique(expected.round(12))) > 2  # the schedule really changes the lr
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(momenta, expected_momenta, rtol=1e-12)
    resumed, _ = _sequence(gg, SCHEDULES[name], reload_at=17)
    np.testing.assert_allclose(resumed, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("options", [dict(), dict(mode="max", factor=0.5, patience=2,
                                                  threshold=0.1, threshold_mode="abs",
                                                  cooldown=2, min_lr=[0.01, 0.02])])
def test_reduce_on_plateau_matches_torch(options, torch):
    metrics = [1.0, 0.9, 0.95, 0.95, 0.97, 0.96, 0.89, 0.9, 0.9, 0.91, 0.92, 0.5] * 4
    runs = []
    for lib in (torch, gg):
        opt = _optimizer(lib)
        scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **{"patience": 1, **options})
        lrs = []
        for value in metrics:
            opt.step()
            scheduler.step(value)
            lrs.append([g["lr"] for g in opt.param_groups])
        runs.append(np.array(lrs))
    assert len(np.unique(runs[0])) > 2
    np.testing.assert_allclose(runs[1], runs[0], rtol=1e-12)


def test_jumping_to_an_epoch_uses_the_closed_form():
    opt = _optimizer(gg)
    scheduler = gg.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    with pytest.warns(UserWarning, match="deprecated"):
        scheduler.step(7)
    assert scheduler.get_last_lr() == pytest.approx([0.1 * 0.25, 0.05 * 0.25])


def test_resuming_without_initial_lr_explains():
    with pytest.raises(KeyError, match="initial_lr"):
        gg.optim.lr_scheduler.StepLR(_optimizer(gg), step_size=2, last_epoch=4)
