"""What a newcomer met in the first hour with the graph view (issue 16): gg.explain on values of
shape (1,), gg.explain reading as gg.graph with its names, the rule that makes a tensor created
with requires_grad=True an input node, gg.trace both ways, and drawings written where told."""
import gc
import weakref

import numpy as np
import pytest

import graphgrad as gg
from graphgrad.graphview import GraphvizNotFoundError


def linear_mse(n_samples):
    """Linear(1, 1) with mse_loss: every value has shape (n, 1), (1, 1) or (1,)."""
    model = gg.nn.Linear(1, 1, dtype=np.float64, generator=0)
    x = gg.tensor(np.linspace(1.0, 2.0, n_samples)[:, None])
    y = gg.tensor(np.linspace(3.0, 1.0, n_samples)[:, None])
    return model, x, y, gg.nn.functional.mse_loss(model(x), y)


@pytest.mark.parametrize("n_samples", [1, 2])
def test_explain_handles_one_element_values_and_matches_torch(n_samples, torch):
    model, x, y, loss = linear_mse(n_samples)
    e = gg.explain(loss, names=dict(model.named_parameters()))
    text = str(e)
    assert "weight" in text and "bias" in text
    if n_samples == 1:      # every node holds one number: 002's scalar listing, with the numbers
        assert "weight.grad += v2.grad * dv2/dweight" in text
    tw = torch.tensor(model.weight.array, requires_grad=True)
    tb = torch.tensor(model.bias.array, requires_grad=True)
    prediction = torch.tensor(x.array) @ tw.T + tb
    torch.nn.functional.mse_loss(prediction, torch.tensor(y.array)).backward()
    np.testing.assert_allclose(np.asarray(e.grads["weight"]).reshape(1, 1), tw.grad.numpy(),
                               rtol=1e-12)
    np.testing.assert_allclose(np.asarray(e.grads["bias"]).reshape(1), tb.grad.numpy(),
                               rtol=1e-12)
    g = gg.graph(loss)
    assert g.to_dot().startswith("digraph")            # the numbers in the drawing too
    assert np.allclose(g.forward_propagation("v1")[g.outputs[0]],
                       g.backward_propagation(g.outputs[0])["v1"])


def test_explain_after_graph_uses_its_names_and_numbering():
    model = gg.nn.Sequential(gg.nn.Linear(3, 4, generator=0), gg.nn.Tanh(),
                             gg.nn.Linear(4, 1, generator=1))
    x, y = gg.randn(5, 3, generator=gg.Generator(0)), gg.zeros(5, 1)
    loss = gg.nn.functional.mse_loss(model(x), y)
    plain = str(gg.explain(loss))                      # no graph built yet: v0, v1, ...
    assert "0.weight" not in plain
    g = gg.graph(loss, names=dict(model.named_parameters()))
    listing = str(gg.explain(loss))
    assert listing == str(g.explain())                 # the same names and numbering as g
    assert [v.name for v in gg.explain(loss).graph.nodes] == [v.name for v in g.nodes]
    assert "0.weight.grad(4, 3) +=" in listing and "2.bias.grad(1,) +=" in listing
    # names= given to explain itself win, and the other options follow the graph
    assert "W1.grad(4, 3)" in str(gg.explain(loss, names={"W1": model[0].weight}))
    named = gg.graph(loss, granularity="named", names={"out": loss})
    assert str(gg.explain(loss)) == str(named.explain())


def test_remembered_options_keep_nothing_alive():
    w = gg.nn.Parameter(gg.tensor([1.0, 2.0]))
    x = gg.tensor([3.0, 4.0])
    loss = (w * x).sum()
    gg.graph(loss, names={"w": w, "x": x, "L": loss})
    node = weakref.ref(loss._node)
    del loss
    gc.collect()
    assert node() is None


def test_a_tensor_created_with_requires_grad_is_an_input():
    x = gg.tensor(np.float64(1.5), requires_grad=True)
    g = gg.graph(gg.exp(x ** 2))
    assert [v.record for v in g.inputs] == [x] and g.parameters == []
    assert g.inputs[0].name == "v0"
    np.testing.assert_allclose(g.backward_propagation(g.outputs[0])[g.inputs[0]],
                               2 * 1.5 * np.exp(1.5 ** 2), rtol=1e-14)


def test_module_parameters_stay_parameters_even_frozen_and_declared_leaves_are_classed():
    layer = gg.nn.Linear(2, 1, dtype=np.float64, generator=0)
    layer.bias.requires_grad_(False)
    x = gg.tensor(np.ones((3, 2)), requires_grad=True)
    w = gg.tensor(np.float64(2.0), requires_grad=True)
    out = (layer(x) * w).sum()
    g = gg.graph(out)
    assert {v.record for v in g.parameters} == {layer.weight, layer.bias}
    assert {v.record for v in g.inputs} == {x, w}
    h = gg.graph(out, parameters=(w,), inputs=(layer.bias,))
    assert {v.record for v in h.parameters} == {layer.weight, w}
    assert {v.record for v in h.inputs} == {x, layer.bias}
    with pytest.raises(ValueError, match="both as an input and as a parameter"):
        gg.graph(out, inputs=(w,), parameters=(w,))
    with pytest.raises(ValueError, match="leaf tensors"):
        gg.graph(out, parameters=(w * 2,))
    with pytest.raises(TypeError, match="takes tensors"):
        gg.graph(out, parameters=(np.ones(2),))
    assert "input unless" in gg.graph.__doc__ or "is an input node" in gg.graph.__doc__


def test_trace_is_the_graph_of_a_function_and_torch_trace_of_a_matrix(torch):
    w = gg.tensor(np.float64(0.5), requires_grad=True, name="w")
    g = gg.trace(lambda x: gg.sin(w * x), np.float64(2.0))
    assert [v.name for v in g.inputs] == ["x"] and [v.name for v in g.parameters] == ["w"]
    assert g.backward_propagation(g.outputs[0])["x"] == pytest.approx(0.5 * np.cos(1.0))
    assert "gg.trace" in gg.graph.__doc__ and callable(gg.trace)
    m = np.arange(12.0).reshape(3, 4)
    assert gg.trace(gg.tensor(m)).item() == torch.trace(torch.tensor(m)).item() == 15.0


def test_render_creates_the_folders_it_is_told_to_write_in(tmp_path, monkeypatch):
    x = gg.tensor(np.float64(2.0), requires_grad=True, name="x")
    g = gg.graph(x * gg.sigmoid(x))
    path = g.render(tmp_path / "deep" / "er" / "graph.dot")
    assert path == tmp_path / "deep" / "er" / "graph.dot"
    assert path.read_text().startswith("digraph")
    import graphgrad.graphview.render as render
    monkeypatch.setattr(render.shutil, "which", lambda name: None)
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
        g.render(tmp_path / "missing" / "graph.svg")
    assert not (tmp_path / "missing").exists()        # nothing made when nothing was drawn
