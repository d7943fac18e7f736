"""gg.explain's result: the forward values and the backward pass as numbered steps, written
like 002's node listing

    x.grad = y.grad = u.grad = v.grad = 0
    L.grad = 1
    u.grad += L.grad * (dL/du)(u.value, v.value)
    ...

with the numbers filled in. Each step is one edge (u, v) visited in reverse topological order:
u.grad += v.grad · ∂g_v/∂α_u, by the same VJP rules that `.backward()` runs; gradients arriving
from several children are summed (fan-out), and the listing says so.
"""
from dataclasses import dataclass

import numpy as np

from .delta import NodeMap, backward_sweep
from .notation import formula, number, shape_text, summary


@dataclass
class Step:
    """One edge of the backward pass: source.grad += contribution = target.grad · local."""

    number: int
    source: object
    target: object
    upstream: np.ndarray
    contribution: np.ndarray
    local: object = None          # ∂target/∂source, for scalar graphs


class Explanation:
    """The backward pass of a ComputeGraph as numbered steps; str() is the listing."""

    def __init__(self, graph, grad_outputs=None, precision=3):
        self.graph = graph
        self.precision = precision
        self.scalar = all(v.size == 1 for v in graph.nodes)
        self.seeds = graph.seeds(grad_outputs)
        self.grads, self.steps = self._backward()
        self._names = {v.key: v.name for v in graph.nodes}

    def _backward(self):
        g = self.graph
        edges = []
        found = backward_sweep(g, self.seeds, edges)
        grads = {v: found[v] if v in found else np.zeros(v.shape, v.dtype) for v in g.nodes}
        steps = [Step(k, u, w, upstream, contribution,
                      g.edge(u, w).local_derivative if self.scalar else None)
                 for k, (u, w, upstream, contribution) in enumerate(edges, 1)]
        return NodeMap(g, grads, "∂L/∂α_v"), steps

    # ------------------------------------------------------------------ the listing
    def lines(self):
        return self._forward_lines() + self._backward_lines() + self._result_lines()

    def __str__(self):
        return "\n".join(self.lines())

    __repr__ = __str__

    def _value(self, x):
        return summary(x, self.precision)

    def _forward_lines(self):
        lines = ["Forward pass: values, parents before children"]
        for v in self.graph.nodes:
            shape = "" if self.scalar else f" {shape_text(v.shape)}"
            if v.local is None:
                lines.append(f"  {v.name}{shape} = {self._value(v.value)}   ({v.kind})")
            else:
                lines.append(f"  {v.name}{shape} = {formula(v, self._names)} = "
                             f"{self._value(v.value)}")
        return lines

    def _backward_lines(self):
        g = self.graph
        lines = ["Backward pass: .grad = ∂L/∂node, children before parents"]
        rest = [v.name for v in g.nodes if v not in self.seeds]
        if rest:
            zero = " = ".join(f"{n}.grad" for n in rest) if len(rest) <= 12 else \
                "every other .grad"
            lines.append(f"  {zero} = 0")
        for w, seed in self.seeds.items():
            lines.append(f"  {w.name}.grad = {self._value(seed)}")
        pending = {v: len(g.children(v)) for v in g.nodes}
        received = {v: [] for v in g.nodes}
        for step in self.steps:
            lines.append(f"  {step.number:>2}. " + self._step_text(step))
            u = step.source
            pending[u] -= 1
            received[u].append(step.contribution)
            if pending[u] == 0 and len(received[u]) > 1:
                parts = " + ".join(self._value(c) for c in received[u])
                lines.append(f"      {u.name}.grad = {parts} = {self._value(self.grads[u])}"
                             f"   (fan-out: summed over {len(received[u])} children)")
        return lines

    def _step_text(self, step):
        u, w = step.source.name, step.target.name
        if self.scalar:
            return (f"{u}.grad += {w}.grad * d{w}/d{u} = {number(step.upstream, self.precision)}"
                    f" * {number(step.local, self.precision)} = "
                    f"{number(step.contribution, self.precision)}")
        return (f"{u}.grad{shape_text(step.source.shape)} += {self._rule_text(step)}"
                f"   → {self._value(step.contribution)}")

    def _rule_text(self, step):
        """The VJP of the edge in words, e.g. 'h.grad @ W2ᵀ' or 'y.grad ⊙ dy/dx'."""
        u, w = step.source, step.target
        g = f"{w.name}.grad{shape_text(w.shape)}"
        steps = w.local.steps
        if len(steps) > 1:
            return f"the backward of g_{w.name} = {w.op}"
        step = steps[0]
        if step.prim.elementwise:
            text = f"{g} ⊙ d{w.name}/d{u.name}"
            return text if u.shape == w.shape else text + f" summed to {shape_text(u.shape)}"
        template = step.prim.vjp_text
        if isinstance(template, tuple):
            template = template[step.keys.index(u.key)]
        if template is None:
            return f"the backward of {step.prim.name}"
        operands = [self._names.get(k, "const") for k in step.keys]
        text = template.format(*operands, g=g, shape=shape_text(u.shape),
                               dtype=np.dtype(u.dtype).name)
        scale = step.params.get("scale")
        return text if scale is None else f"{text} · {scale:g}"

    def _result_lines(self):
        lines = ["Gradients of the inputs and parameters"]
        for v in self.graph.inputs + self.graph.parameters:
            outputs = "+".join(w.name for w in self.seeds)
            lines.append(f"  d{outputs}/d{v.name} = {self._value(self.grads[v])}")
        return lines
