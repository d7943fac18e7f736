"""Δ_uv, the sum over all uv-paths of the product of the local derivatives along them (000,
eq. 11), computed three ways on a ComputeGraph:

    forward propagation   Δ_uw = Σ_{v ∈ P_w} ∂g_w/∂α_v · Δ_uv     (eq. 13, in topological order)
    backward propagation  Δ_uw = Σ_{v ∈ C_u} Δ_vw · ∂g_v/∂α_u     (eq. 15, in reverse order)
    path sum              Δ_uw = Σ_{paths u→w} Π_{edges (u',v')} ∂g_v'/∂α_u'   (eq. 11)

For tensor-valued nodes Δ_uw is a Jacobian of shape w.shape + u.shape, built one basis vector
at a time (a sweep per element of u, or of w) below a size limit; the sweeps apply each edge's
local derivative to a vector with the primitives' own rules (see graphview.vertices).
"""
from collections.abc import Mapping

import numpy as np

from .vertices import TooLargeError, basis, check_size, scalar_or_array

#: Most uv-paths `paths` and `path_sum` will enumerate.
MAX_PATHS = 10_000


class NodeMap(Mapping):
    """A mapping from the nodes of a graph to arrays, indexable by node, tensor, name or id."""

    def __init__(self, graph, values, title):
        self._graph = graph
        self._values = values
        self.title = title

    def __getitem__(self, key):
        return self._values[self._graph.node(key)]

    def __iter__(self):
        return iter(self._values)

    def __len__(self):
        return len(self._values)

    def __repr__(self):
        body = "\n".join(f"  {node.name}: {np.array2string(np.asarray(v), precision=6)}"
                         for node, v in self._values.items())
        return f"{self.title}\n{body}"


# ------------------------------------------------------------------------------ sweeps
def forward_sweep(graph, source, tangent):
    """α̇_w for every w reachable from `source`, given α̇_source: eq. 13 applied to one vector."""
    tangents = {source: tangent}
    edges = graph._edges
    for w in graph.nodes[source.id + 1:]:
        terms = [edges[v, w].jvp(tangents[v]) for v in graph._parents[w] if v in tangents]
        if terms:
            tangents[w] = sum(terms[1:], terms[0])
    return tangents


def backward_sweep(graph, seeds, steps=None):
    """ᾱ_u for every u that reaches a seeded node: eq. 15 applied to one vector, each node's
    ᾱ complete when the reverse order reaches it and then passed to its parents. steps, a
    list, receives (u, w, ᾱ_w, contribution to ᾱ_u) for every edge, in that order."""
    cotangents = dict(seeds)
    edges = graph._edges
    for w in reversed(graph.nodes):
        upstream = cotangents.get(w)
        if upstream is None:
            continue
        for u in graph._parents[w]:
            contribution = np.asarray(edges[u, w].vjp(upstream))
            cotangents[u] = cotangents[u] + contribution if u in cotangents else contribution
            if steps is not None:
                steps.append((u, w, upstream, contribution))
    return cotangents


def forward_propagation(graph, u):
    """{w: Δ_uw} for every node w, one forward sweep per element of u."""
    check_size(u.size * sum(w.size for w in graph.nodes), f"Δ from node {u.name!r}")
    columns = {w: np.zeros((w.size, u.size), _dtype(u, w)) for w in graph.nodes}
    for k, e in enumerate(basis(u.shape, u.dtype)):
        for w, t in forward_sweep(graph, u, e).items():
            columns[w][:, k] = np.ravel(t)
    return {w: scalar_or_array(c.reshape(w.shape + u.shape)) for w, c in columns.items()}


def backward_propagation(graph, w):
    """{u: Δ_uw} for every node u, one backward sweep per element of w."""
    check_size(w.size * sum(u.size for u in graph.nodes), f"Δ to node {w.name!r}")
    rows = {u: np.zeros((w.size, u.size), _dtype(u, w)) for u in graph.nodes}
    for k, e in enumerate(basis(w.shape, w.dtype)):
        for u, g in backward_sweep(graph, {w: e}).items():
            rows[u][k, :] = np.ravel(g)
    return {u: scalar_or_array(r.reshape(w.shape + u.shape)) for u, r in rows.items()}


def _dtype(u, w):
    return np.result_type(u.dtype, w.dtype)


# ------------------------------------------------------------------------------ paths
def reaching(graph, w):
    """w and every node with a path to it."""
    return set(graph.ancestors(w)) | {w}


def count_paths(graph, u, w, reach=None):
    """|𝒫(u, w)| by dynamic programming over the nodes that reach w (no enumeration)."""
    reach = reaching(graph, w) if reach is None else reach
    count = {w: 1}
    for v in reversed(graph.nodes):
        if v is not w and v in reach:
            count[v] = sum(count.get(c, 0) for c in graph.children(v))
    return count.get(u, 0)


def paths(graph, u, w, limit=None):
    """All uv-paths as lists of nodes [u, ..., w]; ([u] for u = w), refusing above `limit`."""
    limit = MAX_PATHS if limit is None else limit
    reach = reaching(graph, w)
    n = count_paths(graph, u, w, reach)
    if n > limit:
        raise TooLargeError(f"paths: there are {n:,} paths from {u.name!r} to {w.name!r}, above "
                            f"the limit of {limit:,} (pass limit=, or use forward_propagation / "
                            "backward_propagation, which never enumerate paths)")
    found = []
    stack = [[u]] if u in reach else []
    while stack:
        path = stack.pop()
        last = path[-1]
        if last is w:
            found.append(path)
            continue
        stack.extend(path + [c] for c in reversed(graph.children(last)) if c in reach)
    return found


def path_sum(graph, u, w, limit=None):
    """Δ_uw by eq. 11: the sum over uw-paths of the product of the edges' local Jacobians."""
    check_size(u.size * w.size, f"Δ from {u.name!r} to {w.name!r}")
    total = np.zeros((w.size, u.size), _dtype(u, w))
    for path in paths(graph, u, w, limit):
        product = np.eye(u.size, dtype=total.dtype)
        for a, b in zip(path, path[1:]):
            local = graph.edge(a, b).local_derivative
            product = np.reshape(local, (b.size, a.size)) @ product
        total += product
    return scalar_or_array(total.reshape(w.shape + u.shape))
