"""From a recorded computation to the nodes and edges of a ComputeGraph: the one module of the
graph view that reads the engine's records (a tensor's ``_node``, see graphgrad.node).

The vertices are the recorded operations (engine nodes) and the leaf tensors they read.
Activations α_v come from what the engine kept (leaves, saved operands, saved outputs); the
rest — intermediate values no backward rule needed and the program dropped — are recomputed
with the same primitive's forward from the operands' activations, in topological order.
"""
import numpy as np

from ..errors import FreedGraphError, InplaceError
from ..node import Node as Recorded
from ..node import key_of
from ..tensor import Tensor, is_float
from .vertices import LocalFunction, OpStep, Vertex

GRANULARITIES = ("operation", "named")


def operand_vertex(a):
    """The vertex behind an operation's operand; None for constants (numbers, ndarrays,
    integer or boolean tensors such as indices and masks)."""
    if a.__class__ is Recorded:
        return a
    if isinstance(a, Tensor) and is_float(a.array.dtype):
        return key_of(a)
    return None


def is_leaf(vertex):
    return vertex.__class__ is not Recorded


def _checked(node):
    """A recorded node whose buffers are still there, and whose saved inputs are unchanged."""
    if node.freed:
        raise FreedGraphError(
            f"graph: the operation '{node.prim.name}' (output shape {node.shape}) had its saved "
            "buffers freed by a backward() without retain_graph=True, so its values and local "
            "derivatives are gone; build the graph before backward, or call "
            "backward(retain_graph=True)")
    if node.changed_since_recorded() is not None:
        raise InplaceError(
            f"graph: a value saved by '{node.prim.name}' (output shape {node.shape}) was "
            "modified in place after the operation used it; the recorded values no longer "
            "describe the computation. Build the graph before changing it")
    return node


def collect(output_vertices):
    """Every vertex the outputs were computed from, in topological order: leaves first (by
    first use, outputs that are leaves last), then operations by creation tick."""
    seen, ops, stack = set(), [], list(output_vertices)
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        if not is_leaf(v):
            ops.append(_checked(v))
            stack.extend(p for p in map(operand_vertex, v.args) if p is not None)
    ops.sort(key=lambda n: n.tick)
    leaves = {}
    for node in ops:
        for p in map(operand_vertex, node.args):
            if p is not None and is_leaf(p):
                leaves.setdefault(id(p), p)
    for v in output_vertices:
        if is_leaf(v):
            leaves.setdefault(id(v), v)
    return list(leaves.values()) + ops


def operation_steps(vertices):
    """{id(node): OpStep} with every operand's activation, and {id(vertex): α_vertex}."""
    values = {id(v): v.array for v in vertices if is_leaf(v)}
    steps = {}
    for node in vertices:
        if is_leaf(node):
            continue
        keys, operands = [], []
        for a in node.args:
            p = operand_vertex(a)
            keys.append(None if p is None else id(p))
            if p is not None:
                operands.append(values[id(p)])
            else:
                operands.append(a.array if isinstance(a, Tensor) else a)
        out = None if node.prim.saves_residual else node.out
        if out is None:
            with np.errstate(all="ignore"):
                out = np.asarray(node.prim.forward(*operands, **node.params))
        values[id(node)] = out
        steps[id(node)] = OpStep(id(node), node.prim, tuple(keys), tuple(operands), out,
                                 node.params, node.tick)
    return steps, values


def build(outputs, declared_inputs, granularity, given_names=None, declared_parameters=()):
    """(nodes in topological order, {node: parents}) for a ComputeGraph of `outputs`;
    given_names ({name: tensor}) name nodes over the tensors' own names; declared_inputs and
    declared_parameters (leaf tensors) override the kind a leaf would get (see `leaf_kind`)."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"graph: granularity must be one of {GRANULARITIES}, not "
                         f"{granularity!r}")
    out_vertices = [key_of(o) for o in outputs]
    out_ids = {id(v) for v in out_vertices}
    vertices = collect(out_vertices)
    steps, values = operation_steps(vertices)

    names = {id(v): v.name if is_leaf(v) else v.tensor_name for v in vertices}
    names.update((id(key_of(t)), name) for name, t in (given_names or {}).items()
                 if isinstance(t, Tensor))

    def kept(v):
        return is_leaf(v) or id(v) in out_ids or granularity == "operation" or \
            names[id(v)] is not None

    kept_vertices = [v for v in vertices if kept(v)]
    regions = {id(v): _region(v, kept) for v in kept_vertices if not is_leaf(v)}
    parents_of = {key: _region_parents(region, kept) for key, region in regions.items()}
    has_child = {id(p) for ps in parents_of.values() for p in ps}
    declared = _declared_kinds(declared_inputs, declared_parameters)
    kinds = {id(v): _kind(v, id(v) in has_child, declared) for v in kept_vertices}
    # inputs before parameters (000 lists V, then Θ); leaves before operations
    kept_vertices.sort(key=lambda v: 2 if not is_leaf(v) else int(kinds[id(v)] == "parameter"))
    nodes, by_key = [], {}
    for i, v in enumerate(kept_vertices):
        local = None if is_leaf(v) else \
            LocalFunction([steps[id(r)] for r in regions[id(v)]])
        node = Vertex(i, names[id(v)], kinds[id(v)], values[id(v)], local, v)
        nodes.append(node)
        by_key[id(v)] = node
    _name(nodes)
    parents = {v: sorted((by_key[id(p)] for p in parents_of.get(v.key, ())), key=lambda u: u.id)
               for v in nodes}
    return nodes, parents


def _region(v, kept):
    """The recorded operations that make up g_v: v itself, plus the operations between v and
    the kept vertices (granularity='named'), in creation order."""
    region, stack, seen = [], [v], set()
    while stack:
        r = stack.pop()
        if id(r) in seen:
            continue
        seen.add(id(r))
        region.append(r)
        stack.extend(p for p in map(operand_vertex, r.args)
                     if p is not None and not is_leaf(p) and not kept(p))
    return sorted(region, key=lambda r: r.tick)


def _region_parents(region, kept):
    """The kept vertices that the operations of a region read, once each."""
    inside = {id(r) for r in region}
    found = {}
    for r in region:
        for p in map(operand_vertex, r.args):
            if p is not None and id(p) not in inside and kept(p):
                found.setdefault(id(p), p)
    return list(found.values())


def _declared_kinds(inputs, parameters):
    """{id(leaf): 'input' or 'parameter'} for the leaves the caller classified."""
    declared = {}
    for kind, tensors in (("input", inputs), ("parameter", parameters)):
        for t in tensors:
            if not isinstance(t, Tensor):
                raise TypeError(f"graph: {kind}s= takes tensors, got {type(t).__name__}")
            if t._node is not None:
                raise ValueError(f"graph: {kind}s= takes leaf tensors (created, not computed); "
                                 f"this one of shape {t.shape} is the result of "
                                 f"'{t._node.prim.name}'")
            if declared.get(id(t), kind) != kind:
                raise ValueError(f"graph: the tensor of shape {t.shape} is given both as an "
                                 "input and as a parameter")
            declared[id(t)] = kind
    return declared


def _kind(v, has_child, declared):
    if not is_leaf(v):
        return "hidden" if has_child else "output"
    return declared.get(id(v)) or leaf_kind(v)


def leaf_kind(t):
    """The kind of a leaf tensor nobody classified: a module's parameter (gg.nn.Parameter,
    frozen or not) is a parameter θ; every other leaf is an input x, whether or not it
    requires grad (a tensor created with requires_grad=True to differentiate with respect to
    is the function's argument, 000's V). gg.graph's inputs= and parameters= say otherwise."""
    return "parameter" if is_parameter(t) else "input"


def is_parameter(t):
    """nn parameters (a Tensor subclass named Parameter), detected without importing gg.nn."""
    return any(cls.__name__ == "Parameter" for cls in type(t).__mro__)


def _name(nodes):
    """Own names first (repeats get a suffix), then v0, v1, ... for the rest in order."""
    taken = set()
    for v in nodes:
        if v.name is not None:
            base, k = str(v.name), 1
            name = base
            while name in taken:
                name, k = f"{base}_{k}", k + 1
            v.name = name
            taken.add(name)
    counter = 0
    for v in nodes:
        if v.name is None:
            while f"v{counter}" in taken:
                counter += 1
            v.name = f"v{counter}"
            taken.add(v.name)
