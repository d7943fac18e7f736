"""vmap by a loop: func mapped over a batch axis of its arguments, one call per batch element,
the results stacked (torch.vmap's interface, gg.func.vmap).

It gives vmap's results for functions of one example — differentiable, nestable, any in_dims
and out_dims — at the cost of one call per element; a function that draws random numbers draws
anew for each element (as randomness='different'). chunk_size is accepted and changes nothing.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from .ops import getitem, stack
from .pytree import tree_flatten, tree_unflatten
from .tensor import Tensor

__all__ = ["vmap"]


def _batch_dims(in_dims, args):
    """One in_dim per leaf of args (int or None), from an int, None or a tuple per argument."""
    if isinstance(in_dims, int):
        return [in_dims] * len(tree_flatten(args)[0])
    if not isinstance(in_dims, tuple) or len(in_dims) != len(args):
        raise ValueError(f"vmap(f, in_dims={in_dims}, ...)(<inputs>): expected `in_dims` to be "
                         "int or a (potentially nested) tuple matching the structure of inputs "
                         f"(one entry per positional argument, {len(args)} here), got: "
                         f"{type(in_dims)}.")
    dims = []
    for d, a in zip(in_dims, args):
        n = len(tree_flatten(a)[0])
        dims += [d] * n if isinstance(d, int) or d is None else tree_flatten(d)[0]
    return dims


def _select(x, dim, b):
    return getitem(x, (slice(None),) * dim + (b,))


def vmap(func: Callable[..., Any], in_dims: Any = 0, out_dims: Any = 0, *,
         chunk_size: int | None = None) -> Callable[..., Any]:
    """func mapped over a batch axis of its arguments (in_dims: an int for all, or a tuple
    with one entry per argument, None for an unbatched one), the results stacked along
    out_dims: a loop, one call of func per batch element (see the module docstring);
    chunk_size changes nothing here."""
    if chunk_size is not None and not (isinstance(chunk_size, int) and chunk_size > 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got "
                         f"{chunk_size})")

    @wraps(func)
    def wrapper(*args, **kwargs):
        leaves, spec = tree_flatten(args)
        dims = _batch_dims(in_dims, args)
        sizes = []
        for x, d in zip(leaves, dims):
            if d is None:
                continue
            if not isinstance(x, Tensor):
                raise ValueError(f"vmap: Got in_dim={d} for an input but the input is of type "
                                 f"{type(x)}. We cannot vmap over non-Tensor arguments, please "
                                 "use None as the respective in_dim")
            if not -x.ndim <= d < x.ndim:
                raise ValueError(f"vmap: Got in_dim={d} for some input, but that input is a "
                                 f"Tensor of dimensionality {x.ndim} so expected in_dim to "
                                 f"satisfy -{x.ndim} <= in_dim < {x.ndim}.")
            sizes.append(x.shape[d])
        if not sizes:
            raise ValueError(f"vmap: Expected at least one Tensor to vmap over (in_dims="
                             f"{in_dims}: no Tensor input has an in_dim that is not None)")
        if len(set(sizes)) != 1:
            raise ValueError("vmap: Expected all tensors to have the same size in the mapped "
                             f"dimension, got sizes {sizes} for the mapped dimension")
        if sizes[0] == 0:
            raise ValueError("vmap: a batch of size 0 cannot be mapped by graphgrad's vmap, "
                             "which calls the function once per element")
        results = []
        for b in range(sizes[0]):
            sliced = [x if d is None else _select(x, d % x.ndim, b)
                      for x, d in zip(leaves, dims)]
            results.append(tree_flatten(func(*tree_unflatten(sliced, spec), **kwargs)))
        return _stack_results(results, out_dims)
    return wrapper


def _stack_results(results, out_dims):
    out_spec = results[0][1]
    if any(s != out_spec for _, s in results):
        raise ValueError("vmap: the function returned results of different structures for "
                         "different batch elements")
    n = len(results[0][0])
    if isinstance(out_dims, int) or out_dims is None:
        dims = [out_dims] * n
    else:
        dims = tree_flatten(out_dims)[0]
        if len(dims) != n:
            raise ValueError(f"vmap: out_dims={out_dims} is not compatible with the structure of "
                             "the outputs")
    stacked = []
    for k, d in enumerate(dims):
        column = [r[0][k] for r in results]
        if not isinstance(column[0], Tensor):
            raise ValueError(f"vmap: the function must only return Tensors, got type "
                             f"{type(column[0])}")
        stacked.append(column[0] if d is None else stack(column, d))
    return tree_unflatten(stacked, out_spec)
