"""The ctx of a custom Function (PyTorch's FunctionCtx), and how its outputs are packed into
the one value its node holds.

What forward saves is remembered by its place: an input (given back to backward as the graph's
own operand, so that a recorded backward differentiates through it), an output (the node's own
value), or any other tensor (a constant). Several differentiable outputs y_1 … y_k live in the
node as one flat vector [vec y_1, …, vec y_k]; apply hands out recorded slices of it, so their
gradients arrive together as one vector, split again for backward.
"""
from __future__ import annotations

import contextlib
from typing import Any

import numpy as np

from ..ops import concatenate, getitem, reshape
from ..tensor import Tensor, make


class FunctionCtx:
    """What forward leaves for backward and jvp: ctx.save_for_backward(*tensors) and
    ctx.saved_tensors, ctx.needs_input_grad, ctx.mark_non_differentiable(*outputs),
    ctx.set_materialize_grads(bool), ctx.save_for_forward(*tensors); any other attribute may be
    set freely."""

    def __init__(self, needs_input_grad: tuple[bool, ...], is_tensor: tuple[bool, ...]) -> None:
        self.needs_input_grad = needs_input_grad
        self.materialize_grads = True
        self._is_tensor = is_tensor
        self._to_save = self._to_save_forward = None
        self._spec = self._spec_forward = ()
        self._current = None
        self._non_differentiable: set[int] = set()
        self._grad_cache = None
        self._last_grad_input = max((i for i, n in enumerate(needs_input_grad) if n), default=-1)

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep tensors (inputs, outputs or others) for backward: ctx.saved_tensors there."""
        self._to_save = _only_tensors(tensors, "save_for_backward")

    def save_for_forward(self, *tensors: Tensor | None) -> None:
        """Keep tensors (inputs, outputs or others) for jvp: ctx.saved_tensors there."""
        self._to_save_forward = _only_tensors(tensors, "save_for_forward")

    def mark_non_differentiable(self, *args: Tensor) -> None:
        """Outputs that get no gradient: they do not require grad, and backward receives zeros
        (None with set_materialize_grads(False)) for them."""
        self._non_differentiable.update(id(a) for a in args)

    def set_materialize_grads(self, value: bool) -> None:
        """Whether backward gets zeros (True, the default) or None for an output without a
        gradient: a non-differentiable output, or one of several outputs whose gradient is
        zero and carries no graph."""
        self.materialize_grads = bool(value)

    @property
    def saved_tensors(self) -> tuple[Tensor | None, ...]:
        if self._current is not None:
            return self._current
        return tuple(self._to_save or ())

    # ---------------------------------------------------------------- used by Function
    def _record_forward(self, inputs, outputs, is_tuple, differentiable):
        """After forward: where each saved tensor came from, and how outputs are packed."""
        self._outputs, self._is_tuple, self._differentiable = outputs, is_tuple, differentiable
        # what backward and jvp need of the outputs, kept once apply has handed them out
        self._out_meta = [(o.shape, o.dtype) if isinstance(o, Tensor) else None for o in outputs]
        self._spec = _spec(self._to_save, inputs, outputs, differentiable)
        if self._to_save_forward is not None:
            self._spec_forward = _spec(self._to_save_forward, inputs, outputs, differentiable)
        sizes = [outputs[k].array.size for k in differentiable]
        self._offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int).tolist()
        self._pack_dtype = np.result_type(*[outputs[k].dtype for k in differentiable]) \
            if differentiable else np.dtype(np.float64)

    def _saved_input_positions(self):
        return {i for kind, i in (*self._spec, *self._spec_forward) if kind == "input"}

    @contextlib.contextmanager
    def _resolved(self, xs, out, for_jvp):
        """saved_tensors inside backward or jvp: inputs from xs (the graph's operands, or
        their values), outputs from out (the node's value as a Tensor of the graph, or an
        array)."""
        spec = self._spec_forward if for_jvp else self._spec
        saved = []
        for kind, v in spec:
            if kind == "input":
                saved.append(_tensor(xs[v]))
            elif kind == "output":
                saved.append(_tensor(unpack(self, out, v)))
            else:
                saved.append(v)
        previous, self._current = self._current, tuple(saved)
        try:
            yield
        finally:
            self._current = previous


def _only_tensors(tensors, who):
    for i, t in enumerate(tensors):
        if t is not None and not isinstance(t, Tensor):
            raise TypeError(f"{who} can only save variables, but argument {i} is of type "
                            f"{type(t).__name__}")
    return tensors


def _spec(tensors, inputs, outputs, differentiable):
    """('input', i), ('output', j: place among the differentiable outputs) or ('value', t)."""
    spec = []
    for t in tensors or ():
        place = None
        if t is None:
            place = ("value", None)
        for i, x in enumerate(inputs):
            if place is None and x is t:
                place = ("input", i)
        for j, k in enumerate(differentiable):
            if place is None and outputs[k] is t:
                place = ("output", j)
        spec.append(place or ("value", t))
    return spec


def _tensor(x):
    return x if isinstance(x, Tensor) or x is None else make(np.asarray(x))


def pack(ctx, parts):
    """The node's value (or tangent) from the differentiable outputs' values (or tangents):
    the one output itself, or [vec y_1, …, vec y_k] (recorded when the parts are Tensors)."""
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return np.zeros(0, ctx._pack_dtype)
    flat = [reshape(p if p.dtype == ctx._pack_dtype else p.astype(ctx._pack_dtype), (-1,))
            for p in parts]
    return concatenate(flat, axis=0)


def unpack(ctx, packed, j):
    """The j-th differentiable output (or its gradient) from the packed vector."""
    if len(ctx._differentiable) == 1:
        return packed
    shape, dtype = ctx._out_meta[ctx._differentiable[j]]
    piece = getitem(packed, slice(ctx._offsets[j], ctx._offsets[j + 1]))
    if piece.shape != shape:
        piece = reshape(piece, shape)
    return piece if piece.dtype == dtype else piece.astype(dtype)


def grads_out(ctx, g) -> list[Any]:
    """One gradient per output of forward, for backward: the node's gradient taken apart, and
    zeros (or None without materialize_grads) for outputs without one."""
    grads = [None] * len(ctx._out_meta)
    several = len(ctx._differentiable) > 1
    for j, k in enumerate(ctx._differentiable):
        gk = unpack(ctx, g, j)
        if not isinstance(gk, Tensor):
            if not ctx.materialize_grads and several and not np.any(gk):
                continue
            writeable = isinstance(gk, np.ndarray) and gk.flags.writeable
            gk = make(gk if writeable else np.array(gk))
        grads[k] = gk
    if ctx.materialize_grads:
        for k, meta in enumerate(ctx._out_meta):
            if grads[k] is None and meta is not None:
                grads[k] = make(np.zeros(*meta))
    return grads
