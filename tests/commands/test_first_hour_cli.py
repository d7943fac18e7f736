"""The command line as a newcomer meets it (issue 16): `--help` says that plain `graphgrad`
trains, `demo` states x and writes each step over its operands without -0, a reused --out
keeps no file of the run before, `graph -o` writes where it is told, and the package installs
without setuptools' licence warning."""
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from graphgrad.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_help_says_plain_graphgrad_trains(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--help"])
    assert stop.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "Plain `graphgrad`, with no command, trains: it is `graphgrad train`" in text
    assert "commands (default: train)" in text


def demo(x):
    return subprocess.run([sys.executable, "-m", "graphgrad", "demo", "--x", x],
                          capture_output=True, text=True, timeout=120)


def test_demo_states_x_and_each_step_over_its_operands():
    done = demo("1.5")
    assert done.returncode == 0 and done.stderr == ""
    out = done.stdout
    assert "forward pass at x = 1.5" in out
    a, b = 1.5 ** 2, math.exp(1.5 ** 2)
    c = a + b
    for line, value in [("x            =", 1.5), ("a = x ** 2   =", a), ("b = exp(a)   =", b),
                        ("c = a + b    =", c), ("d = sqrt(c)  =", math.sqrt(c)),
                        ("e = cos(c)   =", math.cos(c)),
                        ("f = d + e    =", math.sqrt(c) + math.cos(c))]:
        (found,) = [row for row in out.splitlines() if row.strip().startswith(line.strip())]
        assert float(found.split("=")[-1].split()[0]) == pytest.approx(value, abs=1e-6), found


@pytest.mark.parametrize("x", ["0", "-0.0"])
def test_demo_never_prints_a_negative_zero(x):
    done = demo(x)
    assert done.returncode == 0 and done.stderr == ""
    assert "-0.0" not in done.stdout and "x = -0" not in done.stdout
    assert done.stdout.count("df/dx =  0.0000000000") == 3


def test_demo_says_where_float64_ends_instead_of_warning():
    done = demo("30")
    assert done.returncode == 0 and done.stderr == ""       # no RuntimeWarning
    assert "exp(x^2) overflows for |x| > 26.6" in done.stdout


def test_a_reused_out_folder_keeps_no_file_of_the_run_before(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="the 2-D run's decision_boundary.png needs it")
    out = tmp_path / "run"
    assert main(["train", "--data", "xor", "--epochs", "2", "--out", str(out), "--quiet"]) == 0
    assert (out / "decision_boundary.png").exists()
    (out / "notes.txt").write_text("mine")                  # not a file the job writes
    assert main(["train", "--epochs", "1", "--schedule", "none", "--out", str(out),
                 "--quiet"]) == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "checkpoint.ckpt", "curves.png", "metrics.json", "notes.txt"]
    assert json.loads((out / "metrics.json").read_text())["dataset"] == "digits"
    # resuming continues the run in its folder: its files stay
    assert main(["train", "--resume", str(out / "checkpoint.ckpt"), "--epochs", "2",
                 "--quiet"]) == 0
    assert json.loads((out / "metrics.json").read_text())["history"]["epochs"] == [1, 2]


def graph_command(output, cwd, path=None):
    env = None if path is None else {"PATH": path}
    return subprocess.run([sys.executable, "-m", "graphgrad", "graph", "x * sigmoid(w * x + b)",
                           "--at", "x=2,w=0.5,b=-1", "-o", output], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_graph_writes_where_it_is_told(tmp_path):
    done = graph_command("drawings/today/graph.dot", tmp_path)
    assert done.returncode == 0, done.stderr
    target = tmp_path / "drawings" / "today" / "graph.dot"
    assert target.read_text().startswith("digraph")
    assert done.stdout.strip() == "wrote drawings/today/graph.dot (7 nodes, 7 edges)"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["drawings"]


def test_graph_without_graphviz_says_what_to_do_and_writes_nothing(tmp_path):
    done = graph_command("out/graph.svg", tmp_path, path=str(tmp_path))   # no dot on PATH
    assert done.returncode == 1
    assert "apt-get install graphviz" in done.stderr and "brew install graphviz" in done.stderr
    assert "-o graph.dot" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_licence_is_an_spdx_string_for_a_setuptools_that_reads_it():
    tomllib = pytest.importorskip("tomllib", reason="tomllib comes with Python 3.11")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["license"] == "MIT"      # a TOML table makes setuptools warn
    assert "setuptools>=77" in project["build-system"]["requires"]   # 77 reads the string
