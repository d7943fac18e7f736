"""The graph view: the notes' formal compute graph (000) built from a recorded computation.

A view for understanding and teaching, not a second engine: it reads what the engine recorded
and applies the primitives' own rules.

    compute_graph   ComputeGraph, gg.graph, gg.trace, gg.explain: V, Θ, D, D', P_v, C_v, Δ
    build           from the engine's records to vertices and edges
    vertices        Vertex (α_v, g_v), Edge (∂g_v/∂α_u), LocalFunction
    delta           Δ_uv three ways: forward propagation, backward propagation, path sum
    cost            what the full Jacobian costs by either mode
    explanation     the backward pass as numbered steps (002's listing)
    recall          what gg.graph was told about some outputs, for gg.explain (held weakly)
    notation        how nodes, formulas and numbers are written
    render          drawing: Graphviz DOT, SVG/PNG/PDF, Jupyter
    expression      safely parsed arithmetic typed by a user (the CLI's graphs)
"""
from .compute_graph import ComputeGraph, NodeLookupError, explain, graph, trace
from .render import GraphvizNotFoundError
from .vertices import Edge, TooLargeError, Vertex

__all__ = ["ComputeGraph", "Edge", "GraphvizNotFoundError", "NodeLookupError", "TooLargeError",
           "Vertex", "explain", "graph", "trace"]
