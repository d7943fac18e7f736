"""The training examples run and print what they claim (each takes a second or two)."""
import runpy
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


@pytest.mark.parametrize("name", sorted(CLAIMS))
def test_example_runs(name, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # pictures land here, not in the repository
    try:
        runpy.run_path(str(EXAMPLES / name), run_name="__main__")
    except SystemExit as stop:  # only when matplotlib is missing, after the printing
        assert "matplotlib" in str(stop.code)
    assert CLAIMS[name] in capsys.readouterr().out
