"""What the full Jacobian costs by forward versus backward propagation (000's two algorithms).

The Jacobian of the outputs w.r.t. the n input and parameter elements takes n forward sweeps
(one tangent per input element, eq. 13) or m backward sweeps (one cotangent per output
element, eq. 15). A sweep applies the local derivative of each edge it reaches to one vector;
applying ∂g_v/∂α_u costs as many multiply-adds as it has nonzeros:

    elementwise, reductions, reshapes, indexing:   max(|u|, |v|)
    matmul  Y = A B (contracting K):              |Y| · K
    softmax, log_softmax along an axis of L:      |v| · L

A forward sweep from u touches the edges leaving {u} ∪ D_u, a backward sweep to w the edges
entering {w} ∪ A_w; so forward propagation costs Σ_u |u| · (edges from u's descendants) and
backward propagation Σ_w |w| · (edges into w's ancestors). Edges are counted on the recorded
operations, also where granularity='named' merges several into one node.
"""
import numpy as np


def operation_cost(step, i):
    """Nonzeros of ∂out/∂operand_i for one recorded operation (an OpStep)."""
    out, name = step.out, step.prim.name
    if name == "matmul":
        first = step.values[0]
        return out.size * (np.shape(first)[-1] if np.ndim(first) else 1)
    if name in ("softmax", "log_softmax"):
        return out.size * (out.shape[step.params["axis"]] if out.ndim else 1)
    return max(out.size, np.size(step.values[i]))


def _operations(graph):
    """Every recorded operation behind the graph's nodes once, in creation order (also those
    merged into several named nodes' local functions)."""
    steps = {}
    for v in graph.nodes:
        for s in (v.local.steps if v.local is not None else ()):
            steps[s.key] = s
    return sorted(steps.values(), key=lambda s: s.tick)


def _distinct(step):
    """Operand positions reading distinct vertices (an edge per vertex: y*y is one edge)."""
    first = {}
    for i, k in enumerate(step.keys):
        if k is not None:
            first.setdefault(k, i)
    return list(first.items())


def sweep_costs(graph):
    """(forward sweeps, backward sweeps, forward multiply-adds, backward multiply-adds),
    counted on the recorded operations (merged local functions included)."""
    ops = _operations(graph)
    leaves = graph.inputs + graph.parameters
    forward = 0
    for u in leaves:
        reached = {u.key}
        for s in ops:
            for k, i in _distinct(s):
                if k in reached:
                    forward += u.size * operation_cost(s, i)
                    reached.add(s.key)
    backward = 0
    for w in graph.outputs:
        needed = {w.key}
        for s in reversed(ops):
            if s.key in needed:
                distinct = _distinct(s)
                backward += w.size * sum(operation_cost(s, i) for _, i in distinct)
                needed.update(k for k, _ in distinct)
    return (sum(u.size for u in leaves), sum(w.size for w in graph.outputs), forward, backward)
