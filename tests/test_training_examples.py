"""The training examples run and print what they claim (each takes a second or two), and
draw their pictures only into the folder given with --out."""
import importlib.util
import runpy
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

CLAIMS = {
    "xor_mlp.py": "4/4 correct",
    "logistic_regression.py": "L-BFGS",
    "optimizers.py": "L-BFGS (strong Wolfe)",
    "batch_size_schedule.py": "batch-size growth",
    "autoencoder_digits.py": "nearest class mean",
    "sample_attention.py": "attends most to",
}


#: The examples that draw, and their picture (written to --out, default examples/out/).
PICTURES = {"optimizers.py": "optimizers.png", "autoencoder_digits.py": "autoencoder_digits.png"}


@pytest.mark.parametrize("name", sorted(CLAIMS))
def test_example_runs(name, tmp_path, monkeypatch, capsys):
    here, out = tmp_path / "cwd", tmp_path / "pictures"
    here.mkdir()
    monkeypatch.chdir(here)
    argv = [name, "--out", str(out)] if name in PICTURES else [name]
    monkeypatch.setattr(sys, "argv", argv)
    try:
        runpy.run_path(str(EXAMPLES / name), run_name="__main__")
    except SystemExit as stop:  # only when matplotlib is missing, after the printing
        assert "matplotlib" in str(stop.code)
    printed = capsys.readouterr().out
    assert CLAIMS[name] in printed
    assert list(here.iterdir()) == []  # nothing in the current folder
    if name in PICTURES and importlib.util.find_spec("matplotlib"):
        assert (out / PICTURES[name]).read_bytes()[:4] == b"\x89PNG"
        assert f"drawn to {out / PICTURES[name]}" in printed
