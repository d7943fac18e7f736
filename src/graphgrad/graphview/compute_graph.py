"""The notes' compute graph (000) built from a recorded computation: a view for understanding
and teaching, not a second engine.

    V  input nodes      the leaves a computation is a function of, x (no parents)
    Θ  parameter nodes  a module's parameters θ (gg.nn.Parameter; no parents)
    D  hidden nodes     recorded operations with parents and children
    D' output nodes     recorded operations without children

A leaf is an input unless it is a gg.nn.Parameter: a tensor the user created, with or without
requires_grad=True, is the function's argument; `parameters=` and `inputs=` say otherwise.

000 keeps the parameters θ out of the digraph (g_vθ depends on them); here, as in 002's
computation graphs, each parameter is a node with edges to the operations that use it, so
∂α_v/∂θ_j of eq. (10) is simply Δ_{θ_j v}. 000's parent set of v is `parents(v)` without the
parameters. Operands that are not floating-point tensors (Python numbers, ndarrays, integer or
boolean tensors such as indices and masks) are constants folded into the local function that
uses them: they are not nodes.

Edges form a set: `y * y` has one edge from y, whose local derivative sums both uses (2y).
Names are those given with `names=`, else the tensors' own `.name`, else v0, v1, ... in
topological order (skipping names taken). Values the engine did not keep are recomputed with
the same primitives (see graphview.build); Jacobians are materialised only for modest sizes.
"""
import inspect

import numpy as np

from ..grad_mode import enable_grad
from ..node import key_of
from ..ops.diagonal import trace as matrix_trace
from ..tensor import Tensor, as_array, is_float, make
from . import delta, render
from .build import build, collect, is_leaf
from .cost import sweep_costs
from .delta import NodeMap
from .explanation import Explanation
from .recall import recall, remember
from .vertices import Edge, Vertex, scalar_or_array

KINDS = ("input", "parameter", "hidden", "output")


class NodeLookupError(KeyError):
    """A key (tensor, node, name or id) that names no node of the graph."""

    def __str__(self):
        return str(self.args[0])


class ComputeGraph:
    """The compute graph of a recorded computation; see the module docstring and gg.graph."""

    def __init__(self, nodes, parents):
        self.nodes = tuple(nodes)
        self._parents = parents
        self._children = {v: [] for v in nodes}
        self._edges = {}
        for v in nodes:
            for u in parents[v]:
                self._children[u].append(v)
                self._edges[u, v] = Edge(u, v)
        self._by_key = {v.key: v for v in nodes}
        self._by_name = {v.name: v for v in nodes}

    # ------------------------------------------------------------------ nodes and edges
    @property
    def edges(self):
        return list(self._edges.values())

    def _of_kind(self, kind):
        return [v for v in self.nodes if v.kind == kind]

    @property
    def inputs(self):
        """V: the input nodes."""
        return self._of_kind("input")

    @property
    def parameters(self):
        """Θ: the parameter nodes."""
        return self._of_kind("parameter")

    @property
    def hidden(self):
        """D: the hidden nodes."""
        return self._of_kind("hidden")

    @property
    def outputs(self):
        """D': the output nodes."""
        return self._of_kind("output")

    def node(self, key):
        """The node for a Vertex, a Tensor, a name or an id."""
        if isinstance(key, Vertex):
            found = key if self._by_key.get(key.key) is key else None
        elif isinstance(key, Tensor):
            found = self._by_key.get(id(key_of(key)))
        elif isinstance(key, str):
            found = self._by_name.get(key)
        elif isinstance(key, (int, np.integer)) and not isinstance(key, bool):
            found = self.nodes[key] if 0 <= key < len(self.nodes) else None
        else:
            raise TypeError(f"graph: a node is named by a Vertex, Tensor, name or id, not "
                            f"{type(key).__name__}")
        if found is None:
            raise NodeLookupError(
                f"graph: {_describe(key)} is not a node of this graph (nodes: "
                f"{', '.join(v.name for v in self.nodes[:12])}{', ...' if len(self) > 12 else ''}"
                "). Constants are not nodes, and granularity='named' merges unnamed operations")
        return found

    def edge(self, u, v):
        """The edge (u, v)."""
        u, v = self.node(u), self.node(v)
        try:
            return self._edges[u, v]
        except KeyError:
            raise NodeLookupError(f"graph: there is no edge {u.name} -> {v.name}") from None

    def __len__(self):
        return len(self.nodes)

    def __iter__(self):
        return iter(self.nodes)

    def __contains__(self, key):
        try:
            self.node(key)
        except (NodeLookupError, TypeError):
            return False
        return True

    # ------------------------------------------------------------------ the notes' queries
    def parents(self, v):
        """P_v = {u | (u, v) ∈ E}, in topological order."""
        return list(self._parents[self.node(v)])

    def children(self, v):
        """C_v = {w | (v, w) ∈ E}, in topological order."""
        return list(self._children[self.node(v)])

    def ancestors(self, v):
        """A_v: the nodes with a path to v, v excluded."""
        return self._closure(self.node(v), self._parents)

    def descendants(self, v):
        """D_v: the nodes v has a path to, v excluded."""
        return self._closure(self.node(v), self._children)

    def _closure(self, v, step):
        seen, stack = set(), list(step[v])
        while stack:
            u = stack.pop()
            if u not in seen:
                seen.add(u)
                stack.extend(step[u])
        return [u for u in self.nodes if u in seen]

    def paths(self, u, w, limit=None):
        """𝒫(u, w): every uw-path as a list of nodes [u, ..., w] ([u] when u = w)."""
        return delta.paths(self, self.node(u), self.node(w), limit)

    def topological_order(self):
        """The nodes, parents always before children (the order <_P of eq. 14)."""
        return list(self.nodes)

    # ------------------------------------------------------------------ Δ three ways
    def forward_propagation(self, u):
        """{w: Δ_uw} for every node w by 000's forward algorithm (eq. 13, topological order);
        Δ_uw has shape w.shape + u.shape."""
        u = self.node(u)
        return NodeMap(self, delta.forward_propagation(self, u), f"Δ_{u.name},w")

    def backward_propagation(self, w):
        """{u: Δ_uw} for every node u by 000's backward algorithm (eq. 15, reverse order)."""
        w = self.node(w)
        return NodeMap(self, delta.backward_propagation(self, w), f"Δ_u,{w.name}")

    def path_sum(self, u, w, limit=None):
        """Δ_uw by eq. 11, enumerating the uw-paths (refused above `limit` paths)."""
        return delta.path_sum(self, self.node(u), self.node(w), limit)

    def seeds(self, grad_outputs=None):
        """{output: ∂L/∂output}: the given grad_outputs (one per output), or 1 for each
        one-element output, as a backward pass starts (002: L.grad = 1)."""
        outputs = self.outputs
        given = list(grad_outputs) if isinstance(grad_outputs, (list, tuple)) else \
            [grad_outputs] * len(outputs)
        if len(given) != len(outputs):
            raise ValueError(f"graph: {len(given)} grad_outputs for {len(outputs)} outputs")
        seeds = {}
        for w, g in zip(outputs, given):
            if g is None and w.size != 1:
                raise ValueError(f"graph: output {w.name!r} has shape {w.shape}; pass "
                                 "grad_outputs= (∂L/∂output) for non-scalar outputs")
            g = np.ones(w.shape, w.dtype) if g is None else np.asarray(as_array(g), w.dtype)
            if g.shape != w.shape:
                raise ValueError(f"graph: grad_output of shape {g.shape} for output "
                                 f"{w.name!r} of shape {w.shape}")
            seeds[w] = g
        return seeds

    def grads(self, grad_outputs=None):
        """Each node's .grad of 002's listing: ∂L/∂α_v for L = Σ_outputs ⟨grad_output, α⟩,
        by one backward sweep (grad_outputs default to 1 for one-element outputs)."""
        found = delta.backward_sweep(self, self.seeds(grad_outputs))
        values = {v: scalar_or_array(found[v] if v in found else np.zeros(v.shape, v.dtype))
                  for v in self.nodes}
        return NodeMap(self, values, "∂L/∂α_v")

    def cost(self):
        """Sweeps and multiply-adds for the full Jacobian by forward vs backward propagation
        (a graphview.cost.Cost; str() says which is cheaper)."""
        return sweep_costs(self)

    # ------------------------------------------------------------------ drawing
    def to_dot(self, show=("value", "grad", "local"), **options):
        """Graphviz DOT text (no dependency); see graphgrad.graphview.render.to_dot."""
        return render.to_dot(self, show, **options)

    def render(self, path, show=("value", "grad", "local"), **options):
        """Draw to path ('graph.svg', '.png', '.pdf'; '.dot' needs no Graphviz)."""
        return render.render(self, path, show, **options)

    def explain(self, grad_outputs=None, precision=3):
        """The backward pass as numbered steps in 002's style (see gg.explain)."""
        return Explanation(self, grad_outputs, precision)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return render.mimebundle(self)

    def _repr_svg_(self):
        return render.svg_or_none(self)

    def __repr__(self):
        counts = ", ".join(f"{len(self._of_kind(k))} {k}" for k in KINDS)
        return f"<ComputeGraph: {len(self.nodes)} nodes ({counts}), {len(self._edges)} edges>"


def _describe(key):
    if isinstance(key, Tensor):
        return f"the tensor of shape {key.shape}" + (f" named {key.name!r}" if key.name else "")
    if isinstance(key, Vertex):
        return f"node {key.name!r} (of another graph)"
    return repr(key)


# ---------------------------------------------------------------------------- building
def graph(*outputs, inputs=(), parameters=(), granularity="operation", names=None):
    """The ComputeGraph of the recorded computation that produced `outputs` (tensors).

    Leaves are classed by one rule: a module's parameter (gg.nn.Parameter, frozen or not) is a
    parameter node θ; any other leaf — data, and a tensor created with requires_grad=True to
    differentiate with respect to — is an input node x (000's V).
    inputs, parameters: leaf tensors to class otherwise (e.g. parameters=(w, b) for weights
    created by hand; gg.trace passes the function's arguments as inputs).
    granularity: 'operation' (one node per recorded operation) or 'named' (only leaves,
    outputs and tensors given a name are nodes; the unnamed operations between them form the
    named node's local function g_v, as 000's g_v3 = x_v0 + θ0·x_v1).
    names: {name: tensor} naming nodes over the tensors' own names, e.g.
    dict(model.named_parameters()); the other nodes are v0, v1, ... gg.explain(outputs) then
    reads the same (it uses the options of the last graph built for these outputs).
    Build it before backward, or after backward(retain_graph=True).
    """
    outputs = _flatten(outputs)
    for o in outputs:
        if not isinstance(o, Tensor):
            raise TypeError(f"graph: outputs must be tensors, got {type(o).__name__}")
    if not outputs:
        raise ValueError("graph: give at least one output tensor")
    if all(o._node is None for o in outputs):
        raise ValueError("graph: no operation was recorded for these outputs: nothing they were "
                         "computed from requires grad (or they were computed under no_grad). "
                         "Create leaves with requires_grad=True, or use gg.trace(f, *inputs)")
    inputs, parameters = _flatten(inputs), _flatten(parameters)
    built = ComputeGraph(*build(outputs, inputs, granularity, names, parameters))
    remember(outputs, dict(inputs=inputs, parameters=parameters, granularity=granularity,
                            names=names))
    return built


def _flatten(items):
    flat = []
    for item in items if isinstance(items, (list, tuple)) else [items]:
        flat.extend(_flatten(item) if isinstance(item, (list, tuple)) else [item])
    return flat


def trace(f, *example_inputs, granularity="operation", names=None, parameters=()):
    """Run f on copies of the example inputs and return its ComputeGraph. Floating-point
    inputs become input nodes named after f's parameters (or their own .name); other inputs
    are passed through as constants. f may return a tensor or a tuple of tensors. Tensors f
    reads besides its arguments are parameter nodes θ where they require grad (f's weights),
    input nodes otherwise. granularity, names, parameters: as for gg.graph.

    Given a matrix instead of a function, this is PyTorch's torch.trace (Σ_i x_ii), so that
    ported code keeps its meaning."""
    if not callable(f):
        return matrix_trace(f, *example_inputs)
    arg_names = _argument_names(f, len(example_inputs))
    args, declared = [], []
    for x, name in zip(example_inputs, arg_names):
        data = as_array(x)
        if not is_float(data.dtype):
            args.append(x)
            continue
        t = make(np.array(data), requires_grad=True)
        t.name = x.name if isinstance(x, Tensor) and x.name else name
        args.append(t)
        declared.append(t)
    with enable_grad():
        out = f(*args)
    outputs = _flatten(out)
    if all(isinstance(o, Tensor) and o._node is None for o in outputs):
        raise ValueError("trace: f computed its outputs with no operation on its inputs (it "
                         "returned an input or a constant), so there is no graph")
    recorded = [o._node for o in outputs if isinstance(o, Tensor) and o._node is not None]
    parameters = _flatten(parameters)
    weights = [v for v in collect(recorded) if is_leaf(v) and v.requires_grad
               and all(v is not t for t in declared + parameters)]
    return graph(outputs, inputs=declared, parameters=parameters + weights,
                 granularity=granularity, names=names)


def _argument_names(f, n):
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        params = []
    names = [p.name for p in params
             if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)][:n]
    return names + [None] * (n - len(names))


def explain(output, grad_outputs=None, precision=3, granularity=None, names=None, inputs=None,
            parameters=None):
    """The backward pass of a computation as numbered steps in the notes' style (002):

        u.grad += L.grad * dL/du = 1.000 * 0.250 = 0.250

    for a scalar graph, and each operation's backward with shapes for a tensor graph.
    `output` is a tensor (or several) or a ComputeGraph; str() of the result is the listing.
    granularity, names, inputs, parameters: as for gg.graph; those not given are the ones of
    the last gg.graph built for the same outputs, so that `gg.explain(loss)` after
    `g = gg.graph(loss, names=...)` names and numbers the nodes as g does (g.explain() is the
    same listing).
    """
    if not isinstance(output, ComputeGraph):
        outputs = _flatten(output)
        given = dict(granularity=granularity, names=names, inputs=inputs, parameters=parameters)
        if all(isinstance(o, Tensor) for o in outputs) and any(o._node is not None
                                                               for o in outputs):
            options = {**recall(outputs), **{k: v for k, v in given.items() if v is not None}}
        else:
            options = {k: v for k, v in given.items() if v is not None}
        options.setdefault("granularity", "operation")
        output = graph(outputs, **options)
    return Explanation(output, grad_outputs, precision)
