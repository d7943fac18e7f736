"""`graphgrad train --model cnn` on the embedded digits, in a subprocess: a few epochs of the
LeNet-style CNN, its files, its accuracy; the model is part of a run's identity on resume."""
import json
import subprocess
import sys

import pytest

from graphgrad.cli import main


def _train(*args):
    return subprocess.run([sys.executable, "-m", "graphgrad", "train", *args],
                          capture_output=True, text=True, timeout=600)


def test_cnn_on_the_digits_trains_and_writes_its_files(tmp_path):
    out = tmp_path / "cnn"
    done = _train("--model", "cnn", "--epochs", "4", "--no-plots", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "CNN on 8x8 images: conv 32-64 with 2x2 pooling, dense 128-10" in done.stdout
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["config"]["model"] == "cnn" and metrics["epochs_run"] == 4
    assert metrics["test_accuracy"] >= 0.93, metrics["test_accuracy"]
    assert metrics["status"] == "completed"
    assert (out / "checkpoint.ckpt").stat().st_size > 100_000      # the conv weights are in it
    # resuming keeps the model; asking for the other one is refused in one line
    refused = _train("--model", "mlp", "--resume", str(out / "checkpoint.ckpt"), "--epochs", "5")
    assert refused.returncode == 2 and "--model mlp" in refused.stderr \
        and "--model cnn" in refused.stderr


def test_cnn_refuses_the_2d_sets(tmp_path, capsys):
    assert main(["train", "--model", "cnn", "--data", "moons", "--out", str(tmp_path)]) == 2
    assert "--model cnn trains on images" in capsys.readouterr().err


def test_the_model_option_defaults_to_the_mlp(tmp_path, capsys):
    assert main(["train", "--epochs", "1", "--no-plots", "--quiet", "--out",
                 str(tmp_path / "run")]) == 0
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["config"]["model"] == "mlp"


@pytest.mark.parametrize("batch_norm, dropout", [(False, 0.0), (True, 0.25)])
def test_convnet_shapes_and_state_dict(batch_norm, dropout):
    import graphgrad as gg
    model = gg.nn.ConvNet((1, 28, 28), 10, batch_norm=batch_norm, dropout=dropout, generator=0)
    y = model(gg.zeros(3, 784))
    assert tuple(y.shape) == (3, 10)
    weights = [k for k in model.state_dict() if k.endswith("weight")]
    shapes = [tuple(model.state_dict()[k].shape) for k in weights]
    assert shapes[0] == (32, 1, 3, 3) and (64, 32, 3, 3) in shapes
    assert (128, 64 * 7 * 7) in shapes and shapes[-1] == (10, 128)
