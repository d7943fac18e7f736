"""`graphgrad train` end to end: a few epochs, its files, its messages."""
import importlib.util
import json

import pytest

from graphgrad.cli import main


def test_train_on_the_embedded_digits_writes_its_files(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--epochs", "3", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "MLP 64-128-64-10" in printed and "test accuracy:" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["dataset"] == "digits" and metrics["epochs_run"] == 3
    assert 0.85 <= metrics["test_accuracy"] <= 1.0
    assert len(metrics["history"]["loss"]) == 3
    assert (out / "checkpoint.ckpt").stat().st_size > 10_000
    if importlib.util.find_spec("matplotlib"):
        assert (out / "curves.png").read_bytes()[:4] == b"\x89PNG"


def test_resume_continues_from_the_checkpoint(tmp_path, capsys):
    out = tmp_path / "run"
    common = ["train", "--data", "moons", "--out", str(out), "--no-plots", "--schedule", "none"]
    assert main(common + ["--epochs", "2"]) == 0
    assert main(common + ["--epochs", "4", "--resume", str(out / "checkpoint.ckpt")]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["history"]["epochs"] == [1, 2, 3, 4]
    assert "epoch 3/4" in capsys.readouterr().out


def test_a_2d_set_gets_a_decision_boundary(tmp_path):
    pytest.importorskip("matplotlib", reason="plots need matplotlib")
    out = tmp_path / "xor"
    assert main(["train", "--data", "xor", "--epochs", "40", "--out", str(out), "--quiet",
                 "--hidden", "16", "--optimizer", "nesterov", "--schedule", "onecycle"]) == 0
    assert (out / "decision_boundary.png").exists()
    assert json.loads((out / "metrics.json").read_text())["test_accuracy"] >= 0.9


def test_missing_dataset_says_how_to_get_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GRAPHGRAD_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert main(["train", "--data", "mnist", "--no-download", "--out", str(tmp_path)]) == 1
    error = capsys.readouterr().err
    assert "t10k-images-idx3-ubyte.gz" in error and "GRAPHGRAD_DATA" in error


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = capsys.readouterr().out
    for option in ("--data", "--hidden", "--activation", "--optimizer", "--lr", "--batch-size",
                   "--epochs", "--seed", "--out"):
        assert option in text
