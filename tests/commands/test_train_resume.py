"""`graphgrad train --resume`: the checkpoint keeps the run's options, so the checkpoint alone
continues the run; options that disagree with it are explained in one line; nothing left to
do, schedules built for fewer epochs, diverged and failed runs."""
import json
import signal

import numpy as np
import pytest

import graphgrad as gg
from graphgrad.cli import main
from graphgrad.train import job

MOONS = ["train", "--data", "moons", "--samples", "120", "--hidden", "8", "--no-plots",
         "--quiet"]


def _metrics(out):
    def refuse(name):
        raise ValueError(f"metrics.json is not strict JSON: {name}")
    return json.loads((out / "metrics.json").read_text(), parse_constant=refuse)


def _weights(path):
    return {k: v.array for k, v in gg.load(path)["model"].items()}


def _stop_after(monkeypatch, epoch, times=1):
    """Make the next run receive SIGINT `times` times at the end of `epoch`, as Ctrl-C
    would."""
    original = job._Progress.on_epoch_end

    def on_epoch_end(self, run, e, logs):
        original(self, run, e, logs)
        if e == epoch:
            for _ in range(times):
                signal.raise_signal(signal.SIGINT)
    monkeypatch.setattr(job._Progress, "on_epoch_end", on_epoch_end)


def test_the_checkpoint_alone_continues_an_interrupted_run_to_the_same_end(tmp_path,
                                                                            monkeypatch, capsys):
    full, cut = tmp_path / "full", tmp_path / "cut"
    assert main([*MOONS, "--epochs", "6", "--out", str(full)]) == 0
    with monkeypatch.context() as patch:
        _stop_after(patch, 2)
        assert main([*MOONS, "--epochs", "6", "--out", str(cut)]) == 130
    err = capsys.readouterr().err
    assert f"stopped by SIGINT after epoch 2 of 6: the checkpoint and metrics.json are in {cut}" \
           f"; continue with: graphgrad train --resume {cut / 'checkpoint.ckpt'}" in err
    assert _metrics(cut)["status"] == "interrupted" and _metrics(cut)["history"]["epochs"] == [1, 2]
    assert main(["train", "--resume", str(cut / "checkpoint.ckpt"), "--quiet"]) == 0
    done, expected = _metrics(cut), _metrics(full)
    assert done["status"] == "completed" and done["history"]["epochs"] == [1, 2, 3, 4, 5, 6]
    assert done["test_accuracy"] == expected["test_accuracy"]
    np.testing.assert_allclose(done["history"]["loss"], expected["history"]["loss"], rtol=1e-6)
    for key, value in _weights(full / "checkpoint.ckpt").items():
        np.testing.assert_allclose(_weights(cut / "checkpoint.ckpt")[key], value, rtol=1e-6,
                                   atol=1e-7)


def test_a_second_ctrl_c_stops_at_once_keeping_the_last_checkpoint(tmp_path, monkeypatch,
                                                                    capsys):
    out = tmp_path / "run"
    _stop_after(monkeypatch, 2, times=2)
    assert main([*MOONS, "--epochs", "6", "--out", str(out)]) == 130
    err = capsys.readouterr().err
    assert f"stopped at once after epoch 2 of 6: the checkpoint and metrics.json are in {out}" \
        in err and "Traceback" not in err
    assert gg.train.read_checkpoint(out / "checkpoint.ckpt")["epoch"] == 2
    assert _metrics(out)["status"] == "interrupted"


def test_options_that_disagree_with_the_checkpoint_are_explained(tmp_path, capsys):
    out = tmp_path / "run"
    assert main([*MOONS, "--epochs", "2", "--out", str(out)]) == 0
    ckpt = str(out / "checkpoint.ckpt")
    for extra, said in ((["--hidden", "16"], "--hidden 16: the run in"),
                        (["--data", "xor"], "--data xor: the run in"),
                        (["--optimizer", "sgd"], "--optimizer sgd: the run in"),
                        (["--seed", "3"], "--seed 3: the run in"),
                        (["--lr", "0.5"], "add --new-schedule to restart the schedule")):
        assert main(["train", "--resume", ckpt, *extra]) == 2
        err = capsys.readouterr().err
        assert said in err and err.count("\n") == 1 and err.startswith("graphgrad train: error:")
    assert main(["train", "--resume", ckpt, "--hidden", "8", "--data", "moons"]) == 0  # agree


def test_nothing_to_do_after_the_last_epoch(tmp_path, capsys):
    out = tmp_path / "run"
    assert main([*MOONS, "--epochs", "2", "--out", str(out)]) == 0
    before = (out / "checkpoint.ckpt").read_bytes()
    assert main(["train", "--resume", str(out / "checkpoint.ckpt")]) == 0
    said = capsys.readouterr().out
    assert "nothing to do: the run in" in said and "has finished 2 epochs of 2;" in said
    assert main(["train", "--resume", str(out / "checkpoint.ckpt"), "--epochs", "1"]) == 0
    assert "has finished 2 epochs, more than --epochs 1;" in capsys.readouterr().out
    assert (out / "checkpoint.ckpt").read_bytes() == before


def test_a_schedule_is_not_stretched_silently(tmp_path, capsys):
    out = tmp_path / "run"
    assert main([*MOONS, "--epochs", "3", "--schedule", "cosine", "--out", str(out)]) == 0
    ckpt = str(out / "checkpoint.ckpt")
    assert main(["train", "--resume", ckpt, "--epochs", "5"]) == 2
    assert "the run's cosine schedule was built for 3 epochs; add --new-schedule" in \
        capsys.readouterr().err
    assert main(["train", "--resume", ckpt, "--epochs", "5", "--new-schedule", "--lr",
                 "0.01", "--quiet"]) == 0
    lrs = _metrics(out)["history"]["lr"]
    assert lrs[3:] == pytest.approx([0.01, 0.005])             # cosine over epochs 4-5
    assert _metrics(out)["config"]["schedule_span"] == [3, 5]
    assert main(["train", "--resume", ckpt, "--epochs", "6"]) == 2     # built for 5 now
    assert main([*MOONS, "--epochs", "2", "--schedule", "none", "--out", str(tmp_path / "n")]) \
        == 0
    assert main(["train", "--resume", str(tmp_path / "n" / "checkpoint.ckpt"), "--epochs",
                 "3", "--quiet"]) == 0                          # no schedule to outgrow


def test_a_diverged_run_keeps_its_last_good_checkpoint_and_says_where(tmp_path, capsys):
    out = tmp_path / "run"
    assert main([*MOONS, "--epochs", "2", "--optimizer", "sgd", "--schedule", "none",
                 "--out", str(out)]) == 0
    before = (out / "checkpoint.ckpt").read_bytes()
    assert main(["train", "--resume", str(out / "checkpoint.ckpt"), "--epochs", "4",
                 "--new-schedule", "--lr", "1e30", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("graphgrad train: error: training diverged: the training loss is ")
    assert "at epoch 3, step" in err and "(learning rate 1e+30)" in err
    assert f"the checkpoint of epoch 2 is kept in {out / 'checkpoint.ckpt'}" in err
    assert err.count("\n") == 1 and "Warning" not in err
    assert (out / "checkpoint.ckpt").read_bytes() == before
    metrics = _metrics(out)
    assert metrics["status"] == "diverged" and metrics["history"]["epochs"] == [1, 2]
    assert metrics["stopped"]["epoch"] == 3 and metrics["stopped"]["lr"] == 1e30


def test_failed_runs_leave_no_empty_folders(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--optimizer", "sgd", "--lr", "1e4", "--quiet"]) == 1
    assert "at epoch 1, step" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []                       # not even runs/
    nested = tmp_path / "a" / "b" / "run"
    monkeypatch.setenv("GRAPHGRAD_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert main(["train", "--data", "mnist", "--no-download", "--out", str(nested)]) == 1
    assert not (tmp_path / "a").exists()
    kept = tmp_path / "kept"
    kept.mkdir()
    assert main([*MOONS, "--samples", "4", "--out", str(kept)]) == 1   # an empty split
    assert "holds out none" in capsys.readouterr().err and kept.is_dir()


def test_a_checkpoint_without_options_is_resumed_with_the_options_given(tmp_path, capsys):
    x, y = gg.data.moons(n_samples=40, seed=0)
    model = gg.nn.MLP([2, 8, 2])
    opt = gg.optim.Adam(model.parameters())
    gg.train.fit(model, gg.nn.functional.cross_entropy, opt, (x, y), epochs=1,
                 checkpoint=tmp_path / "plain.ckpt")
    assert main(["train", "--resume", str(tmp_path / "plain.ckpt"), "--data", "moons",
                 "--epochs", "2", "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "the checkpoint does not fit this run: " in err and err.count("\n") == 1
    assert not (tmp_path / "o").exists()
