"""From a trace to a program: dead code removed, buffers assigned by liveness, Python source.

The program is one straight-line Python function of NumPy calls (``Program.source``, what
``step.program`` prints). Its prologue binds what lives outside it — each parameter's current
array, optimizer state, hyper-parameter groups — and returns STALE, before anything changes, when
that no longer fits (state reset, a .grad left over, momentum switched on): the caller then runs
the step eagerly and records it again. Every result of a NumPy form (lowering.py) gets a buffer,
allocated once; a buffer is handed to a later result of the same shape, dtype and layout once no
operation reads the earlier one (or a view of it) any more. Results the caller receives are
allocated afresh on every run.
"""
import heapq
import itertools
import sys

import numpy as np

from ..tensor import make
from .optimizers import bump

STALE = object()
_ALWAYS = float("inf")
#: Compiled sources kept (the same model recorded again, or a program rebuilt after STALE,
#: gives the same text: Python's compiler is then skipped), the least recently used dropped.
_CODE_CACHE = 64
_code = {}


def forget_compiled_code():
    """Empty the cache of compiled sources (so that a benchmark's next recording pays for
    Python's compiler, as the first one in a fresh process does)."""
    _code.clear()


class Codegen:
    """Names, buffers and bound objects while the source is written (the emitters' view)."""

    def __init__(self, tracer, keep, escaping, grads):
        self.tracer, self.values = tracer, tracer.values
        self.namespace = {"np": np, "make": make, "bump": bump, "STALE": STALE,
                          "getrefcount": sys.getrefcount}
        self.lines, self.pro, self.buffers = [], [], []
        self.slot_names, self.objects, self.counter = {}, {}, itertools.count()
        self.escaping = escaping
        self.read_counts = {}
        self.assign_buffers(keep, grads)

    # ----------------------------------------------------------------- names
    def fresh(self, prefix):
        return f"{prefix}{next(self.counter)}"

    def obj(self, value, prefix="c"):
        """A name in the namespace bound to value (one per object)."""
        name = self.objects.get(id(value))
        if name is None:
            name = self.objects[id(value)] = self.fresh(prefix)
            self.namespace[name] = value
        return name

    def name(self, slot):
        name = self.slot_names.get(slot)
        if name is not None:
            return name
        kind, value = self.tracer.kind[slot], self.values[slot]
        if kind == "input":
            name = f"x{self.tracer.source[slot]}"
        elif kind == "tensor":      # (frozen or unfrozen since: eager mode would differ)
            name, t = self.fresh("p"), self.tracer.source[slot]
            self.pro += [f"{name} = {self.obj(t, 'T')}.array",
                         f"if {self.obj(t, 'T')}.requires_grad is not {t.requires_grad}: "
                         "return STALE"]
        elif kind == "grad":
            name = self.fresh("g")
            self.pro.append(f"{name} = {self.obj(self.tracer.source[slot], 'T')}.grad.array")
        elif kind == "const":
            literal = isinstance(value, (bool, int, float, str, type(None)))
            name = repr(value) if literal else self.obj(value)
        else:
            name = f"t{slot}"
        self.slot_names[slot] = name
        return name

    def names(self, slots):
        known = self.slot_names
        return [known[s] if s in known else self.name(s) for s in slots]

    def readers(self, slot):
        return self.read_counts.get(slot, 0)

    def prologue(self, line):
        self.pro.append(line)

    def tensor_of(self, slot, name):
        return f"make({name})"

    # ----------------------------------------------------------------- buffers
    def buffer(self, like):
        """A buffer of its own shaped like `like` (an array, or the name of a bound one)."""
        if isinstance(like, str):
            like = self.bound_array(like)
        name = f"B{len(self.buffers)}"
        self.buffers.append(np.empty_like(like))
        return name

    def bound_array(self, name):
        """The traced value of the slot a name stands for."""
        for slot, n in self.slot_names.items():
            if n == name:
                return self.values[slot]
        raise KeyError(name)

    def out(self, op, i=0):
        slot = op.outs[i]
        return self.name(slot), self.buffer_of.get(slot)

    def assign_buffers(self, ops, grads):
        """Lowered results get buffers, shared by liveness (see the module docstring)."""
        last, counts = {}, self.read_counts
        for k, op in enumerate(ops):
            for s in op.args:
                last[s] = k
                counts[s] = counts.get(s, 0) + 1
            for s in op.kw.values():
                last[s] = k
                counts[s] = counts.get(s, 0) + 1
            if op.inplace is not None:
                last[op.inplace] = k
        for s in grads:
            last[s] = _ALWAYS
        for k in range(len(ops) - 1, -1, -1):      # a view keeps what it views alive
            op = ops[k]
            if op.emit is not None:
                continue
            for o in op.outs:
                for a in op.args:
                    if _may_share(self.values[o], self.values[a]):
                        last[a] = max(last.get(a, k), last.get(o, k))
        self.buffer_of, free, busy = {}, {}, []     # busy: a heap of (last read, #, key, name)
        for k, op in enumerate(ops):
            while busy and busy[0][0] < k:
                _, _, key, name = heapq.heappop(busy)
                free.setdefault(key, []).append(name)
            if op.emit is None or not op.outs or op.outs[0] in self.escaping:
                continue
            value = self.values[op.outs[0]]
            if value.__class__ is not np.ndarray:
                continue
            key = (value.shape, value.dtype, value.flags.f_contiguous and value.ndim > 1)
            pool = free.get(key)
            if pool:
                name = pool.pop()
            else:
                name = f"B{len(self.buffers)}"
                self.buffers.append(np.empty_like(value))
            self.buffer_of[op.outs[0]] = name
            heapq.heappush(busy, (last.get(op.outs[0], k), len(self.buffer_of), key, name))


def _may_share(a, b):
    if isinstance(a, tuple):
        return any(_may_share(x, b) for x in a)
    return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.may_share_memory(a, b)


def live_ops(ops, returned):
    """The operations whose results are read (or that change something outside)."""
    live, keep = set(returned), []
    for op in reversed(ops):
        if op.effect or op.inplace in live or not live.isdisjoint(op.outs):
            keep.append(op)
            live.update(op.args)
            live.update(op.kw.values())
    return keep[::-1]


class Program:
    """A compiled step: ``run(arrays)`` → the flat results, or STALE."""

    def __init__(self, tracer, n_inputs, outs):
        self.ops_recorded = len(tracer.ops)
        returned = [s for s, how in outs if how != "tensor"]
        ops = live_ops(tracer.ops, returned)
        escape = set(returned)
        for op in reversed(ops):
            if op.emit is None and any(o in escape for o in op.outs):
                escape.update(a for a in op.args for o in op.outs
                              if _may_share(tracer.values[o], tracer.values[a]))
        grads = [op.args[0] for op in ops if op.name == "set grad"]
        cg = Codegen(tracer, ops, escape, grads)
        for t in tracer.guards:        # eager mode would add to a .grad left from before
            cg.prologue(f"if {cg.obj(t, 'T')}.grad is not None: return STALE")
        body = []
        for op in ops:
            body += _lines(cg, op)
        results = [cg.obj(tracer.source[s], "T") if how == "tensor" else
                   f"make({cg.name(s)})" if how == "make" else cg.name(s) for s, how in outs]
        params = ", ".join(f"x{i}" for i in range(n_inputs))
        buffers = (", ".join(f"B{i}" for i in range(len(cg.buffers))) + ",") if cg.buffers \
            else ""
        head = [f"def program({params}):"]
        if buffers:
            head.append(f"    {buffers} = BUFFERS")
        pro = ["    try:"] + [f"        {line}" for line in cg.pro] + \
              ["    except (KeyError, AttributeError, IndexError, TypeError):",
               "        return STALE"] if cg.pro else []
        tail = [f"    return ({', '.join(results)}{',' if len(results) == 1 else ''})"]
        self.source = "\n".join(head + pro + [f"    {line}" for line in body] + tail) + "\n"
        cg.namespace["BUFFERS"] = tuple(cg.buffers)
        self.namespace = cg.namespace
        self.buffer_bytes = sum(b.nbytes for b in cg.buffers)
        self.n_ops = len(ops)
        self.objects = [tracer.values[s] if tracer.kind[s] == "const" else tracer.source[s]
                        for s in range(len(tracer.values)) if tracer.kind[s] in ("const", "tensor")]
        self.compile(self.source)

    def compile(self, source):
        """(Re)build the function from source (tests edit it to break a program)."""
        self.source = source
        code = _code.pop(source, None) or compile(source, "<graphgrad.compile program>", "exec")
        _code[source] = code
        while len(_code) > _CODE_CACHE:
            del _code[next(iter(_code))]
        exec(code, self.namespace)
        self.run = self.namespace["program"]

    def __str__(self):
        return self.source


def _lines(cg, op):
    if op.emit is not None:
        return op.emit(cg, op)
    fn = cg.obj(op.fn, _identifier(op.name))
    args = cg.names(op.args)
    args += [f"{k}={cg.name(v)}" for k, v in op.kw.items()]
    outs = cg.names(op.outs)
    call = f"{fn}({', '.join(args)})"
    if not outs:
        return [call]
    lines = [f"{', '.join(outs)} = {call}"]
    if op.wrap:
        lines.append(f"{outs[0]} = np.asarray({outs[0]})")
    return lines


def _identifier(name):
    text = "".join(c if c.isalnum() else "_" for c in name)
    return text if text and not text[0].isdigit() else f"f_{text}"

