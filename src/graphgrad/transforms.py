"""Composable function transforms: grad, value_and_grad, vjp, jvp, jacfwd, jacrev, jacobian,
hessian (in the spirit of JAX).

Forward propagation (jvp) pushes one tangent through the computation in a single sweep, with
no reverse graph; backward propagation (vjp, grad) records the graph and sweeps it backwards.
Transforms nest freely: each jvp owns a fresh level so tangents of different transforms never
mix, and each grad differentiates only with respect to its own inputs.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from functools import wraps
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from . import _state
from .autodiff import _as_result, _seed, _sweep
from .errors import DtypeError, GradientError, ShapeError
from .grad_mode import enable_grad, no_grad
from .node import Node, key_of
from .ops import identity, reshape, stack
from .recording import tangent_of
from .tensor import Tensor, as_array, is_float, make

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

_levels = itertools.count(1)


# ------------------------------------------------------------------------------ inputs
def _as_input(x, who):
    """An argument to differentiate, as a float Tensor."""
    if not isinstance(x, Tensor):
        x = make(as_array(x))
    if not is_float(x.dtype):
        raise DtypeError(f"{who}: only Tensors of floating point dtype can require gradients: "
                         f"cannot differentiate with respect to an argument of dtype {x.dtype}; "
                         "pass floating-point values")
    return x


def _watch(x):
    """A fresh node standing for x that gradients are taken with respect to (x's own graph and
    tangents still flow through it)."""
    y = identity(x)
    if not y.requires_grad:
        y.requires_grad = True
    return y


def _argnums(argnums, nargs, who):
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for i in nums:
        if not -nargs <= i < nargs:
            raise ValueError(f"{who}: argnums {argnums} out of range for {nargs} arguments")
    return nums


def _depends_outside(outputs, targets, floor):
    """Whether the outputs also depend on tensors requiring grad outside this transform: then
    an enclosing grad (or the user) differentiates through our result and the sweep records."""
    target_ids = {id(key_of(t)) for t in targets}
    todo = [o._node for o in outputs if o._node is not None]
    seen = set()
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for parent in node.parents:
            if parent is None or id(parent) in target_ids and parent.__class__ is not Node:
                continue
            if parent.__class__ is not Node or parent.tick < floor:
                return True
            todo.append(parent)
    return False


def _pullback(outputs, targets, floor, retain, record=None):
    """vjp_fn for outputs w.r.t. targets: cotangents ↦ one gradient per target. record: whether
    the outputs depend on something outside (computed here when not given)."""
    outputs = list(outputs)
    if record is None:
        record = _depends_outside([o for o in outputs if o.requires_grad], targets, floor)

    def vjp_fn(cotangents):
        live = [(o, c) for o, c in zip(outputs, cotangents) if o.requires_grad]
        seeds = [_seed(o, c, "vjp") for o, c in live]
        roots = [o for o, _ in live]
        # the cotangent is an input of the pullback too: one that requires grad (an enclosing
        # grad differentiates with respect to it) makes the sweep record its rules
        rec = record or _state.grad_enabled and any(
            isinstance(c, Tensor) and c.requires_grad for _, c in live)
        # a sweep that runs its rules on Tensors (recording, or inside a jvp to carry its
        # tangents) is part of an enclosing computation: keep what it saved
        keep = retain or rec or bool(_state.fwd_levels)
        found = _sweep(roots, seeds, targets, floor, keep, rec) if live else {}
        return tuple(_as_result(found[id(key_of(x))][1], x) if id(key_of(x)) in found
                     else make(np.zeros(x.shape, x.dtype)) for x in targets)
    return vjp_fn


def _outputs(out, who):
    single = isinstance(out, Tensor)
    if not single and not isinstance(out, (list, tuple)):
        raise TypeError(f"{who}: the function must return a tensor or a tuple of tensors, got "
                        f"{type(out).__name__}")
    outs = [out] if single else list(out)
    for o in outs:
        if not isinstance(o, Tensor):
            raise TypeError(f"{who}: the function must return tensors, got {type(o).__name__}")
    return single, outs


# ------------------------------------------------------------------------------ reverse
def vjp(f: Callable[..., Any], *primals: Tensor | ArrayLike,
        has_aux: bool = False) -> tuple[Any, ...]:
    """(f(*primals), vjp_fn): vjp_fn(cotangent) = cotangentᵀ J, one result per primal, for any
    number of calls (backward propagation: one sweep per cotangent)."""
    floor = next(_state.clock)
    xs = [_watch(_as_input(p, "vjp")) for p in primals]
    with enable_grad():
        out = f(*xs)
    aux = None
    if has_aux:
        out, aux = out
    single, outs = _outputs(out, "vjp")
    pull = _pullback(outs, xs, floor, retain=True)

    def vjp_fn(cotangent):
        cts = [cotangent] if single else list(cotangent)
        if len(cts) != len(outs):
            raise ValueError(f"vjp_fn: {len(cts)} cotangents for {len(outs)} outputs")
        return pull(cts)
    return (out, vjp_fn, aux) if has_aux else (out, vjp_fn)


def value_and_grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0,
                   has_aux: bool = False) -> Callable[..., tuple[Any, Any]]:
    """A function returning (f(*args), ∂f/∂args[argnums]); f must return one number."""
    @wraps(f)
    def value_and_grad_f(*args, **kwargs):
        nums = _argnums(argnums, len(args), "grad")
        floor = next(_state.clock)
        args = list(args)
        xs = []
        for i in nums:
            args[i] = _watch(_as_input(args[i], "grad"))
            xs.append(args[i])
        with enable_grad():
            out = f(*args, **kwargs)
        aux = None
        if has_aux:
            out, aux = out
        if not isinstance(out, Tensor) or out.array.size != 1:
            raise GradientError(f"grad: grad can be implicitly created only for scalar "
                                f"outputs: the function must return a one-element tensor, got "
                                f"{getattr(out, 'shape', type(out).__name__)}; use jacrev, "
                                "jacobian or vjp for non-scalar functions")
        grads = _pullback([out], xs, floor, retain=False)([None])
        grads = grads[0] if isinstance(argnums, int) else grads
        return ((out, aux), grads) if has_aux else (out, grads)
    return value_and_grad_f


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0,
         has_aux: bool = False) -> Callable[..., Any]:
    """The gradient function of a scalar function: grad(f)(x) = ∇f(x) (backward propagation).
    grad(grad(f)) and grad(jvp ...) nest."""
    vg = value_and_grad(f, argnums, has_aux)

    @wraps(f)
    def grad_f(*args, **kwargs):
        (value, grads) = vg(*args, **kwargs)
        return (grads, value[1]) if has_aux else grads
    return grad_f


# ------------------------------------------------------------------------------ forward
def jvp(f: Callable[..., Any], primals: Sequence[Tensor | ArrayLike],
        tangents: Sequence[Tensor | ArrayLike]) -> tuple[Any, Any]:
    """(f(*primals), J·tangents): forward propagation of tangents through f in one sweep.
    Tangents must be floating point (or complex), as torch.func.jvp requires: an integer or
    bool tangent is refused, not converted."""
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    level = next(_levels)
    xs = []
    for i, (p, t) in enumerate(zip(primals, tangents)):
        x = identity(_as_input(p, "jvp"))
        t = as_array(t, who="jvp") if not isinstance(t, Tensor) else t
        if tuple(t.shape) != x.shape:
            raise ShapeError(f"jvp: tangent {i} of shape {tuple(t.shape)} for a primal of shape "
                             f"{x.shape}; they must be equal")
        if not is_float(t.dtype):
            raise _TangentDtypeError(f"jvp: Expected tangent to be floating point or complex, "
                                     f"but got: {t.dtype} (tangent {i}, for a primal of dtype "
                                     f"{x.dtype}); convert it, e.g. t.to({x.dtype})")
        x._tangents = {**(x._tangents or {}), level: t}
        xs.append(x)
    _state.fwd_levels.append(level)
    try:
        out = f(*xs)
    finally:
        _state.fwd_levels.remove(level)
    single, outs = _outputs(out, "jvp")
    tans = [_tangent_out(o, level) for o in outs]
    return (out, tans[0]) if single else (out, tuple(tans))


def _tangent_out(o, level):
    t = tangent_of(o, level)
    if t is None:
        return make(np.zeros(o.shape, o.dtype))
    return t if isinstance(t, Tensor) else make(np.asarray(t))


# ------------------------------------------------------------------------------ Jacobians
def _basis(x):
    """The standard basis of x's space, one tensor of x's shape per element."""
    eye = np.eye(x.size, dtype=x.dtype)
    return [make(eye[k].reshape(x.shape)) for k in range(x.size)]


def jacfwd(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Jacobian by forward propagation: one jvp per input element; J has shape
    out.shape + x.shape."""
    @wraps(f)
    def jac(*args):
        nums = _argnums(argnums, len(args), "jacfwd")
        args = [_as_input(a, "jacfwd") if i in nums else a for i, a in enumerate(args)]
        results = []
        for i in nums:
            def fi(xi, i=i):
                return f(*args[:i], xi, *args[i + 1:])
            x = args[i]
            columns = [jvp(fi, (x,), (e,)) for e in _basis(x)]
            out = columns[0][0] if columns else fi(x)
            results.append(_assemble([c[1] for c in columns], out.shape, x.shape, last=True))
        return results[0] if isinstance(argnums, int) else tuple(results)
    return jac


def jacrev(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Jacobian by backward propagation: one vjp sweep per output element; J has shape
    out.shape + x.shape."""
    @wraps(f)
    def jac(*args):
        nums = _argnums(argnums, len(args), "jacrev")

        def fx(*xs):
            full = list(args)
            for i, x in zip(nums, xs):
                full[i] = x
            return f(*full)
        out, pull = vjp(fx, *(args[i] for i in nums))
        if not isinstance(out, Tensor):
            raise TypeError("jacrev: the function must return one tensor")
        rows = [pull(e) for e in _basis(out)]
        results = [_assemble([r[k] for r in rows], out.shape, np.shape(args[i]), last=False)
                   for k, i in enumerate(nums)]
        return results[0] if isinstance(argnums, int) else tuple(results)
    return jac


def _assemble(parts, out_shape, in_shape, last):
    """Stack Jacobian columns (jvp results, last=True) or rows (vjp results) into
    J of shape out_shape + in_shape."""
    shape = tuple(out_shape) + tuple(in_shape)
    if not parts:
        return make(np.zeros(shape))
    return reshape(stack(parts, -1 if last else 0), shape)


def jacobian(f: Callable[[Tensor], Tensor], x: Tensor | ArrayLike,
             mode: Literal["auto", "forward", "reverse"] = "auto") -> Tensor:
    """The Jacobian of f at x, shape f(x).shape + x.shape. mode='forward' uses forward
    propagation (n = x.size sweeps), 'reverse' backward propagation (m = f(x).size sweeps),
    'auto' whichever needs fewer sweeps."""
    if mode not in ("auto", "forward", "reverse"):
        raise ValueError(f"jacobian: mode must be 'auto', 'forward' or 'reverse', not {mode!r}")
    x = _as_input(x, "jacobian")
    if mode == "auto":
        with no_grad():                       # only the output's size is needed
            out = f(x)
        mode = "forward" if x.size <= np.size(out.array) else "reverse"
    return (jacfwd if mode == "forward" else jacrev)(f)(x)


def hessian(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """The Hessian ∂²f/∂x², by forward propagation over backward propagation (jacfwd of jacrev):
    shape x.shape + x.shape for a one-element f. As torch.func.hessian (and JAX), a non-scalar
    f gives the Jacobian of its Jacobian, f(x).shape + x.shape + x.shape, rather than an error
    (gg.autograd.functional.hessian requires one element, as PyTorch's)."""
    def checked(*args):
        out = f(*args)
        if not isinstance(out, Tensor):
            raise TypeError(f"hessian: the function must return a tensor, got "
                            f"{type(out).__name__}")
        return out
    h = jacfwd(jacrev(checked, argnums), argnums)

    @wraps(f)
    def hess(*args):
        for i in _argnums(argnums, len(args), "hessian"):
            _as_input(args[i], "hessian")
        return h(*args)
    return hess


class _TangentDtypeError(DtypeError, ValueError):
    """A tangent that is not floating point: torch.func.jvp raises ValueError, graphgrad's dtype
    errors are TypeErrors."""

