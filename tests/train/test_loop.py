"""The fit loop: accuracy on the 2-D sets, history, validation, schedules, early stopping,
closure optimizers, checkpoints and resume, plots."""
import numpy as np
import pytest

import graphgrad as gg

F = gg.nn.functional


def _mlp(sizes, seed=0, activation="tanh"):
    return gg.nn.MLP(sizes, activation=activation, generator=seed)


@pytest.mark.parametrize("name", ["xor", "moons", "spirals"])
def test_fit_reaches_97_percent_on_the_2d_sets(name):
    x, y = gg.data.PLANAR[name](n_samples=200, noise=0.05, seed=0)
    model = _mlp([2, 32, 32, 2])
    opt = gg.optim.Adam(model.parameters(), lr=0.02)
    history = gg.train.fit(model, F.cross_entropy, opt, (x, y), epochs=60, batch_size=32,
                           seed=0)
    assert history.last("accuracy") >= 0.97
    assert gg.train.evaluate(model, F.cross_entropy, (x, y))["accuracy"] >= 0.97
    assert history["loss"][-1] < 0.5 * history["loss"][0]


def test_history_validation_and_lr():
    x, y = gg.data.moons(n_samples=120, seed=1)
    xv, yv = gg.data.moons(n_samples=60, seed=2)
    model = _mlp([2, 8, 2])
    opt = gg.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    sched = gg.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    history = gg.train.fit(model, F.cross_entropy, opt, (x, y), val_data=(xv, yv), epochs=5,
                           scheduler=sched, seed=0)
    assert history.epochs == [1, 2, 3, 4, 5] and len(history) == 5  # counted from 1
    assert set(history.metrics) >= {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}
    assert history["lr"] == pytest.approx([0.2, 0.2, 0.1, 0.1, 0.05])
    val = gg.train.evaluate(model, F.cross_entropy, (xv, yv))
    assert history["val_loss"][-1] == pytest.approx(val["loss"])
    assert history.best("val_accuracy")[1] == max(history["val_accuracy"])
    with pytest.raises(KeyError, match="no metric"):
        history["precision"]


def test_binary_logits_and_probabilities_get_the_right_threshold():
    x, y = gg.data.circles(n_samples=100, seed=0, noise=0.0)
    yf = y.astype(np.float32)
    model = gg.nn.Sequential(_mlp([2, 16, 1]), gg.nn.Flatten(0))
    opt = gg.optim.Adam(model.parameters(), lr=0.05)
    history = gg.train.fit(model, F.binary_cross_entropy_with_logits, opt, (x, yf), epochs=40,
                           seed=0)
    assert history.last("accuracy") >= 0.97
    assert gg.train.accuracy(np.array([0.2, 0.7]), np.array([0.0, 1.0]), threshold=0.5) == 2
    assert gg.train.accuracy(np.array([[0.1, 2.0]]), np.array([1])) == 1
    assert gg.train.accuracy(np.array([0.3]), np.array([2.5])) is None  # regression


def test_regression_has_no_accuracy():
    x = gg.tensor(np.linspace(-1, 1, 40, dtype=np.float32)[:, None])
    y = 3 * x + 0.5
    model = gg.nn.Linear(1, 1)
    opt = gg.optim.SGD(model.parameters(), lr=0.3)
    history = gg.train.fit(model, F.mse_loss, opt, (x, y), epochs=30, batch_size=8, seed=0)
    assert "accuracy" not in history and history.last("loss") < 1e-3


def test_early_stopping_stops_and_restores_the_best_weights():
    x, y = gg.data.moons(n_samples=100, seed=0)
    xv, yv = gg.data.moons(n_samples=100, seed=3, noise=0.6)
    model = _mlp([2, 64, 2])
    opt = gg.optim.Adam(model.parameters(), lr=0.05)
    stop = gg.train.EarlyStopping(monitor="val_loss", patience=2)
    history = gg.train.fit(model, F.cross_entropy, opt, (x, y), val_data=(xv, yv), epochs=200,
                           seed=0, callbacks=[stop])
    assert len(history) < 200 and stop.stopped_epoch == history.epochs[-1]
    best_epoch, best = history.best("val_loss")
    assert stop.best_epoch == best_epoch
    assert gg.train.evaluate(model, F.cross_entropy, (xv, yv))["loss"] == pytest.approx(best)
    with pytest.raises(KeyError, match="val_data"):
        gg.train.fit(model, F.cross_entropy, opt, (x, y), epochs=1,
                     callbacks=[gg.train.EarlyStopping()])


def test_lbfgs_and_line_search_optimizers_train_through_closures():
    x, y = gg.data.xor(n_samples=100, seed=0, noise=0.0)
    for make in (lambda p: gg.optim.LBFGS(p, max_iter=5, line_search_fn="strong_wolfe"),
                 lambda p: gg.optim.ConjugateGradient(p, max_iter=5)):
        model = _mlp([2, 8, 2], seed=1)
        history = gg.train.fit(model, F.cross_entropy, make(model.parameters()), (x, y),
                               epochs=15, batch_size=100)
        assert history.last("accuracy") >= 0.97


def test_one_cycle_steps_per_batch_and_batch_size_scheduler_per_epoch():
    x, y = gg.data.blobs(n_samples=90, seed=0)
    model = _mlp([2, 8, 3])
    opt = gg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loader = gg.data.DataLoader(gg.data.TensorDataset(x, y), batch_size=10, shuffle=True, seed=0)
    cycle = gg.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=9 + 5 + 3)
    grow = gg.optim.BatchSizeScheduler(loader, milestones=[1, 2], factor=2)
    gg.train.fit(model, F.cross_entropy, opt, loader, epochs=3, scheduler=[cycle, grow])
    assert cycle.last_epoch == 9 + 5 + 3 and loader.batch_size == 40


def test_plateau_scheduler_watches_the_validation_loss():
    x, y = gg.data.moons(n_samples=60, seed=0)
    model = _mlp([2, 4, 2])
    opt = gg.optim.SGD(model.parameters(), lr=1e-6)  # nothing improves: a plateau
    plateau = gg.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=1, factor=0.5)
    history = gg.train.fit(model, F.cross_entropy, opt, (x, y), val_data=(x, y), epochs=6,
                           scheduler=plateau)
    assert history["lr"] == pytest.approx([1e-6, 1e-6, 1e-6, 5e-7, 5e-7, 2.5e-7])


def test_checkpoint_and_resume_continue_the_same_run(tmp_path):
    pytest.importorskip("graphgrad.io", reason="checkpoints are written with gg.save (issue 4)")
    x, y = gg.data.spirals(n_samples=80, seed=0)

    def setup():
        model = _mlp([2, 16, 2], seed=3)
        opt = gg.optim.Adam(model.parameters(), lr=0.01)
        return model, opt, gg.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
    model, opt, sched = setup()
    full = gg.train.fit(model, F.cross_entropy, opt, (x, y), epochs=6, scheduler=sched, seed=5)
    expected = {k: v.array.copy() for k, v in model.state_dict().items()}

    path = tmp_path / "run.ckpt"
    model, opt, sched = setup()
    gg.train.fit(model, F.cross_entropy, opt, (x, y), epochs=3, scheduler=sched, seed=5,
                 checkpoint=path)
    model, opt, sched = setup()  # a fresh process would start like this
    resumed = gg.train.fit(model, F.cross_entropy, opt, (x, y), epochs=6, scheduler=sched,
                           seed=5, resume=path)
    assert resumed.epochs == full.epochs
    np.testing.assert_allclose(resumed["loss"], full["loss"], rtol=1e-6)
    for key, value in model.state_dict().items():
        np.testing.assert_allclose(value.array, expected[key], rtol=1e-5, atol=1e-7)


def test_model_checkpoint_callback_writes_best_only(tmp_path):
    pytest.importorskip("graphgrad.io", reason="checkpoints are written with gg.save (issue 4)")
    x, y = gg.data.moons(n_samples=60, seed=0)
    model = _mlp([2, 8, 2])
    opt = gg.optim.Adam(model.parameters(), lr=0.05)
    saver = gg.train.ModelCheckpoint(tmp_path / "best-{epoch}.ckpt", monitor="loss",
                                     save_best_only=True)
    gg.train.fit(model, F.cross_entropy, opt, (x, y), epochs=4, callbacks=[saver])
    assert sorted(p.name for p in tmp_path.iterdir())[0] == "best-1.ckpt"  # epochs from 1
    assert len(list(tmp_path.iterdir())) >= 2


def test_plots_are_written(tmp_path):
    pytest.importorskip("matplotlib", reason="plots need matplotlib")
    x, y = gg.data.moons(n_samples=60, seed=0)
    model = _mlp([2, 8, 2])
    opt = gg.optim.Adam(model.parameters(), lr=0.05)
    history = gg.train.fit(model, F.cross_entropy, opt, (x, y), val_data=(x, y), epochs=3)
    history.plot(tmp_path / "curves.png")
    gg.train.plot_decision_boundary(model, x, y, tmp_path / "regions.png", resolution=40)
    for name in ("curves.png", "regions.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="2-D inputs"):
        gg.train.plot_decision_boundary(model, np.zeros((3, 3)), np.zeros(3))


@pytest.mark.parametrize("mode,best,small_change,big_change", [("min", 1.0, 0.8, 0.4),
                                                               ("max", 1.0, 1.2, 1.6)])
def test_early_stopping_needs_an_improvement_of_at_least_min_delta(mode, best, small_change,
                                                                   big_change):
    stop = gg.train.EarlyStopping("loss", min_delta=0.5, mode=mode)
    stop.best = best
    assert not stop._improved(best)
    assert not stop._improved(small_change)        # better, but by less than min_delta
    assert stop._improved(big_change)
    worse = best + 0.4 if mode == "min" else best - 0.4
    assert not stop._improved(worse)


def test_early_stopping_counts_a_nan_loss_as_no_improvement():
    """A diverged run (loss NaN) is not "a metric this run does not measure": it just never
    improves, so patience runs out and training stops."""
    stop = gg.train.EarlyStopping("loss", patience=2, restore_best_weights=False)
    run = type("Run", (), {"stop": False})()
    stop.on_train_begin(run)
    stop.on_epoch_end(run, 1, {"loss": 1.0})
    stop.on_epoch_end(run, 2, {"loss": float("nan")})
    assert not run.stop and stop.best == 1.0
    stop.on_epoch_end(run, 3, {"loss": float("nan")})
    assert run.stop and stop.stopped_epoch == 3
    with pytest.raises(KeyError, match="does not measure"):
        stop.on_epoch_end(run, 4, {"accuracy": 0.5})


def test_fit_and_evaluate_take_numpy_float64_arrays_into_a_float32_model():
    """A pair of NumPy arrays (float64 by NumPy's default) is converted to the model's dtype:
    its layers, like PyTorch's, refuse to mix float32 weights with float64 inputs."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4))
    y = (x[:, 0] > 0).astype(np.int64)
    model = gg.nn.MLP([4, 8, 2])
    with pytest.raises(RuntimeError, match="same dtype"):
        model(gg.tensor(x))
    history = gg.train.fit(model, gg.nn.CrossEntropyLoss(),
                           gg.optim.SGD(model.parameters(), lr=0.5), (x, y), val_data=(x, y),
                           epochs=3, seed=0)
    assert history["loss"][-1] < history["loss"][0]
    assert gg.train.evaluate(model, gg.nn.CrossEntropyLoss(), (x, y))["accuracy"] > 0.7
