"""`graphgrad train --compile` trains exactly as `--no-compile` does (the same losses and test
accuracy), with a scheduler that changes lr every batch."""
import json
import warnings

from graphgrad.cli import main
from graphgrad.compile import CompileWarning


def test_train_with_compile_gives_the_eager_runs_history(tmp_path):
    metrics = []
    for flag in ("--no-compile", "--compile"):
        out = tmp_path / flag.strip("-")
        with warnings.catch_warnings():
            warnings.simplefilter("error", CompileWarning)      # replayed, not eager
            assert main(["train", "--data", "moons", "--epochs", "3", "--out", str(out),
                         "--quiet", "--no-plots", "--schedule", "onecycle", flag]) == 0
        metrics.append(json.loads((out / "metrics.json").read_text()))
    eager, compiled = metrics
    assert compiled["history"]["loss"] == eager["history"]["loss"]
    assert compiled["history"]["val_loss"] == eager["history"]["val_loss"]
    assert compiled["test_accuracy"] == eager["test_accuracy"]
