"""torch.autograd's interface: grad, backward, custom Functions, the functional API
(jacobian, hessian, vjp, jvp, hvp, vhp), anomaly detection, gradcheck and gradgradcheck, with
PyTorch's signatures, defaults and return conventions, on graphgrad's engine.

    gg.autograd.grad(y, [x, w], create_graph=True)      # as torch.autograd.grad
    gg.autograd.functional.hessian(f, x)
    class Exp(gg.autograd.Function): ...                # forward / backward (/ jvp) by hand
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autodiff import backward as _engine_backward
from ..autodiff import gradients
from ..errors import GradientError
from ..grad_mode import detect_anomaly as _anomaly_switch
from ..grad_mode import enable_grad, no_grad, set_grad_enabled
from ..ops import stack
from ..tensor import Tensor, make
from . import functional
from .context import FunctionCtx
from .function import Function, once_differentiable
from .gradcheck import gradcheck, gradgradcheck

__all__ = ["grad", "backward", "Function", "FunctionCtx", "once_differentiable", "functional",
           "detect_anomaly", "set_detect_anomaly", "gradcheck", "gradgradcheck", "no_grad",
           "enable_grad", "set_grad_enabled"]


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor] | dict,
         grad_outputs: Tensor | Sequence[Tensor | None] | None = None,
         retain_graph: bool | None = None, create_graph: bool = False,
         only_inputs: bool = True, allow_unused: bool | None = None,
         is_grads_batched: bool = False, materialize_grads: bool = False) -> Any:
    """∂outputs/∂inputs (times grad_outputs) as a tuple, one per input (a dict for a dict of
    inputs), without touching any .grad: torch.autograd.grad. allow_unused gives None for an
    input the outputs do not depend on (materialize_grads: zeros); is_grads_batched takes a
    leading batch axis on every grad_output and gives one on every result (one backward sweep
    per batch element)."""
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when "
                         "materialize_grads=True, but got: allow_unused=False.")
    if allow_unused is None:
        allow_unused = materialize_grads
    keys = list(inputs) if type(inputs) is dict else None
    xs = (inputs,) if isinstance(inputs, Tensor) else \
        tuple(inputs.values() if keys is not None else inputs)
    retain = create_graph if retain_graph is None else retain_graph
    if is_grads_batched:
        result = _batched(outputs, xs, grad_outputs, retain, create_graph, allow_unused)
    else:
        result = gradients(outputs, xs, grad_outputs, retain, create_graph, allow_unused)
    if materialize_grads:
        result = tuple(r if r is not None else _zeros_like(x, create_graph)
                       for r, x in zip(result, xs))
    return dict(zip(keys, result)) if keys is not None else result


def _zeros_like(x, requires_grad):
    z = make(np.zeros(x.shape, x.dtype))
    z.requires_grad = requires_grad
    return z


def _batched(outputs, xs, grad_outputs, retain, create_graph, allow_unused):
    """One sweep per row of the batched grad_outputs, the results stacked along axis 0."""
    outs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    gos = [grad_outputs] if isinstance(grad_outputs, Tensor) or grad_outputs is None \
        else list(grad_outputs)
    sizes = {np.shape(g)[0] for g in gos if g is not None}
    if len(sizes) != 1:
        raise GradientError("grad(is_grads_batched=True): every grad_output needs the same "
                            f"leading batch size, got {sorted(sizes) or 'none'}")
    (batch,) = sizes
    rows = []
    for b in range(batch):
        row = [None if g is None else g[b] for g in gos]
        last = b == batch - 1
        rows.append(gradients(outs, xs, row, retain if last else True, create_graph,
                              allow_unused))
    return tuple(None if rows[0][i] is None else stack([r[i] for r in rows])
                 for i in range(len(xs)))


def backward(tensors: Tensor | Sequence[Tensor],
             grad_tensors: Tensor | Sequence[Tensor | None] | None = None,
             retain_graph: bool | None = None, create_graph: bool = False,
             inputs: Tensor | Sequence[Tensor] | None = None) -> None:
    """Accumulate ∂tensors/∂leaf (times grad_tensors) into the .grad of the leaves (or only of
    `inputs`), in one backward sweep from all the tensors: torch.autograd.backward."""
    if inputs is not None:
        inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
        if not inputs:
            raise GradientError("`inputs` argument to `backward()` cannot be empty.")
    tensors = (tensors,) if isinstance(tensors, Tensor) else tuple(tensors)
    if grad_tensors is None:
        grad_tensors = [None] * len(tensors)
    elif isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors]
    _engine_backward(list(tensors), list(grad_tensors), retain_graph, create_graph, inputs)


class detect_anomaly(_anomaly_switch):
    """Inside (a context manager or decorator), the first backward rule that produces NaN or
    Inf raises AnomalyError naming its operation and where it was recorded
    (torch.autograd.detect_anomaly; graphgrad always checks for NaN)."""

    def __init__(self) -> None:
        super().__init__(True)


class set_detect_anomaly:
    """Turn anomaly detection on or off from now on; as a context manager, only until the
    block ends (torch.autograd.set_detect_anomaly)."""

    def __init__(self, mode: bool) -> None:
        self._switch = _anomaly_switch(mode)
        self._switch.__enter__()

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        self._switch.__exit__(*exc)
        return False
