"""torch.autograd.functional: vjp, jvp, jacobian, hessian, vhp and hvp of a function at given
inputs, with PyTorch's signatures and return conventions.

Each returns plain tensors (create_graph=True: tensors that stay differentiable with respect to
the inputs), a Tensor or a tuple as the inputs and outputs were given, and zeros where an
output does not depend on an input (strict=True: an error). As in PyTorch, jvp and hvp use the
double-backward trick, J v = ∂/∂u ⟨uᵀJ, v⟩ (differentiating a pullback with respect to its
cotangent u), and hessian is the Jacobian of the gradient; jacobian(strategy='forward-mode')
uses forward propagation, one jvp per input element.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..autodiff import gradients
from ..grad_mode import enable_grad, is_grad_enabled, set_grad_enabled
from ..ops import identity, reshape, stack
from ..tensor import Tensor, make
from ..transforms import jvp as _forward_jvp

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]


def _as_tuple(value, arg_name, fn_name):
    is_tuple = isinstance(value, tuple)
    values = value if is_tuple else (value,)
    for i, v in enumerate(values):
        if not isinstance(v, Tensor):
            where = f"the value at index {i}" if is_tuple else f"the given {arg_name}"
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a "
                            f"tuple of Tensors but {where} has type {type(v)}.")
    return is_tuple, values


def _preprocess(values, create_graph, need_graph):
    """Inputs the function runs on: a recorded view of an input that requires grad (so results
    stay differentiable with respect to it) under create_graph, else a fresh leaf."""
    out = []
    for v in values:
        if create_graph and v.requires_grad:
            out.append(identity(v))
        else:
            out.append(make(v.array, requires_grad=need_graph))
    return tuple(out)


def _postprocess(values, create_graph):
    if isinstance(values, tuple):
        return tuple(_postprocess(v, create_graph) for v in values)
    return values if create_graph else make(values.array)


def _unpack(res, is_tuple, inner_is_tuple=None):
    if inner_is_tuple is not None and not inner_is_tuple:
        res = tuple(r[0] for r in res)
    return res if is_tuple else res[0]


def _validate_v(v, other, is_other_tuple):
    if len(other) != len(v):
        if is_other_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got "
                               f"{len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(v, other)):
        if a.shape != b.shape:
            prefix = f"Entry {i} in " if is_other_tuple else ""
            raise RuntimeError(f"{prefix}v has invalid size: should be {b.shape} but got "
                               f"{a.shape}.")


def _check_requires_grad(values, strict):
    if strict:
        for i, v in enumerate(values):
            if v is None or not v.requires_grad:
                raise RuntimeError(f"Output {i} of the user-provided function does not require "
                                   "gradients. The outputs must be computed in a differentiable "
                                   "manner from the input when running in strict mode.")


def _grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    """torch.autograd.grad over the outputs that require grad, None for unused inputs."""
    grad_outputs = (None,) * len(outputs) if grad_outputs is None else grad_outputs
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return gradients([o for o, _ in pairs], list(inputs), [g for _, g in pairs],
                     retain_graph=retain_graph, create_graph=create_graph, allow_unused=True)


def _fill_in_zeros(grads, refs, strict, create_graph, what):
    res = []
    for i, g in enumerate(grads):
        if g is None:
            if strict:
                raise RuntimeError(f"The {what} of the user-provided function is independent of "
                                   f"input {i}. This is not allowed in strict mode.")
            g = make(np.zeros(refs[i].shape, refs[i].dtype))
        elif strict and create_graph and not g.requires_grad:
            raise RuntimeError(f"The {what} of the user-provided function is independent of "
                               f"input {i}. This is not allowed in strict mode when "
                               "create_graph=True.")
        res.append(g)
    return tuple(res)


def _single_element(outputs, is_tuple, fn_name):
    if is_tuple or not isinstance(outputs[0], Tensor):
        raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
    if outputs[0].size != 1:
        raise RuntimeError(f"The Tensor returned by the function given to {fn_name} should "
                           "contain a single element")


def _setup(func, inputs, v, create_graph, strict, fn_name, v_like_outputs):
    """Inputs prepared, func run (recording), v checked: (is_inputs_tuple, inputs,
    is_outputs_tuple, outputs, v)."""
    with enable_grad():
        is_inputs_tuple, inputs = _as_tuple(inputs, "inputs", fn_name)
        inputs = _preprocess(inputs, create_graph, True)
        is_outputs_tuple, outputs = _as_tuple(func(*inputs),
                                              "outputs of the user-provided function", fn_name)
        _check_requires_grad(outputs, strict)
    ref, is_ref_tuple = (outputs, is_outputs_tuple) if v_like_outputs else \
        (inputs, is_inputs_tuple)
    if v is not None:
        _, v = _as_tuple(v, "v", fn_name)
        v = _preprocess(v, create_graph, False)
        _validate_v(v, ref, is_ref_tuple)
    elif len(ref) != 1 or ref[0].size != 1:
        which = "user-provided function returns" if v_like_outputs else \
            "input to the user-provided function is"
        raise RuntimeError(f"The vector v can only be None if the {which} a single Tensor with "
                           "a single element.")
    return is_inputs_tuple, inputs, is_outputs_tuple, outputs, v


def vjp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), vᵀ J): the vector-Jacobian product, shaped like the inputs."""
    is_in, inputs, is_out, outputs, v = _setup(func, inputs, v, create_graph, strict, "vjp", True)
    with set_grad_enabled(create_graph or is_grad_enabled()):
        res = _fill_in_zeros(_grad(outputs, inputs, v, create_graph), inputs, strict,
                             create_graph, "output")
    return (_unpack(_postprocess(outputs, create_graph), is_out),
            _unpack(_postprocess(res, create_graph), is_in))


def jvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), J v): the Jacobian-vector product, shaped like the outputs, by the
    double-backward trick."""
    is_in, inputs, is_out, outputs, v = _setup(func, inputs, v, create_graph, strict, "jvp",
                                               False)
    with enable_grad():
        us = tuple(make(np.zeros(o.shape, o.dtype), requires_grad=True) for o in outputs)
        pulled = _grad(outputs, inputs, us, create_graph=True)
        _check_requires_grad(pulled, strict)
    with set_grad_enabled(create_graph or is_grad_enabled()):
        res = _fill_in_zeros(_grad(pulled, us, v, create_graph), outputs, strict, create_graph,
                             "gradient")
    return (_unpack(_postprocess(outputs, create_graph), is_out),
            _unpack(_postprocess(res, create_graph), is_out))


def jacobian(func: Callable[..., Any], inputs: Any, create_graph: bool = False,
             strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode") -> Any:
    """∂outputs/∂inputs, J[i][j] of shape outputs[i].shape + inputs[j].shape (a Tensor, a tuple,
    or a tuple of tuples, as the outputs and inputs were given): one backward sweep per output
    element, or with strategy='forward-mode' (which, as in PyTorch, needs vectorize=True) one
    forward sweep per input element. vectorize changes nothing else here: the sweeps run one
    after another."""
    if strategy not in ("forward-mode", "reverse-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode".')
    if strategy == "forward-mode":
        return _jacfwd(func, inputs, create_graph, strict, vectorize)
    if strict and vectorize:
        raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and "
                           "`vectorized=True` are not supported together. Please either set "
                           "`strict=False` or `vectorize=False`.")
    with enable_grad():
        is_in, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _preprocess(inputs, create_graph, True)
        is_out, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function",
                                    "jacobian")
        _check_requires_grad(outputs, strict)
        jac = []
        for i, out in enumerate(outputs):
            rows = [[] for _ in inputs]
            flat = reshape(out, (-1,))
            for k in range(out.size):
                pulled = _grad((flat[k],), inputs, retain_graph=True, create_graph=create_graph)
                for j, (g, x) in enumerate(zip(pulled, inputs)):
                    if g is None and strict:
                        raise RuntimeError(f"Output {i} of the user-provided function is "
                                           f"independent of input {j}. This is not allowed in "
                                           "strict mode.")
                    rows[j].append(make(np.zeros(x.shape, x.dtype)) if g is None else g)
            jac.append(tuple(_rows_to_jacobian(r, out.shape, x.shape)
                             for r, x in zip(rows, inputs)))
    return _unpack(_postprocess(tuple(jac), create_graph), is_out, is_in)


def _rows_to_jacobian(rows, out_shape, in_shape):
    if not rows:
        return make(np.zeros(tuple(out_shape) + tuple(in_shape)))
    return reshape(stack(rows, 0), tuple(out_shape) + tuple(in_shape))


def _jacfwd(func, inputs, create_graph, strict, vectorize):
    if create_graph:
        raise NotImplementedError("torch.autograd.functional.jacobian: `create_graph=True` and "
                                  '`strategy="forward-mode"` are not supported together (yet). '
                                  'Please either set `create_graph=False` or '
                                  '`strategy="reverse-mode"`.')
    if strict:
        raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and "
                           '`strategy="forward-mode"` are not supported together (yet). Please '
                           'either set `strict=False` or `strategy="reverse-mode"`.')
    if not vectorize:
        raise NotImplementedError("Computing Jacobian using forward-AD or forward-over-reverse "
                                  "Hessian is only implemented for `vectorize=True`.")
    is_in, inputs = _as_tuple(inputs, "inputs", "jacobian")
    columns, is_out, outputs = [[] for _ in inputs], False, None
    for j, x in enumerate(inputs):
        for k in range(x.size):
            tangents = [np.zeros(y.shape, y.dtype) for y in inputs]
            tangents[j].flat[k] = 1.0
            out, tangent = _forward_jvp(func, inputs, tangents)
            is_out = isinstance(out, tuple)
            outputs = out if is_out else (out,)
            columns[j].append(tangent if is_out else (tangent,))
    if outputs is None:
        is_out, outputs = _as_tuple(func(*inputs), "outputs", "jacobian")
    # lists, not tuples, as PyTorch's forward-mode jacobian returns
    jac = [[make(np.moveaxis(np.array([c[i].array for c in columns[j]]), 0, -1)
                 .reshape(o.shape + x.shape)) if columns[j] else
            make(np.zeros(o.shape + x.shape, o.dtype))
            for j, x in enumerate(inputs)] for i, o in enumerate(outputs)]
    return _unpack(jac, is_out, is_in)


def hessian(func: Callable[..., Any], inputs: Any, create_graph: bool = False,
            strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """∂²f/∂inputs[i]∂inputs[j] of a function returning one element: the Jacobian of its
    gradient; H[i][j] has shape inputs[i].shape + inputs[j].shape."""
    is_in, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode".')

    def single_output(*xs):
        out = func(*xs)
        is_tuple, outs = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _check_requires_grad(outs, strict)
        _single_element(outs, is_tuple, "hessian")
        return reshape(out, ())

    def jac_func(*xs):
        if outer_jacobian_strategy == "forward-mode":     # keep the tangents of the jvp
            xs = tuple(x.requires_grad_(True) for x in xs)
        jac = jacobian(single_output, xs, create_graph=True)
        _check_requires_grad(jac, strict)
        return jac
    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict,
                   vectorize=vectorize, strategy=outer_jacobian_strategy)
    return _unpack(res, is_in, is_in)


def vhp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), vᵀ H): the vector-Hessian product of a function returning one element,
    by backward over backward."""
    is_in, inputs, is_out, outputs, v = _setup(func, inputs, v, create_graph, strict, "vhp",
                                               False)
    _single_element(outputs, is_out, "vhp")
    with enable_grad():
        jac = _grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, strict)
    with set_grad_enabled(create_graph or is_grad_enabled()):
        res = _fill_in_zeros(_grad(jac, inputs, v, create_graph), inputs, strict, create_graph,
                             "jacobian")
    return (_unpack(_postprocess(outputs, create_graph), is_out),
            _unpack(_postprocess(res, create_graph), is_in))


def hvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), H v): the Hessian-vector product of a function returning one element, by
    the double-backward trick on its gradient (H is symmetric, so H v = (vᵀ H)ᵀ)."""
    is_in, inputs, is_out, outputs, v = _setup(func, inputs, v, create_graph, strict, "hvp",
                                               False)
    _single_element(outputs, is_out, "hvp")
    with enable_grad():
        jac = _grad(outputs, inputs, create_graph=True)
        _check_requires_grad(jac, strict)
        us = tuple(make(np.zeros(x.shape, x.dtype), requires_grad=True) for x in inputs)
        double_back = _grad(jac, inputs, us, create_graph=True)
    with set_grad_enabled(create_graph or is_grad_enabled()):
        res = _fill_in_zeros(_grad(double_back, us, v, create_graph), inputs, strict,
                             create_graph, "hessian")
    return (_unpack(_postprocess(outputs, create_graph), is_out),
            _unpack(_postprocess(res, create_graph), is_in))
