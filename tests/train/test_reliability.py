"""fit loses nothing: a non-finite loss or weights stop training before they reach the
checkpoint, a signal stops it after the current step, epochs count from 1 everywhere, and what
is written is strict JSON."""
import json
import math
import signal

import numpy as np
import pytest

import graphgrad as gg

F = gg.nn.functional


def _setup(seed=3, lr=0.1):
    model = gg.nn.MLP([2, 8, 2], activation="tanh", generator=seed)
    return model, gg.optim.SGD(model.parameters(), lr=lr, momentum=0.9)


def _data():
    return gg.data.moons(n_samples=80, seed=0)        # 4 batches of 20


class _PoisonedLoss:
    """Cross-entropy, except that training call number `at` returns NaN (and, with
    signal_at, raises a signal during that call, as Ctrl-C would)."""

    def __init__(self, at=None, signal_at=(), validation_nan=False, signals=1):
        self.calls, self.at, self.signal_at, self.signals = 0, at, signal_at, signals
        self.validation_nan, self.poisoned = validation_nan, False
        self.__name__ = "cross_entropy"

    def __call__(self, out, target):
        loss = F.cross_entropy(out, target)
        if not gg.is_grad_enabled():                   # evaluation
            return loss * math.nan if self.validation_nan else loss
        self.calls += 1
        if self.calls in self.signal_at:
            for _ in range(self.signals):
                signal.raise_signal(signal.SIGINT)
        poisoned = self.poisoned or self.calls == self.at
        return loss * math.nan if poisoned else loss


class _Snapshots(gg.train.Callback):
    """The checkpoint file's bytes after every epoch."""

    def __init__(self, path):
        self.path, self.bytes = path, {}

    def on_epoch_end(self, run, epoch, logs):
        self.bytes[epoch] = self.path.read_bytes()


def test_a_nan_loss_stops_before_the_step_and_keeps_the_last_good_checkpoint(tmp_path):
    x, y = _data()
    model, opt = _setup()
    path = tmp_path / "run.ckpt"
    snapshots = _Snapshots(path)
    loss = _PoisonedLoss(at=2 * 4 + 3)                 # epoch 3, step 3
    weights = {}
    keep = gg.train.LambdaCallback(on_epoch_end=lambda run, e, logs: weights.update(
        {e: model.state_dict()["0.weight"].array.copy()}))
    with pytest.raises(gg.train.DivergenceError) as info:
        gg.train.fit(model, loss, opt, (x, y), epochs=10, batch_size=20, seed=0,
                     checkpoint=path, callbacks=[snapshots, keep])
    e = info.value
    assert (e.epoch, e.step, e.steps, e.epochs_done, e.lr) == (3, 3, 4, 2, 0.1)
    assert math.isnan(e.value) and e.history.epochs == [1, 2]
    assert str(e) == ("training diverged: the training loss is nan at epoch 3, step 3 of 4 "
                      f"(learning rate 0.1); the checkpoint of epoch 2 is kept in {path}; try "
                      "a smaller learning rate")
    assert path.read_bytes() == snapshots.bytes[2]     # not overwritten
    assert np.isfinite(model.state_dict()["0.weight"].array).all()
    state = gg.train.read_checkpoint(path)
    assert state["epoch"] == 2 and state["history"].epochs == [1, 2]
    np.testing.assert_array_equal(state["model"]["0.weight"].array, weights[2])


class _Exploding(gg.optim.SGD):
    """SGD whose update number `at` leaves infinite weights (with a finite loss before it)."""

    def __init__(self, params, at, **options):
        super().__init__(params, **options)
        self.at, self.steps = at, 0

    def step(self, closure=None):
        super().step(closure)
        self.steps += 1
        if self.steps == self.at:
            self.param_groups[0]["params"][0].array[...] = np.inf


def test_weights_gone_infinite_in_an_epochs_last_step_are_not_checkpointed(tmp_path):
    x, y = _data()
    model = gg.nn.MLP([2, 8, 2], activation="tanh", generator=3)
    opt = _Exploding(model.parameters(), at=2 * 4, lr=0.1)       # epoch 2's last step
    path = tmp_path / "run.ckpt"
    snapshots = _Snapshots(path)
    with pytest.raises(gg.train.DivergenceError, match="parameter 0.weight is not finite at "
                                                      "the end of epoch 2") as info:
        gg.train.fit(model, F.cross_entropy, opt, (x, y), epochs=5, batch_size=20, seed=0,
                     checkpoint=path, callbacks=[snapshots])
    assert info.value.epoch == 2 and path.read_bytes() == snapshots.bytes[1]


def test_a_nan_validation_loss_stops_training_too(tmp_path):
    x, y = _data()
    model, opt = _setup()
    with pytest.raises(gg.train.DivergenceError, match="the validation loss is nan at the end "
                                                      r"of epoch 1 \(learning rate 0.1\); no "
                                                      "epoch was completed, so there is no "
                                                      "checkpoint"):
        gg.train.fit(model, _PoisonedLoss(validation_nan=True), opt, (x, y), val_data=(x, y),
                     epochs=3, checkpoint=tmp_path / "c.ckpt")
    assert not (tmp_path / "c.ckpt").exists()


def test_closure_optimizers_stop_on_a_nan_loss_at_the_start_of_a_step():
    x, y = _data()
    model = gg.nn.MLP([2, 8, 2], activation="tanh", generator=3)
    opt = gg.optim.LBFGS(model.parameters(), max_iter=3)
    loss = _PoisonedLoss()
    poison = gg.train.LambdaCallback(on_epoch_end=lambda run, e, logs: setattr(
        loss, "poisoned", True))                      # from epoch 2's first evaluation on
    with pytest.raises(gg.train.DivergenceError, match="epoch 2, step 1 of 1 "):
        gg.train.fit(model, loss, opt, (x, y), epochs=3, batch_size=80, callbacks=[poison])
    assert np.isfinite(model.state_dict()["0.weight"].array).all()


def test_epochs_count_from_1_in_history_callbacks_checkpoint_console_and_plots(tmp_path,
                                                                                capsys):
    x, y = _data()
    model, opt = _setup()
    seen = []
    history = gg.train.fit(
        model, F.cross_entropy, opt, (x, y), val_data=(x, y), epochs=3, verbose=True,
        checkpoint=tmp_path / "c.ckpt",
        callbacks=[gg.train.LambdaCallback(on_epoch_end=lambda run, e, logs: seen.append(
            (e, run.epoch))), gg.train.ModelCheckpoint(tmp_path / "e{epoch}.ckpt")])
    assert history.epochs == [1, 2, 3] and seen == [(1, 1), (2, 2), (3, 3)]
    assert gg.train.read_checkpoint(tmp_path / "c.ckpt")["epoch"] == 3
    assert sorted(p.name for p in tmp_path.glob("e*.ckpt")) == ["e1.ckpt", "e2.ckpt",
                                                                "e3.ckpt"]
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines] == ["1/3", "2/3", "3/3"]
    pytest.importorskip("matplotlib", reason="plots need matplotlib")
    figure = history.plot()
    assert list(figure.axes[0].lines[0].get_xdata()) == [1, 2, 3]


def test_checkpoint_history_is_strict_json_with_nan_as_null(tmp_path):
    run = gg.train.Run(*_setup(), [], gg.train.History(), config={"note": math.inf})
    run.history.append(1, {"loss": 0.5})
    run.history.append(2, {"loss": 0.25, "val_loss": 0.3})       # val_loss NaN in epoch 1
    gg.train.save_checkpoint(tmp_path / "c.ckpt", run, 2)
    raw = gg.load(tmp_path / "c.ckpt")

    def refuse(name):
        raise ValueError(f"not strict JSON: {name}")
    assert json.loads(raw["history"], parse_constant=refuse)["val_loss"] == [None, 0.3]
    assert json.loads(raw["config"], parse_constant=refuse) == {"note": None}
    state = gg.train.read_checkpoint(tmp_path / "c.ckpt")
    assert math.isnan(state["history"]["val_loss"][0]) and state["history"]["val_loss"][1] == 0.3


def test_format_1_checkpoints_counted_from_0_are_read_from_1(tmp_path):
    x, y = _data()
    model, opt = _setup()
    full = gg.train.fit(model, F.cross_entropy, opt, (x, y), epochs=4, seed=1)
    model, opt = _setup()
    gg.train.fit(model, F.cross_entropy, opt, (x, y), epochs=2, seed=1,
                 checkpoint=tmp_path / "new.ckpt")
    state = gg.load(tmp_path / "new.ckpt")
    history = json.loads(state["history"])
    history["epochs"] = [0, 1]
    old = {"model": state["model"], "optimizer": state["optimizer"], "schedulers": [],
           "epoch": 1, "history": json.dumps(history)}           # format 1: no version
    gg.save(old, tmp_path / "old.ckpt")
    model, opt = _setup()
    resumed = gg.train.fit(model, F.cross_entropy, opt, (x, y), epochs=4, seed=1,
                           resume=tmp_path / "old.ckpt")
    assert resumed.epochs == [1, 2, 3, 4]
    np.testing.assert_allclose(resumed["loss"], full["loss"], rtol=1e-6)


def test_resume_with_a_new_schedule_keeps_the_new_schedules_learning_rate(tmp_path):
    x, y = _data()
    model, opt = _setup()
    sched = gg.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    gg.train.fit(model, F.cross_entropy, opt, (x, y), epochs=3, scheduler=sched,
                 checkpoint=tmp_path / "c.ckpt")
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1 * 0.5 ** 3)
    model, opt = _setup(lr=0.02)
    fresh = gg.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=2)
    history = gg.train.fit(model, F.cross_entropy, opt, (x, y), epochs=5, scheduler=fresh,
                           resume=tmp_path / "c.ckpt", resume_schedulers=False)
    assert history["lr"][3:] == pytest.approx([0.02, 0.01])      # cos schedule from 0.02
    assert history["lr"][:3] == pytest.approx([0.1, 0.05, 0.025])  # the saved epochs
    with pytest.raises(ValueError, match="has 1 schedulers, this run 0"):
        gg.train.fit(model, F.cross_entropy, _setup()[1], (x, y), epochs=5,
                     resume=tmp_path / "c.ckpt")


def test_a_signal_stops_after_the_current_step_keeping_the_completed_epochs(tmp_path):
    x, y = _data()
    path = tmp_path / "c.ckpt"
    model, opt = _setup()
    full = gg.train.fit(model, F.cross_entropy, opt, (x, y), epochs=5, batch_size=20, seed=2)
    expected = model.state_dict()["0.weight"].array.copy()
    before = signal.getsignal(signal.SIGINT)
    model, opt = _setup()
    snapshots = _Snapshots(path)
    with pytest.raises(gg.train.TrainingInterrupted) as info:
        gg.train.fit(model, _PoisonedLoss(signal_at=(2 * 4 + 2,)), opt, (x, y), epochs=5,
                     batch_size=20, seed=2, checkpoint=path, interruptible=True,
                     callbacks=[snapshots])
    e = info.value
    assert isinstance(e, KeyboardInterrupt) and e.signal == signal.SIGINT
    assert e.epochs_done == 2 and e.history.epochs == [1, 2] and sorted(snapshots.bytes) == [1, 2]
    assert "stopped by SIGINT after 2 completed epochs" in str(e)
    assert path.read_bytes() == snapshots.bytes[2]
    assert signal.getsignal(signal.SIGINT) is before             # handlers given back
    model, opt = _setup()
    resumed = gg.train.fit(model, F.cross_entropy, opt, (x, y), epochs=5, batch_size=20,
                           seed=2, resume=path)
    np.testing.assert_allclose(resumed["loss"], full["loss"], rtol=1e-6)
    np.testing.assert_allclose(model.state_dict()["0.weight"].array, expected,
                               rtol=1e-6, atol=1e-7)


def test_a_signal_during_an_epochs_last_step_completes_that_epoch(tmp_path):
    x, y = _data()
    model, opt = _setup()
    with pytest.raises(gg.train.TrainingInterrupted) as info:
        gg.train.fit(model, _PoisonedLoss(signal_at=(4,)), opt, (x, y), epochs=5,
                     batch_size=20, interruptible=True, checkpoint=tmp_path / "c.ckpt")
    assert info.value.epochs_done == 1


def test_a_second_signal_stops_at_once():
    x, y = _data()
    model, opt = _setup()
    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt) as info:
        gg.train.fit(model, _PoisonedLoss(signal_at=(2,), signals=2), opt, (x, y), epochs=5,
                     batch_size=20, interruptible=True)
    assert not isinstance(info.value, gg.train.TrainingInterrupted)
    assert signal.getsignal(signal.SIGINT) is before


def test_without_interruptible_ctrl_c_is_an_ordinary_keyboard_interrupt():
    x, y = _data()
    model, opt = _setup()
    with pytest.raises(KeyboardInterrupt) as info:
        gg.train.fit(model, _PoisonedLoss(signal_at=(2,)), opt, (x, y), epochs=5,
                     batch_size=20)
    assert not isinstance(info.value, gg.train.TrainingInterrupted)
