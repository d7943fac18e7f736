"""What the full Jacobian costs by forward versus backward propagation (000's two algorithms).

The Jacobian of the outputs w.r.t. the n input and parameter elements takes n forward sweeps
(one tangent per input element, eq. 13) or m backward sweeps (one cotangent per output
element, eq. 15). A sweep applies the local derivative of each edge it reaches to one vector;
applying ∂g_v/∂α_u costs as many multiply-adds as it has nonzeros:

    elementwise, reductions, reshapes, indexing:   max(|u|, |v|)
    matmul  Y = A B, linear Y = X Wᵀ + b (K summed): |Y| · K (|Y| for the bias)
    softmax, log_softmax along an axis of L:      |v| · L

A forward sweep from u touches the edges leaving {u} ∪ D_u, a backward sweep to w the edges
entering {w} ∪ A_w; so forward propagation costs Σ_u |u| · (edges from u's descendants) and
backward propagation Σ_w |w| · (edges into w's ancestors). Edges are counted on the recorded
operations, also where granularity='named' merges several into one node.
"""
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Cost:
    """Work to get the full Jacobian of the outputs w.r.t. the inputs and parameters: one
    forward sweep per input element, or one backward sweep per output element. Multiply-adds
    count the nonzeros of the local Jacobians each sweep applies, summed over the sweeps."""

    forward_sweeps: int
    backward_sweeps: int
    forward_madds: int
    backward_madds: int

    @property
    def cheaper(self):
        if self.forward_madds == self.backward_madds:
            return "either"
        return "forward" if self.forward_madds < self.backward_madds else "backward"

    def __str__(self):
        f, b = self.forward_madds, self.backward_madds
        verdict = "both cost the same" if f == b else (
            f"{self.cheaper} propagation is cheaper ({max(f, b) / max(min(f, b), 1):.1f}x fewer "
            "multiply-adds)")
        return (f"full Jacobian, outputs w.r.t. inputs and parameters:\n"
                f"  forward propagation:  {_sweeps(self.forward_sweeps)} (one per input element), "
                f"{f:>12,} multiply-adds\n"
                f"  backward propagation: {_sweeps(self.backward_sweeps)} (one per output "
                f"element), {b:>12,} multiply-adds\n  {verdict}")


def _sweeps(n):
    return f"{n:>6} sweep" + ("" if n == 1 else "s")


def operation_cost(step, i):
    """Nonzeros of ∂out/∂operand_i for one recorded operation (an OpStep): the primitive's
    own count where it declares one, else max(|u|, |v|)."""
    if step.prim.cost is not None:
        return step.prim.cost(step.out, step.values, step.params, i)
    return max(step.out.size, np.size(step.values[i]))


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
    """The Cost of the full Jacobian of a graph's outputs, counted on the recorded operations
    (also those merged into named nodes)."""
    # (operation, [(operand vertex, cost of its edge)]), each counted once
    edges = [(s.key, [(k, operation_cost(s, i)) for k, i in _distinct(s)])
             for s in _operations(graph)]
    leaves, outputs = graph.inputs + graph.parameters, graph.outputs
    forward = 0
    for u in leaves:
        reached = {u.key}
        for key, operands in edges:
            for k, cost in operands:
                if k in reached:
                    forward += u.size * cost
                    reached.add(key)
    backward = 0
    for w in outputs:
        needed = {w.key}
        for key, operands in reversed(edges):
            if key in needed:
                backward += w.size * sum(cost for _, cost in operands)
                needed.update(k for k, _ in operands)
    return Cost(sum(u.size for u in leaves), sum(w.size for w in outputs), forward, backward)
