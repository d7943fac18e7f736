"""torch.func's interface: grad, grad_and_value, vjp, jvp, jacrev, jacfwd, hessian, vmap and
functional_call, on graphgrad's transforms, with PyTorch's signatures and return conventions.

Arguments and results may be pytrees — tuples, lists, dicts and namedtuples of tensors — as in
torch.func: grad of a function of a dict of parameters is a dict of gradients. grad requires a
0-d output, as PyTorch does. Results are plain tensors unless they depend on tensors that
require grad outside the transform (then they stay differentiable), and the transforms nest
(hessian = jacfwd(jacrev(f))).

vmap (graphgrad.vmap) is a loop over the batch axis: see there.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any

import numpy as np

from . import _state
from .grad_mode import enable_grad
from .pytree import tree_flatten, tree_unflatten
from .tensor import Tensor, make
from .transforms import (
    _as_input,
    _assemble,
    _basis,
    _depends_outside,
    _pullback,
    _watch,
)
from .transforms import jvp as _jvp
from .vmap import vmap

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "vmap",
           "functional_call"]


# ------------------------------------------------------------------------------ helpers
def _checked_argnums(argnums, nargs, who):
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums:
        raise RuntimeError(f"{who}: argnums must be non-empty")
    for i in nums:
        if not isinstance(i, int):
            raise RuntimeError(f"{who}: argnums must be int or Tuple[int, ...], got {argnums}")
        if not -nargs <= i < nargs:
            raise RuntimeError(f"{who}: Got argnum={i}, but only {nargs} positional inputs")
    return tuple(i % nargs for i in nums)


def _split_args(args, argnums, who):
    """(the differentiated part: args[argnums] or a tuple of them, a function putting a
    replacement of that part back into the arguments)."""
    nums = _checked_argnums(argnums, len(args), who)

    def put(part):
        full = list(args)
        for i, value in zip(nums, (part,) if isinstance(argnums, int) else part):
            full[i] = value
        return full
    return (args[nums[0]] if isinstance(argnums, int) else tuple(args[i] for i in nums)), put


def _split_aux(out, has_aux, who):
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(f"{who}: output of function f should be a tuple: (output, aux) if "
                           "has_aux is True")
    return out


def _tensor_leaves(out, who):
    leaves, spec = tree_flatten(out)
    for o in leaves:
        if not isinstance(o, Tensor):
            raise RuntimeError(f"{who}: Expected f(*args) to return only Tensors, got "
                               f"{type(o).__name__}")
    return leaves, spec


def _plain(t, xs, floor, outside=None):
    """A result as a plain tensor, unless it depends on something requiring grad outside the
    transform (outside: known already) or carries an enclosing jvp's tangents."""
    if not isinstance(t, Tensor) or not t.requires_grad or t._tangents:
        return t
    if outside is None:
        outside = _depends_outside([t], xs, floor)
    return t if outside else make(t.array)


def _recorded_call(func, diff, put, kwargs, who):
    """func called on watched copies of the differentiated leaves: (leaves' watchers, spec,
    output, floor)."""
    leaves, spec = tree_flatten(diff)
    floor = next(_state.clock)
    xs = [_watch(_as_input(x, who)) for x in leaves]
    with enable_grad():
        out = func(*put(tree_unflatten(xs, spec)), **kwargs)
    return xs, spec, out, floor


# ------------------------------------------------------------------------------ reverse
def grad_and_value(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0,
                   has_aux: bool = False) -> Callable[..., Any]:
    """A function returning (∂f/∂args[argnums], f(*args)) — ((grad, (value, aux)) with
    has_aux) — for f returning a 0-d tensor; the gradient has the structure of the argument."""
    who = "grad_and_value(f)(*args)"

    @wraps(func)
    def wrapper(*args, **kwargs):
        diff, put = _split_args(args, argnums, who)
        xs, spec, out, floor = _recorded_call(func, diff, put, kwargs, who)
        out, aux = _split_aux(out, has_aux, who)
        if not isinstance(out, Tensor):
            raise RuntimeError(f"{who}: Expected f(*args) to return a Tensor, got {type(out)}")
        if out.ndim != 0:
            raise RuntimeError(f"{who}: Expected f(*args) to return a scalar Tensor, got tensor "
                               f"with {out.ndim} dims. Maybe you wanted to use the vjp or "
                               "jacrev APIs instead?")
        record = _depends_outside([out], xs, floor)
        pull = _pullback([out], xs, floor, retain=False, record=record)
        grads = tree_unflatten(list(pull([None])), spec)
        value = _plain(out, xs, floor, record)
        if has_aux:
            leaves, aux_spec = tree_flatten(aux)
            return grads, (value, tree_unflatten([_plain(a, xs, floor) for a in leaves],
                                                 aux_spec))
        return grads, value
    return wrapper


def grad(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0,
         has_aux: bool = False) -> Callable[..., Any]:
    """The gradient function of f returning a 0-d tensor: grad(f)(*args) = ∂f/∂args[argnums]
    (with has_aux, (gradient, aux)), shaped like the argument (torch.func.grad)."""
    gv = grad_and_value(func, argnums, has_aux)

    @wraps(func)
    def wrapper(*args, **kwargs):
        grads, value = gv(*args, **kwargs)
        return (grads, value[1]) if has_aux else grads
    return wrapper


def vjp(func: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple[Any, ...]:
    """(func(*primals), vjp_fn[, aux]): vjp_fn(cotangents), with cotangents structured as the
    output, gives a tuple with one gradient per primal, structured as the primals; it may be
    called any number of times (torch.func.vjp)."""
    who = "vjp(f, *primals)"
    xs, spec, out, floor = _recorded_call(func, primals, lambda part: part, {}, who)
    out, aux = _split_aux(out, has_aux, who)
    out_leaves, out_spec = _tensor_leaves(out, who)
    record = _depends_outside([o for o in out_leaves if o.requires_grad], xs, floor)
    pull = _pullback(out_leaves, xs, floor, retain=True, record=record)

    def vjp_fn(cotangents):
        leaves, ct_spec = tree_flatten(cotangents)
        if ct_spec != out_spec:
            raise RuntimeError("Expected pytree structure of cotangents to be the same as pytree "
                               f"structure of outputs to the function. cotangents: {ct_spec}, "
                               f"primal output: {out_spec}")
        return tree_unflatten(list(pull(leaves)), spec)
    output = tree_unflatten([_plain(o, xs, floor, record) for o in out_leaves], out_spec)
    return (output, vjp_fn, aux) if has_aux else (output, vjp_fn)


# ------------------------------------------------------------------------------ forward
def jvp(func: Callable[..., Any], primals: tuple, tangents: tuple, *,
        has_aux: bool = False) -> tuple[Any, ...]:
    """(func(*primals), J·tangents[, aux]), tangents structured as the primals and the result
    as the output: forward propagation in one sweep (torch.func.jvp)."""
    who = "jvp(f, primals, tangents)"
    if not isinstance(primals, tuple):
        raise RuntimeError(f"{who}: Expected primals to be a tuple. E.g. it should be valid to "
                           "call f(*primals).")
    leaves, spec = tree_flatten(primals)
    tangent_leaves, tangent_spec = tree_flatten(tangents)
    if spec != tangent_spec:
        raise RuntimeError(f"{who}: Expected primals and tangents to have the same python "
                           "structure. For example, if primals is a tuple of 3 tensors, tangents "
                           f"also must be. Got primals with structure {spec} and tangents with "
                           f"structure {tangent_spec}")
    seen = {}

    def flat(*xs):
        out, seen["aux"] = _split_aux(func(*tree_unflatten(list(xs), spec)), has_aux, who)
        out_leaves, seen["spec"] = _tensor_leaves(out, who)
        return list(out_leaves)
    out, tangent = _jvp(flat, leaves, tangent_leaves)
    result = (tree_unflatten(list(out), seen["spec"]),
              tree_unflatten(list(tangent), seen["spec"]))
    return (*result, seen["aux"]) if has_aux else result


# ------------------------------------------------------------------------------ Jacobians
def _nest(per_output, out_spec, arg_spec):
    """J as torch.func gives it: the output's structure, each leaf holding the argument's
    structure of Jacobian blocks."""
    return tree_unflatten([tree_unflatten(blocks, arg_spec) for blocks in per_output], out_spec)


def jacrev(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0, *,
           has_aux: bool = False, chunk_size: int | None = None) -> Callable[..., Any]:
    """The Jacobian by backward propagation, one vjp sweep per output element; the block for
    output o and argument x has shape o.shape + x.shape (torch.func.jacrev). The sweeps run
    one after another whatever chunk_size says."""
    if chunk_size is not None and not (isinstance(chunk_size, int) and chunk_size > 0):
        raise ValueError("jacrev: `chunk_size` should be greater than 0.")
    who = "jacrev(f, argnums)(*args)"

    @wraps(func)
    def wrapper(*args):
        diff, put = _split_args(args, argnums, who)
        xs, spec, out, floor = _recorded_call(func, diff, put, {}, who)
        out, aux = _split_aux(out, has_aux, who)
        out_leaves, out_spec = _tensor_leaves(out, who)
        record = _depends_outside([o for o in out_leaves if o.requires_grad], xs, floor)
        pull = _pullback(out_leaves, xs, floor, retain=True, record=record)
        zeros = [np.zeros(o.shape, o.dtype) for o in out_leaves]
        per_output = []
        for k, o in enumerate(out_leaves):
            rows = [pull(zeros[:k] + [e] + zeros[k + 1:]) for e in _basis(o)]
            per_output.append([_assemble([r[a] for r in rows], o.shape, x.shape, last=False)
                               for a, x in enumerate(xs)])
        jac = _nest(per_output, out_spec, spec)
        return (jac, aux) if has_aux else jac
    return wrapper


def jacfwd(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0,
           has_aux: bool = False) -> Callable[..., Any]:
    """The Jacobian by forward propagation, one jvp per element of the arguments; blocks as in
    jacrev (torch.func.jacfwd)."""
    who = "jacfwd(f, argnums)(*args)"

    @wraps(func)
    def wrapper(*args):
        diff, put = _split_args(args, argnums, who)
        leaves, spec = tree_flatten(diff)
        leaves = [_as_input(x, who) for x in leaves]
        seen = {}

        def flat(*xs):
            out, seen["aux"] = _split_aux(func(*put(tree_unflatten(list(xs), spec))), has_aux,
                                          who)
            out_leaves, seen["spec"] = _tensor_leaves(out, who)
            seen["shapes"] = [o.shape for o in out_leaves]
            return list(out_leaves)
        columns = []
        for a, x in enumerate(leaves):
            zeros = [np.zeros(y.shape, y.dtype) for y in leaves]
            columns.append([_jvp(flat, leaves, zeros[:a] + [e.array] + zeros[a + 1:])[1]
                            for e in _basis(x)])
        if "spec" not in seen:                   # no argument has an element
            flat(*leaves)
        per_output = [[_assemble([c[k] for c in columns[a]], shape, x.shape, last=True)
                       for a, x in enumerate(leaves)] for k, shape in enumerate(seen["shapes"])]
        jac = _nest(per_output, seen["spec"], spec)
        return (jac, seen["aux"]) if has_aux else jac
    return wrapper


def hessian(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """The Hessian of f returning one element, jacfwd(jacrev(f, argnums), argnums): forward
    over backward propagation (torch.func.hessian)."""
    return jacfwd(jacrev(func, argnums), argnums)


# ------------------------------------------------------------------------------ modules
def functional_call(module: Any, parameter_and_buffer_dicts: dict | Sequence[dict],
                    args: Any = None, kwargs: dict | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """module(*args, **kwargs) with some of its parameters and buffers replaced by the given
    tensors (by their state-dict names) for this one call (torch.func.functional_call), so
    that gradients flow to the given tensors: grad(lambda p: loss(functional_call(m, p, x)))."""
    values = _merged(parameter_and_buffer_dicts)
    named = dict(module.named_parameters(remove_duplicate=False))
    named.update(module.named_buffers(remove_duplicate=False))
    if tie_weights:
        values = _untied(named, values)
    if strict:
        unexpected = [k for k in values if k not in named]
        missing = [k for k in named if k not in values]
        msgs = ([f"Unexpected key(s): {', '.join(map(repr, unexpected))}."] if unexpected
                else []) + ([f"Missing key(s): {', '.join(map(repr, missing))}."] if missing
                            else [])
        if msgs:
            raise RuntimeError(f"Error(s) in reparametrizing for {type(module).__name__}:\n\t"
                               + "\n\t".join(msgs))
    args = () if args is None else args if isinstance(args, tuple) else (args,)
    saved = []
    try:
        for name, value in values.items():
            owner, attr = _owner(module, name)
            for place in [owner.__dict__] + [r for r in (owner.__dict__.get("_parameters"),
                                                         owner.__dict__.get("_buffers"))
                                              if isinstance(r, dict) and attr in r]:
                saved.append((place, attr, attr in place, place.get(attr)))
                place[attr] = value
        return module(*args, **(kwargs or {}))
    finally:
        for place, attr, existed, old in reversed(saved):
            if existed:
                place[attr] = old
            else:
                del place[attr]


def _merged(dicts):
    if isinstance(dicts, dict):
        return dict(dicts)
    if not isinstance(dicts, (list, tuple)) or not all(isinstance(d, dict) for d in dicts):
        raise ValueError("Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of "
                         f"dicts, but got {type(dicts)}")
    keys = [k for d in dicts for k in d]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise ValueError(f"{repeated} appeared in multiple dictionaries; behavior of functional "
                         "call is ambiguous")
    return {k: v for d in dicts for k, v in d.items()}


def _untied(named, values):
    """Given tensors for every name of a tied (shared) parameter, as PyTorch's tie_weights."""
    groups = {}
    for name, t in named.items():
        groups.setdefault(id(t), set()).add(name)
    untied = dict(values)
    for name in values:
        tied = groups.get(id(named.get(name)), {name}) if name in named else {name}
        given = tied & set(values)
        if len(given) > 1 and len({id(values[n]) for n in given}) != 1:
            raise ValueError(f"functional_call got multiple values for keys {sorted(tied)}, "
                             "which are tied. Consider using tie_weights=False")
        for other in tied:
            untied[other] = values[name]
    return untied


def _owner(module, name):
    """(the submodule holding the tensor called `name`, the attribute): the parameter or buffer
    is swapped in the submodule's attributes and in its registry (so that parameters() and
    state_dict() inside the call see the given tensors too)."""
    path, _, attr = name.rpartition(".")
    owner = module
    for part in path.split(".") if path else ():
        owner = getattr(owner, part)
    return owner, attr
