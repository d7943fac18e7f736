"""The parts of a ComputeGraph: nodes v with their activation α_v and local function g_v, and
edges (u, v) with the local derivative ∂g_v/∂α_u.

Nothing here knows a derivative: a local function applies the recorded primitives' own JVP and
VJP rules (the rules `gg.jvp` and `.backward()` run), on the activations of the operation's
operands. A local derivative is materialised only on request, one basis vector at a time,
below a size limit (graphgrad.graphview.vertices.MAX_JACOBIAN_SIZE).
"""
import numpy as np

from ..ops.shape import sum_to

#: Most elements a materialised Jacobian (or one Δ mapping, all nodes together) may hold.
MAX_JACOBIAN_SIZE = 4_000_000


class TooLargeError(ValueError):
    """A Jacobian or a path enumeration above its size limit."""


def check_size(elements, what):
    if elements > MAX_JACOBIAN_SIZE:
        raise TooLargeError(
            f"{what} would hold {elements:,} elements, above graphgrad.graphview.vertices."
            f"MAX_JACOBIAN_SIZE = {MAX_JACOBIAN_SIZE:,}; Jacobians are materialised only for "
            "modest sizes. Use backward()/gg.vjp or gg.jvp for products with vectors, or raise "
            "the limit")


def basis(shape, dtype):
    """The standard basis e_0, e_1, ... of arrays of `shape`, one at a time."""
    for k in range(int(np.prod(shape, dtype=np.int64))):
        e = np.zeros(shape, dtype)
        e.flat[k] = 1
        yield e


def scalar_or_array(a):
    """0-d results as NumPy scalars (they print and compare like numbers)."""
    a = np.asarray(a)
    return a[()] if a.ndim == 0 else a


class OpStep:
    """One recorded operation out = prim(*operands, **params), with the operands' activations.
    `keys` identifies each operand's vertex (None for a constant); `tick` orders operations as
    they were recorded."""

    __slots__ = ("key", "prim", "keys", "values", "out", "params", "tick")

    def __init__(self, key, prim, keys, values, out, params, tick):
        self.key, self.prim, self.keys, self.values = key, prim, keys, values
        self.out, self.params, self.tick = out, params, tick


class LocalFunction:
    """g_v: the recorded operations from v's parents to v in creation order (one operation, or
    several when granularity='named' merges unnamed operations into v)."""

    __slots__ = ("steps", "_inside")

    def __init__(self, steps):
        self.steps = steps
        self._inside = {s.key for s in steps}

    @property
    def primitives(self):
        return [s.prim for s in self.steps]

    @property
    def out(self):
        return self.steps[-1].out

    def jvp(self, source, tangent):
        """∂g_v/∂α_source · tangent, by the primitives' JVP rules (shape of v)."""
        tangents = {source: tangent}
        for s in self.steps:
            ts = tuple(tangents.get(k) for k in s.keys)     # None is never a key
            if all(t is None for t in ts):
                continue
            out = s.prim.output_tangent(ts, s.out, s.values, s.params)
            if out is not None:
                tangents[s.key] = np.asarray(out)
        result = tangents.get(self.steps[-1].key)
        return np.zeros(self.out.shape, np.result_type(tangent, self.out)) if result is None \
            else result

    def vjp(self, source, cotangent, shape):
        """cotangent · ∂g_v/∂α_source, by the primitives' VJP rules (of `shape`, the source's);
        several uses of the source are summed: edges form a set."""
        cotangents = {self.steps[-1].key: cotangent}
        for s in reversed(self.steps):
            g = cotangents.pop(s.key, None)
            if g is None:
                continue
            out = None if s.prim.saves_residual else s.out   # the value is not the residual
            for i, k in enumerate(s.keys):
                if k is None or (k != source and k not in self._inside):
                    continue
                rule = s.prim.vjps[i]
                gi = None if rule is None else rule(g, out, *s.values, **s.params)
                if gi is None:
                    continue
                gi = sum_to(np.asarray(gi), np.shape(s.values[i]))
                prev = cotangents.get(k)
                cotangents[k] = gi if prev is None else prev + gi
        result = cotangents.get(source)
        return np.zeros(shape, np.result_type(cotangent)) if result is None else result


class Vertex:
    """A node v of a ComputeGraph: name, kind, operation (None for leaves), value α_v."""

    __slots__ = ("id", "name", "kind", "value", "local", "key", "record")

    def __init__(self, index, name, kind, value, local, record):
        self.id, self.name, self.kind, self.value, self.local = index, name, kind, value, local
        self.record = record        # the engine's record: its graph node, or a leaf Tensor
        self.key = id(record)

    @property
    def op(self):
        """g_v's operation: a primitive's name, several joined by '∘' when merged, or None."""
        if self.local is None:
            return None
        return "∘".join(p.name for p in reversed(self.local.primitives))

    @property
    def shape(self):
        return self.value.shape

    @property
    def dtype(self):
        return self.value.dtype

    @property
    def size(self):
        return self.value.size

    @property
    def ndim(self):
        return self.value.ndim

    def __repr__(self):
        op = f" = {self.op}" if self.op else ""
        return f"<node {self.name}{op}: {self.kind}, shape {self.shape}>"


class Edge:
    """An edge (u, v): α_u is an argument of g_v. Its local derivative ∂g_v/∂α_u has shape
    v.shape + u.shape; jvp and vjp apply it to a vector without materialising it."""

    __slots__ = ("source", "target", "_jacobian")

    def __init__(self, source, target):
        self.source, self.target = source, target
        self._jacobian = None

    def jvp(self, tangent):
        """∂g_v/∂α_u · tangent (a tangent of u's shape → one of v's)."""
        return self.target.local.jvp(self.source.key, tangent)

    def vjp(self, cotangent):
        """cotangent · ∂g_v/∂α_u (a cotangent of v's shape → one of u's)."""
        return self.target.local.vjp(self.source.key, cotangent, self.source.shape)

    @property
    def local_derivative(self):
        """∂g_v/∂α_u materialised once (a number for scalar nodes): one VJP per element of v
        or one JVP per element of u, whichever is fewer."""
        if self._jacobian is None:
            u, v = self.source, self.target
            check_size(u.size * v.size, f"the local derivative ∂{v.name}/∂{u.name}")
            if v.size <= u.size:
                rows = [np.ravel(self.vjp(e)) for e in basis(v.shape, v.dtype)]
                flat = np.stack(rows) if rows else np.zeros((0, u.size))
            else:
                cols = [np.ravel(self.jvp(e)) for e in basis(u.shape, u.dtype)]
                flat = np.stack(cols, axis=1) if cols else np.zeros((v.size, 0))
            self._jacobian = scalar_or_array(flat.reshape(v.shape + u.shape))
        return self._jacobian

    def __iter__(self):
        return iter((self.source, self.target))

    def __repr__(self):
        return f"<edge {self.source.name} -> {self.target.name}>"
