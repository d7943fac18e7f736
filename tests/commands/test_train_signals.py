"""Ctrl-C and kill during `graphgrad train`, in a real process: the current step finishes, the
checkpoint and metrics.json of the completed epochs stay, the exit status is 128 + the signal,
and `--resume CHECKPOINT` ends where the uninterrupted run ends."""
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import graphgrad as gg
from graphgrad.cli import main

RUN = ["--data", "digits", "--hidden", "16", "--schedule", "none", "--epochs", "30",
       "--no-plots"]

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def _start(out):
    env = dict(os.environ, PYTHONPATH=str(Path(gg.__file__).parents[1]),
               PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "graphgrad", "train", *RUN, "--out",
                             str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


def _interrupt_after_first_epoch(process, *signals):
    """Wait until epoch 1 is reported on stdout, then send the signals; (status, stdout,
    stderr)."""
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.lstrip().startswith("epoch") and line.split()[1].startswith("1/"):
            break
    for signum in signals:
        process.send_signal(signum)
    out, err = process.communicate(timeout=120)
    return process.returncode, "".join(lines) + out, err


def _weights(path):
    return {k: v.array for k, v in gg.load(path)["model"].items()}


def test_ctrl_c_saves_the_completed_epochs_and_resume_ends_where_a_full_run_ends(tmp_path):
    out = tmp_path / "cut"
    status, printed, err = _interrupt_after_first_epoch(_start(out), signal.SIGINT)
    assert status == 130, err
    assert "Traceback" not in err
    done = json.loads((out / "metrics.json").read_text())
    k = done["epochs_run"]
    assert 1 <= k < 30 and done["status"] == "interrupted"
    assert done["history"]["epochs"] == list(range(1, k + 1))
    assert f"epoch {k:>2}/30" in printed and f"epoch {k + 1:>2}/30" not in printed
    assert f"stopped by SIGINT after epoch {k} of 30: the checkpoint and metrics.json are " \
           f"in {out}; continue with: graphgrad train --resume {out / 'checkpoint.ckpt'}" in err
    assert gg.train.read_checkpoint(out / "checkpoint.ckpt")["epoch"] == k

    assert main(["train", "--resume", str(out / "checkpoint.ckpt"), "--quiet"]) == 0
    full = tmp_path / "full"
    assert main(["train", *RUN, "--out", str(full), "--quiet"]) == 0
    resumed, expected = (json.loads((p / "metrics.json").read_text()) for p in (out, full))
    assert resumed["history"]["epochs"] == list(range(1, 31))
    assert resumed["test_accuracy"] == expected["test_accuracy"]
    np.testing.assert_allclose(resumed["history"]["loss"], expected["history"]["loss"],
                               rtol=1e-6)
    for key, value in _weights(full / "checkpoint.ckpt").items():
        np.testing.assert_allclose(_weights(out / "checkpoint.ckpt")[key], value, rtol=1e-6,
                                   atol=1e-7)


def test_sigterm_does_the_same_with_status_143(tmp_path):
    out = tmp_path / "run"
    status, _, err = _interrupt_after_first_epoch(_start(out), signal.SIGTERM)
    assert status == 128 + signal.SIGTERM, err
    assert "stopped by SIGTERM after epoch" in err and "Traceback" not in err
    assert json.loads((out / "metrics.json").read_text())["status"] == "interrupted"
    assert (out / "checkpoint.ckpt").exists()


def test_a_second_ctrl_c_stops_at_once_without_a_traceback(tmp_path):
    out = tmp_path / "run"
    status, _, err = _interrupt_after_first_epoch(_start(out), signal.SIGINT, signal.SIGINT)
    assert status == 130 and "Traceback" not in err, err
    state = gg.train.read_checkpoint(out / "checkpoint.ckpt")  # the last epoch end's, intact
    assert state["epoch"] >= 1 and state["history"].epochs == list(range(1, state["epoch"] + 1))
