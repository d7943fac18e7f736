"""examples/cnn_digits.py runs with a small budget, prints its accuracy and draws its filters
and feature maps only into the folder given with --out."""
import importlib.util
import runpy
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "cnn_digits.py"


def test_cnn_example_runs_and_draws(tmp_path, monkeypatch, capsys):
    here, out = tmp_path / "cwd", tmp_path / "pictures"
    here.mkdir()
    monkeypatch.chdir(here)
    monkeypatch.setattr(sys, "argv", [EXAMPLE.name, "--epochs", "3", "--out", str(out)])
    try:
        runpy.run_path(str(EXAMPLE), run_name="__main__")
    except SystemExit as stop:  # only when matplotlib is missing, after the printing
        assert "matplotlib" in str(stop.code)
    printed = capsys.readouterr().out
    accuracy = float(printed.split("test accuracy ")[1].split("%")[0])
    assert accuracy >= 90, printed
    assert "the first layer's 32 filters" in printed
    assert list(here.iterdir()) == []
    if importlib.util.find_spec("matplotlib"):
        assert (out / "cnn_digits.png").read_bytes()[:4] == b"\x89PNG"
        assert f"drawn to {out / 'cnn_digits.png'}" in printed
