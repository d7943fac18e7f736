"""The compute-graph view (000): node kinds, the notes' sets, Δ three ways against closed forms,
.backward(), gg.jvp and PyTorch, on the notes' examples and random DAGs."""
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import graphgrad as gg
from graphgrad.errors import FreedGraphError, InplaceError
from graphgrad.graphview import NodeLookupError, TooLargeError


def scalar(value, name=None, requires_grad=False):
    return gg.tensor(np.float64(value), requires_grad=requires_grad, name=name)


def names(nodes):
    return {v.name for v in nodes}


# ------------------------------------------------------------------------------ 000's example
X0, X1, X2, T0, T1 = 0.5, 1.5, -0.3, 0.7, 2.5


def example_000(granularity="named"):
    """f = x_v2 + (x_v0 + θ0·x_v1)^θ1 with g_v3 = x_v0 + θ0 x_v1 and g_v4 = x_v2 + x_v3^θ1."""
    x0, x1, x2 = scalar(X0, "v0"), scalar(X1, "v1"), scalar(X2, "v2")
    t0, t1 = scalar(T0, "θ0", True), scalar(T1, "θ1", True)
    v3 = x0 + t0 * x1
    v3.name = "v3"
    v4 = x2 + v3 ** t1
    return gg.graph(v4, granularity=granularity, parameters=(t0, t1)), v4, (t0, t1)


def closed_form_000():
    """Δ_u,v4 from differentiating f by hand."""
    v3 = X0 + T0 * X1
    d_v3 = T1 * v3 ** (T1 - 1)
    return {"v0": d_v3, "v1": d_v3 * T0, "v2": 1.0, "v3": d_v3, "v4": 1.0,
            "θ0": d_v3 * X1, "θ1": v3 ** T1 * math.log(v3)}


def test_000_node_kinds_are_the_notes_sets():
    g, _, _ = example_000()
    assert names(g.inputs) == {"v0", "v1", "v2"}          # V
    assert names(g.hidden) == {"v3"}                      # D
    assert names(g.outputs) == {"v4"}                     # D' (named automatically)
    assert names(g.parameters) == {"θ0", "θ1"}            # Θ
    for v in g.inputs + g.parameters:
        assert g.parents(v) == []
    for v in g.outputs:
        assert g.children(v) == []
    for v in g.hidden:
        assert g.parents(v) and g.children(v)
    assert g.node("v3").op == "add∘mul" and g.node("v4").op == "add∘pow"


def test_000_parents_children_ancestors_descendants():
    g, _, _ = example_000()
    theta = set(g.parameters)
    # 000's P_v lives on V ∪ D ∪ D'; parameters are extra parent nodes here (002)
    assert names(set(g.parents("v3")) - theta) == {"v0", "v1"}
    assert names(g.parents("v3")) == {"v0", "v1", "θ0"}
    assert names(set(g.parents("v4")) - theta) == {"v2", "v3"}
    assert names(g.children("v0")) == names(g.children("v1")) == {"v3"}
    assert names(g.children("v3")) == names(g.children("v2")) == {"v4"}
    assert names(set(g.ancestors("v4")) - theta) == {"v0", "v1", "v2", "v3"}
    assert names(set(g.ancestors("v3")) - theta) == {"v0", "v1"}
    assert names(g.ancestors("v0")) == set()
    assert names(g.descendants("v0")) == {"v3", "v4"}
    assert names(g.descendants("v2")) == {"v4"}
    assert names(g.descendants("v4")) == set()
    assert [p[-1].name for p in g.paths("v0", "v4")] == ["v4"]
    assert [[v.name for v in p] for p in g.paths("v1", "v4")] == [["v1", "v3", "v4"]]
    assert g.paths("v2", "v3") == []
    assert [[v.name for v in p] for p in g.paths("v3", "v3")] == [["v3"]]
    order = [v.name for v in g.topological_order()]
    for e in g.edges:
        assert order.index(e.source.name) < order.index(e.target.name)


@pytest.mark.parametrize("granularity", ["named", "operation"])
def test_000_delta_three_ways_against_the_closed_form(granularity):
    g, v4, _ = example_000(granularity)
    expected = closed_form_000()
    backward = g.backward_propagation(v4)
    for name, value in expected.items():
        u = v4 if name == "v4" else name     # with one node per operation, v4 is not the name
        assert backward[u] == pytest.approx(value, rel=1e-12)
        assert g.forward_propagation(u)[v4] == pytest.approx(value, rel=1e-12)
        assert g.path_sum(u, v4) == pytest.approx(value, rel=1e-12)
    # Δ_uu = 1, and Δ_uv = 0 where there is no path (000's remark)
    assert g.forward_propagation("v3")["v3"] == 1.0
    assert g.path_sum("v2", "v3") == 0.0
    assert g.forward_propagation("v2")["v3"] == 0.0


def test_000_eq_10_parameter_gradient_is_a_delta():
    """∂α_v4/∂θ0 = Σ_u ∂g_u/∂θ0 Δ_u,v4 = (∂g_v3/∂θ0) Δ_v3,v4 — and Δ_θ0,v4 — and .grad."""
    g, v4, (t0, t1) = example_000()
    local = g.edge("θ0", "v3").local_derivative
    assert local == pytest.approx(X1)
    delta = g.backward_propagation("v4")
    assert local * delta["v3"] == pytest.approx(delta["θ0"], rel=1e-14)
    v4.backward()
    assert t0.grad.item() == pytest.approx(delta["θ0"], rel=1e-14)
    assert t1.grad.item() == pytest.approx(delta["θ1"], rel=1e-14)


# ------------------------------------------------------------------------------ 002's fan-out
def test_002_fan_out_both_paths_are_found_and_summed():
    x = scalar(0.8, "x", True)
    y = x ** 2
    y.name = "y"
    u = gg.sin(y)
    u.name = "u"
    v = gg.exp(y)
    v.name = "v"
    L = u * v
    L.name = "L"
    g = gg.graph(L)
    assert [[n.name for n in p] for p in g.paths("y", "L")] in (
        [["y", "u", "L"], ["y", "v", "L"]], [["y", "v", "L"], ["y", "u", "L"]])
    assert len(g.paths("x", "L")) == 2
    yv = 0.8 ** 2
    dL_dy = math.cos(yv) * math.exp(yv) + math.sin(yv) * math.exp(yv)
    by_path = [np.prod([g.edge(a, b).local_derivative for a, b in zip(p, p[1:])])
               for p in g.paths("y", "L")]
    assert sum(by_path) == pytest.approx(dL_dy, rel=1e-12)
    assert g.path_sum("y", "L") == pytest.approx(dL_dy, rel=1e-12)
    assert g.backward_propagation("L")["y"] == pytest.approx(dL_dy, rel=1e-12)
    assert g.forward_propagation("x")["L"] == pytest.approx(dL_dy * 2 * 0.8, rel=1e-12)
    assert g.grads()["y"] == pytest.approx(dL_dy, rel=1e-12)


def test_edges_form_a_set_y_times_y_has_one_edge_with_both_uses():
    y = scalar(1.25, "y", True)
    z = y * y
    g = gg.graph(z)
    assert len(g.edges) == 1
    assert g.edge(y, z).local_derivative == pytest.approx(2.5)
    assert len(g.paths(y, z)) == 1 and g.path_sum(y, z) == pytest.approx(2.5)


# ------------------------------------------------------------------------------ random DAGs
UNARY = {"sin": gg.sin, "tanh": gg.tanh, "sigmoid": gg.sigmoid, "neg": gg.neg,
         "square": lambda a: a * a, "exp_half": lambda a: gg.exp(0.5 * a)}
BINARY = {"add": gg.add, "sub": gg.sub, "mul": gg.mul,
          "div": lambda a, b: a / (1.0 + b * b)}


@st.composite
def dags(draw):
    n_leaves = draw(st.integers(1, 3))
    ops = []
    for i in range(draw(st.integers(1, 8))):
        available = n_leaves + i
        if draw(st.booleans()):
            ops.append((draw(st.sampled_from(sorted(UNARY))),
                        (draw(st.integers(0, available - 1)),)))
        else:
            ops.append((draw(st.sampled_from(sorted(BINARY))),
                        (draw(st.integers(0, available - 1)),
                         draw(st.integers(0, available - 1)))))
    values = draw(st.lists(st.floats(-1.0, 1.0), min_size=n_leaves, max_size=n_leaves))
    return ops, [np.float64(v) for v in values]


def replay(ops):
    def f(*leaves):
        nodes = list(leaves)
        for op, operands in ops:
            fn = UNARY.get(op) or BINARY[op]
            nodes.append(fn(*(nodes[i] for i in operands)))
        return nodes[-1]
    return f


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dags())
def test_random_dags_three_ways_agree_with_backward_and_jvp(dag):
    ops, values = dag
    f = replay(ops)
    g = gg.trace(f, *(scalar(v, f"x{i}") for i, v in enumerate(values)))
    out = g.outputs[0]
    backward = g.backward_propagation(out)
    for u in g.nodes:
        forward = g.forward_propagation(u)
        assert forward[out] == pytest.approx(backward[u], rel=1e-10, abs=1e-12)
        assert g.path_sum(u, out) == pytest.approx(backward[u], rel=1e-10, abs=1e-12)
        for w in g.nodes:
            assert forward[w] == pytest.approx(g.backward_propagation(w)[u], rel=1e-10,
                                               abs=1e-12)
    leaves = [scalar(v, requires_grad=True) for v in values]
    f(*leaves).backward()
    for i, leaf in enumerate(leaves):
        tangents = [np.float64(i == j) for j in range(len(values))]
        _, jvp = gg.jvp(f, values, tangents)
        node = g.node(f"x{i}") if f"x{i}" in g else None
        got = backward[node] if node is not None else 0.0
        expected = 0.0 if leaf.grad is None else leaf.grad.item()
        assert got == pytest.approx(expected, rel=1e-10, abs=1e-12)
        assert got == pytest.approx(jvp.item(), rel=1e-10, abs=1e-12)


# ------------------------------------------------------------------------------ tensors
def small_mlp(rng):
    x = gg.tensor(rng.normal(size=(4, 3)), name="x")
    W1 = gg.tensor(rng.normal(size=(3, 5)), requires_grad=True, name="W1")
    b1 = gg.tensor(rng.normal(size=(5,)), requires_grad=True, name="b1")
    W2 = gg.tensor(rng.normal(size=(5, 2)), requires_grad=True, name="W2")
    h = gg.tanh(x @ W1 + b1)
    h.name = "h"
    loss = gg.mean((h @ W2) ** 2)
    loss.name = "loss"
    return x, W1, b1, W2, h, loss


def test_tensor_deltas_are_jacobians_matching_backward_and_jacfwd(rng):
    x, W1, b1, W2, h, loss = small_mlp(rng)
    loss.backward(retain_graph=True)            # the graph is buildable after this
    g = gg.graph(loss)
    delta = g.backward_propagation(loss)
    np.testing.assert_allclose(delta[W1], W1.grad.array, rtol=1e-12)
    np.testing.assert_allclose(delta["b1"], b1.grad.array, rtol=1e-12)
    np.testing.assert_allclose(g.path_sum(W2, loss), W2.grad.array, rtol=1e-12)
    jac = g.forward_propagation(W1)[h]
    assert jac.shape == (4, 5, 3, 5)

    def h_of(w1):
        return gg.tanh(x @ w1 + b1.detach())
    np.testing.assert_allclose(jac, gg.jacfwd(h_of)(W1.detach()).array, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(g.path_sum(W1, h), jac, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(g.backward_propagation(h)[W1], jac, rtol=1e-12, atol=1e-14)


def test_tensor_local_derivative_against_torch(rng, torch):
    a = gg.tensor(rng.normal(size=(2, 3)), requires_grad=True, name="a")
    b = gg.tensor(rng.normal(size=(3,)), requires_grad=True, name="b")
    y = gg.softmax(a * b, axis=-1)
    g = gg.graph(y, granularity="named")
    expected = torch.autograd.functional.jacobian(
        lambda ta, tb: torch.softmax(ta * tb, dim=-1),
        (torch.tensor(a.array), torch.tensor(b.array)))
    np.testing.assert_allclose(g.edge(a, y).local_derivative, expected[0].numpy(), rtol=1e-10)
    np.testing.assert_allclose(g.edge(b, y).local_derivative, expected[1].numpy(), rtol=1e-10)


def test_values_not_kept_by_the_engine_are_recomputed(rng):
    x = gg.tensor(rng.normal(size=(3,)), requires_grad=True, name="x")
    loss = gg.sum(gg.sin(x + 1.0) * 3.0)     # the intermediates are dropped by the program
    g = gg.graph(loss)
    values = [v.value for v in g.hidden]
    np.testing.assert_allclose(values[0], x.array + 1.0)
    np.testing.assert_allclose(values[1], np.sin(x.array + 1.0))
    np.testing.assert_allclose(values[2], 3 * np.sin(x.array + 1.0))
    assert g.outputs[0].value == pytest.approx(loss.item())


# ------------------------------------------------------------------------------ building
def test_freed_graph_is_refused_with_a_clear_message():
    x = scalar(2.0, "x", True)
    y = gg.exp(x) * x
    y.backward()
    with pytest.raises(FreedGraphError, match="retain_graph=True"):
        gg.graph(y)


def test_unrecorded_outputs_and_changed_leaves_are_refused():
    with pytest.raises(ValueError, match="no operation was recorded"):
        gg.graph(scalar(1.0) * 2.0)
    w = scalar(1.5, "w", True)
    y = gg.exp(w * 2.0)
    with gg.no_grad():
        w.add_(1.0)
    with pytest.raises(InplaceError, match="modified in place"):
        gg.graph(y)


def test_a_graph_built_before_backward_survives_it():
    x = scalar(2.0, "x", True)
    y = gg.exp(x) * x
    g = gg.graph(y)
    y.backward()
    assert g.backward_propagation(y)["x"] == pytest.approx(3 * math.exp(2.0))


def test_names_lookup_and_kinds():
    class Parameter(gg.Tensor):       # as gg.nn defines it; detected by its class name
        pass
    w = Parameter(gg.tensor(0.5, dtype=gg.float64))
    w.requires_grad_(True)
    frozen = Parameter(gg.tensor(3.0, dtype=gg.float64))        # even without requires_grad
    x = scalar(1.0)
    a = scalar(1.0, "a", True)
    dup = scalar(2.0, "a", True)
    y = (w * x + frozen) * 2.0 + a * dup
    g = gg.graph(y)
    assert {v.kind for v in g.nodes if v.record is w or v.record is frozen} == {"parameter"}
    assert g.node(x).kind == "input"
    assert g.node(a).name == "a" and g.node(dup).name == "a_1"
    assert [v.name for v in g.nodes if v.name.startswith("v")] == \
        [f"v{i}" for i in range(len(g.nodes) - 2)]
    assert len(g.nodes) == 5 + 5       # 5 leaves, 5 operations: 2.0 is a constant, not a node
    node = g.node(y)
    assert g.node(node) is node and g.node(node.name) is node and g.node(node.id) is node
    with pytest.raises(NodeLookupError, match="not a node"):
        g.node("nope")
    with pytest.raises(NodeLookupError, match="not a node"):
        g.node(scalar(5.0))
    with pytest.raises(NodeLookupError, match="no edge"):
        g.edge(x, y)
    assert "nope" not in g and x in g


def test_nn_model_parameters_are_parameter_nodes_named_by_the_model():
    nn = gg.nn
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2))
    model[2].bias.requires_grad_(False)          # frozen, but still an nn parameter
    x = gg.randn(3, 4)
    loss = nn.MSELoss()(model(x), gg.zeros(3, 2))
    named = dict(model.named_parameters())
    g = gg.graph(loss, names=named)
    assert names(g.parameters) == set(named) and names(g.inputs) == {"v0", "v1"}  # x, target
    loss.backward(retain_graph=True)
    delta = g.backward_propagation(loss)
    for name, p in named.items():
        if p.requires_grad:
            np.testing.assert_allclose(delta[name], p.grad.array, rtol=1e-5, atol=1e-7)
    assert "linear" in {v.op for v in g.hidden}
    assert "0.weight.grad(8, 4) += v" in str(g.explain()) and "ᵀ @ v0" in str(g.explain())


def test_masks_and_indices_are_constants():
    x = gg.tensor(np.array([-1.0, 2.0, 3.0]), requires_grad=True, name="x")
    mask = gg.tensor(np.array([True, False, True]))
    y = gg.where(mask, x, 0.0)[np.array([0, 2])]
    g = gg.graph(y)
    assert [v.kind for v in g.nodes] == ["input", "hidden", "output"]  # x: created by the user


def test_trace_names_inputs_after_the_arguments():
    w = scalar(0.5, "w", True)
    g = gg.trace(lambda x, n: (w * x) ** n, np.float64(1.5), 2)
    assert names(g.inputs) == {"x"} and names(g.parameters) == {"w"}
    assert g.backward_propagation(g.outputs[0])["x"] == pytest.approx(2 * 0.5 * 0.75)
    two = gg.trace(lambda x: (gg.sin(x), gg.cos(x)), np.float64(0.3))
    assert len(two.outputs) == 2


def test_gg_graph_stays_the_function_after_importing_its_module():
    import graphgrad.graphview.compute_graph as module
    y = scalar(1.0, requires_grad=True) * 2.0
    assert gg.graph is module.graph and gg.graph(y).outputs
    assert gg.ComputeGraph is module.ComputeGraph


def test_long_chain_builds_without_recursion():
    x = scalar(0.1, "x", True)
    y = x
    for _ in range(3000):
        y = y * 1.0001
    g = gg.graph(y)
    assert len(g.nodes) == 3001
    assert g.backward_propagation(y)["x"] == pytest.approx(1.0001 ** 3000)


# ------------------------------------------------------------------------------ limits, cost
def test_size_and_path_limits(monkeypatch):
    x = scalar(0.3, "x", True)
    y = x
    for _ in range(12):                 # 2^12 paths through a chain of diamonds
        y = gg.sin(y) + gg.cos(y)
    g = gg.graph(y)
    assert len(g.paths(x, y)) == 4096
    with pytest.raises(TooLargeError, match="4,096 paths"):
        g.path_sum(x, y, limit=1000)
    assert g.path_sum(x, y) == pytest.approx(g.backward_propagation(y)["x"], rel=1e-10)
    import graphgrad.graphview.vertices as parts
    big = gg.tensor(np.ones(50), requires_grad=True)
    g = gg.graph(gg.exp(big))
    monkeypatch.setattr(parts, "MAX_JACOBIAN_SIZE", 1000)
    with pytest.raises(TooLargeError, match="MAX_JACOBIAN_SIZE"):
        g.forward_propagation(big)


def test_cost_counts_sweeps_and_multiply_adds():
    rng = np.random.default_rng(1)
    n, m = 7, 3
    W = rng.normal(size=(m, n))           # a constant: f maps R^n → R^m
    g = gg.trace(lambda x: gg.tanh(W @ x), rng.normal(size=n))
    cost = g.cost()
    assert (cost.forward_sweeps, cost.backward_sweeps) == (n, m)
    per_sweep = m * n + m                 # the matmul's nonzeros, then tanh's diagonal
    assert (cost.forward_madds, cost.backward_madds) == (n * per_sweep, m * per_sweep)
    assert cost.cheaper == "backward" and "backward propagation is cheaper" in str(cost)
    g000, _, _ = example_000()
    c = g000.cost()
    assert (c.forward_sweeps, c.backward_sweeps, c.forward_madds, c.backward_madds) == \
        (5, 1, 14, 8)


def test_gg_trace_of_a_matrix_is_pytorchs_and_of_a_function_the_graph(torch):
    """One name, two meanings told apart by type: a tensor is never callable."""
    m = np.arange(12.0).reshape(3, 4)
    x = gg.tensor(m, requires_grad=True)
    t = gg.trace(x)
    t.backward()
    assert t.item() == torch.trace(torch.tensor(m)).item() == 0 + 5 + 10
    assert np.array_equal(x.grad.array, np.eye(3, 4))
    assert isinstance(gg.trace(lambda v: gg.sin(v), np.float64(0.3)), gg.ComputeGraph)
