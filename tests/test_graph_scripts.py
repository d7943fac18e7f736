"""The issue-3 example and benchmarks run and print what they promise (quick settings; the
numbers themselves are checked in the unit tests, the timings are the benchmarks' business)."""
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_four_ways_to_a_gradient(capsys):
    pytest.importorskip("sympy", reason="the symbolic way needs SymPy (graphgrad[symbolic])")
    script = runpy.run_path(str(ROOT / "examples" / "four_ways_to_a_gradient.py"))
    script["main"](["--x", "1.5", "--depth", "3"])
    out = capsys.readouterr().out
    assert "1. by hand (004): df/dx = 27.780454912912" in out
    assert "backward propagation (gg.grad): 27.780454912912" in out
    assert "forward propagation  (gg.jvp):  27.780454912912" in out
    assert "x.grad += v0.grad * dv0/dx = 9.260 * 3.000 = 27.780" in out
    # d/dx of f∘f∘f: the symbolic formula has 1,648 operations, the graph 19 nodes
    assert "1,648" in out and " 19 " in out


@pytest.mark.parametrize("name", ["modes", "numeric"])
def test_benchmarks_run_quick(name, capsys):
    from bench.__main__ import main
    assert main([name, "--quick"]) == 0
    out = capsys.readouterr().out
    # the shapes of the output only: timings on a shared machine are not for unit tests
    expected = "predicted cheaper mode" if name == "modes" else "fitted exponent"
    assert expected in out
