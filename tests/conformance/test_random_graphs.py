"""Seeded random graphs against PyTorch (issue 17): a few hundred compositions, depth 3 to 6,
of unary, binary, reduction and shape operations over random float64 shapes with broadcasting,
compared in values, backward, gg.gradients, gg.jvp and Hessian-vector products (gg.grad of a
gradient against torch's double backward). bench/bench_conformance.py draws the graphs and runs
thousands of them (python -m bench conformance)."""
import importlib.util
from pathlib import Path

import numpy as np

import graphgrad as gg

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("bench_conformance",
                                               ROOT / "bench" / "bench_conformance.py")
bench_conformance = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_conformance)

N = 250


def test_random_graphs_agree_with_torch(torch):
    counts, ops, examples = bench_conformance.run(N, seed=2026, torch=torch)
    disagreements = {kind: graphs[:3] for kind, graphs in examples.items()
                     if kind not in bench_conformance.TORCH_SLIPS}
    assert not disagreements, f"graphs that differ from PyTorch: {disagreements}"
    assert counts["agree"] >= 0.9 * N and counts["disagree"] == 0, counts


def test_graphs_cover_every_family_with_depth_3_to_6():
    rng = np.random.default_rng(0)
    graphs = [bench_conformance.generate(rng) for _ in range(120)]
    depths = {len(g.steps) for g in graphs}
    assert depths <= set(range(3, 7)) and len(depths) >= 3, depths
    used = {name for g in graphs for name, *_ in g.steps}
    for family in (bench_conformance.UNARY, bench_conformance.BINARY,
                   bench_conformance.REDUCTIONS, bench_conformance.SHAPE_OPS):
        assert len(used & set(family)) >= len(family) // 2, (sorted(family), sorted(used))
    shapes = {a.shape for g in graphs for a in g.leaves}
    assert () in shapes and any(1 in s for s in shapes) and any(len(s) == 3 for s in shapes)
    assert any(len({a.shape for a in g.leaves}) > 1 for g in graphs)      # broadcasting


def test_a_wrong_rule_is_caught(torch, monkeypatch):
    """The comparison can fail: a graph whose graphgrad side computes something else, or whose
    second derivative is cut, is reported by kind."""
    graph = bench_conformance.Graph([np.linspace(-1, 1, 6).reshape(2, 3)])
    graph.steps.append(("tanh", (0,), "", lambda L, x: L.tanh(x)))
    graph.steps.append(("sum", (1,), "", lambda L, x: x.sum(0)))
    assert bench_conformance.compare(graph, torch) == set()
    cut = bench_conformance.Graph(graph.leaves)
    cut.steps.append(("square", (0,), "", lambda L, x: x * (x.detach() if L is gg else x)))
    found = bench_conformance.compare(cut, torch)
    assert found == {"gradients", "backward", "jvp", "hvp"}, found
    wrong = bench_conformance.Graph(graph.leaves)
    wrong.steps.append(("exp", (0,), "", lambda L, x: L.exp(x) * (1.0001 if L is gg else 1)))
    assert "value" in bench_conformance.compare(wrong, torch)
