"""Drawing compute graphs: DOT text (no dependency), rendering through Graphviz's `dot` (tested
wherever it is installed; CI installs Debian's graphviz), Jupyter's SVG."""
import re
import shutil

import numpy as np
import pytest

import graphgrad as gg
import graphgrad.graphview.render as render
from graphgrad.graphview.render import GraphvizNotFoundError

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot is not installed (apt-get install graphviz)")
RED, BLUE = "#c00000", "#1f4fd1"


def logistic():
    x = gg.tensor(np.float64(1.5), name="x")
    w0 = gg.tensor(np.float64(0.5), requires_grad=True, name="w0")
    w1 = gg.tensor(np.float64(-0.2), requires_grad=True, name="w1")
    loss = -gg.log(gg.sigmoid(w0 + w1 * x))
    loss.name = "L"
    return gg.graph(loss, parameters=(w0, w1))


def node_lines(dot):
    return re.findall(r"^  n\d+ \[.*\];$", dot, flags=re.M)


def edge_lines(dot):
    return re.findall(r"^  n\d+ -> n\d+.*;$", dot, flags=re.M)


def test_dot_has_one_statement_per_node_and_edge():
    g = logistic()
    dot = g.to_dot()
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    assert len(node_lines(dot)) == len(g.nodes) == 8     # x, w0, w1, mul, add, σ, log, neg
    assert len(edge_lines(dot)) == len(g.edges) == 7
    for e in g.edges:
        assert f"n{e.source.id} -> n{e.target.id}" in dot


def test_kinds_look_different_and_colours_follow_the_notes():
    g = logistic()
    dot = g.to_dot()
    styles = {v.kind: re.search(rf"^  n{v.id} \[([^<]*)label", dot, flags=re.M).group(1)
              for v in g.nodes}
    assert len(set(styles.values())) == 4            # input, parameter, hidden, output
    assert "peripheries=2" in styles["output"] and "box" in styles["input"]
    grads = g.grads()
    assert f'<FONT COLOR="{RED}">grad {render.number(grads["w1"])}' in dot
    assert f'fontcolor="{BLUE}"' in dot              # edge labels: local derivatives
    edge = g.edge("w1", g.node("v0"))
    assert f"label=<{render.number(edge.local_derivative)}>" in dot
    plain = g.to_dot(show=("value",))
    assert RED not in plain and "label=<" not in "".join(edge_lines(plain))
    with pytest.raises(ValueError, match="show may contain"):
        g.to_dot(show=("values",))


def mlp():
    rng = np.random.default_rng(0)
    x = gg.tensor(rng.normal(size=(8, 6)).astype(np.float32), name="x")
    layers = []
    for i, (n, m) in enumerate([(6, 16), (16, 8), (8, 3)], 1):
        layers.append((gg.tensor(rng.normal(size=(n, m)).astype(np.float32), requires_grad=True,
                                 name=f"W{i}"),
                       gg.tensor(np.zeros(m, np.float32), requires_grad=True, name=f"b{i}")))
    h = x
    for i, (W, b) in enumerate(layers):
        h = h @ W + b
        h = gg.relu(h) if i < 2 else h
    loss = gg.mean(h ** 2)
    return gg.graph(loss)


def test_mlp_stays_readable_one_node_per_operation_with_shapes():
    g = mlp()
    ops = [v.op for v in g.hidden + g.outputs]
    assert ops.count("matmul") == 3 and ops.count("relu") == 2 and ops.count("add") == 3
    dot = g.to_dot()
    assert "(8, 16) float32" in dot and "(16, 8) float32" in dot
    assert "x @ W1" in dot
    labels = re.findall(r"label=<(.*?)>\];$", dot, flags=re.M)
    assert max(len(re.sub(r"<[^>]+>", "", label)) for label in labels) < 200
    assert "J (8, 16)×(6, 16)" in dot          # the matmul's local derivative: its shape only


def test_long_formulas_are_cut():
    x = gg.tensor(np.float64(0.3), requires_grad=True, name="x")
    y = x
    for _ in range(20):
        y = gg.sin(y) * 1.5 + x
    y.name = "y"
    dot = gg.graph(y, granularity="named").to_dot()
    assert "…" in dot and len(max(dot.splitlines(), key=len)) < 400


def test_names_are_escaped():
    x = gg.tensor(np.float64(2.0), requires_grad=True, name="<x & y>")
    dot = gg.graph(gg.exp(x)).to_dot()
    assert "&lt;x &amp; y&gt;" in dot and "<x & y>" not in dot


@needs_dot
@pytest.mark.parametrize("suffix,magic", [(".svg", b"<?xml"), (".png", b"\x89PNG"),
                                          (".pdf", b"%PDF")])
def test_render_writes_the_file(tmp_path, suffix, magic):
    path = logistic().render(tmp_path / f"graph{suffix}")
    assert path.read_bytes().startswith(magic)


@needs_dot
def test_dot_text_renders_and_jupyter_gets_svg():
    g = mlp()
    svg = render.svg(g)
    assert "<svg" in svg and svg.count("class=\"node\"") == len(g.nodes)
    assert svg.count("class=\"edge\"") == len(g.edges)
    assert "<svg" in g._repr_svg_()
    bundle = g._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"] and "ComputeGraph" in bundle["text/plain"]


def test_without_graphviz_a_clear_message_and_dot_text_still_works(tmp_path, monkeypatch):
    monkeypatch.setattr(render.shutil, "which", lambda name: None)
    g = logistic()
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
        g.render(tmp_path / "graph.svg")
    assert g.render(tmp_path / "graph.dot").read_text().startswith("digraph")
    assert g._repr_svg_() is None
    assert set(g._repr_mimebundle_()) == {"text/plain"}
    with pytest.raises(ValueError, match="unknown format"):
        g.render(tmp_path / "graph.xyz")


def test_non_scalar_output_needs_grad_outputs_for_gradients():
    x = gg.tensor(np.arange(3.0), requires_grad=True, name="x")
    g = gg.graph(gg.exp(x))
    with pytest.raises(ValueError, match="grad_outputs"):
        g.to_dot()
    dot = g.to_dot(grad_outputs=np.ones(3))
    assert "⊙ [1.000, 2.718, 7.389]" in dot
