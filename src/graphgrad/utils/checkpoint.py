"""Gradient checkpointing, as torch.utils.checkpoint: trade memory for recomputation (003 §3.3).

Backward propagation needs the activations of the forward pass ("intermediate outputs of the
forward pass are required → memory consumption (or re-computation)", 003 §3.3). ``checkpoint(fn,
*args)`` keeps only the inputs of fn (and its output) and runs fn's forward a second time during
the backward pass, when its activations are needed: a network of L layers cut into √L segments
holds O(√L) activations instead of O(L), for about one extra forward pass.

It is one custom autograd Function (graphgrad.autograd.Function) whose backward recomputes fn
with recording on and back-propagates through the recomputed graph with gg.autograd.grad, so the
gradients are exactly those without checkpointing. The global random generator is put back to
its state at the first call for the recomputation (preserve_rng_state), so dropout masks agree.

- use_reentrant=False (recommended, as in PyTorch): fn is run once with recording on to find the
  leaves it uses that require grad (parameters of a module, captured tensors); that graph is
  dropped at once. Those leaves become inputs of the Function, so gg.autograd.grad, .backward(),
  keyword arguments and create_graph (higher order: gg.grad of gg.grad) all work.
- use_reentrant=True (PyTorch's default when the argument is left out, with a warning): fn runs
  without recording; the backward accumulates the gradients of the parameters inside fn
  straight into their .grad (so only .backward() sees them, as in PyTorch), needs an input that
  requires grad, and refuses keyword arguments and create_graph.

Refused with an error: forward-mode AD through a checkpoint (gg.jvp), and, with
use_reentrant=False, a tensor captured by fn that was computed outside it with recording (not a
leaf): pass it as an argument instead.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..autograd import Function
from ..autograd import backward as autograd_backward
from ..autograd import grad as autograd_grad
from ..errors import GradientError
from ..grad_mode import enable_grad, is_grad_enabled, no_grad
from ..random import default_generator
from ..tensor import Tensor, make

__all__ = ["checkpoint", "checkpoint_sequential"]


def checkpoint(function: Callable[..., Any], *args: Any, use_reentrant: bool | None = None,
               preserve_rng_state: bool = True, **kwargs: Any) -> Any:
    """function(*args, **kwargs), keeping only its inputs and output for backward and running
    its forward again when the backward pass reaches it (torch.utils.checkpoint.checkpoint).
    Gradients equal those of function(*args) itself."""
    if use_reentrant is None:
        warnings.warn("graphgrad.utils.checkpoint: the use_reentrant parameter should be passed "
                      "explicitly; use_reentrant=False is recommended. Leaving it out means "
                      "use_reentrant=True, as in PyTorch.", stacklevel=2)
        use_reentrant = True
    if use_reentrant:
        if kwargs:
            raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
        if not is_grad_enabled():
            return function(*args)
        return _Reentrant.apply(function, preserve_rng_state, *args)
    if not is_grad_enabled():
        return function(*args, **kwargs)
    rng = default_generator.get_state() if preserve_rng_state else None
    start = _now()
    with enable_grad():
        out = function(*args, **kwargs)
    leaves = _captured_leaves(out, args, start)
    outs = out if isinstance(out, tuple) else (out,)
    values = tuple(o.detach() if isinstance(o, Tensor) else o for o in outs)
    is_tuple = isinstance(out, tuple)
    del out, outs                  # the recorded activations go here: only values remain
    run = _Run(function, kwargs, rng, args, leaves, values, is_tuple)
    return _NonReentrant.apply(run, *args, *leaves)


def checkpoint_sequential(functions: Any, segments: int, input: Tensor,
                          use_reentrant: bool | None = None, **kwargs: Any) -> Tensor:
    """Run functions (an nn.Sequential or a list of modules or functions) one after the other
    on input, cut into `segments` chunks of len // segments; every chunk but the last is
    checkpointed (torch.utils.checkpoint.checkpoint_sequential)."""
    if use_reentrant is None:
        warnings.warn("graphgrad.utils.checkpoint.checkpoint_sequential: the use_reentrant "
                      "parameter should be passed explicitly; use_reentrant=False is "
                      "recommended. Leaving it out means use_reentrant=True, as in PyTorch.",
                      stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if not isinstance(functions, Sequence) and hasattr(functions, "children"):
        functions = list(functions.children())
    functions = list(functions)
    if not 1 <= segments <= len(functions):    # PyTorch fails here inside range() or on a / 0
        raise ValueError(f"checkpoint_sequential: segments must be between 1 and the number of "
                         f"functions ({len(functions)}), got {segments}")
    size = len(functions) // segments
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(_chain(functions[start:end + 1]), input,
                           use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return _chain(functions[end + 1:])(input)


def _chain(functions):
    def forward(x):
        for f in functions:
            x = f(x)
        return x
    return forward


# ---------------------------------------------------------------------- use_reentrant=False
class _Run:
    """What the backward needs to run the function again."""

    def __init__(self, function, kwargs, rng, args, leaves, values, is_tuple):
        self.function, self.kwargs, self.rng = function, kwargs, rng
        self.n_args, self.leaves = len(args), leaves
        self.plain = [None if isinstance(a, Tensor) else a for a in args]
        self.is_tensor = [isinstance(a, Tensor) for a in args]
        self.values, self.is_tuple = values, is_tuple


def _now():
    """The recording tick of an operation recorded now: every node fn records comes later."""
    probe = make(np.zeros(()))
    probe.requires_grad = True
    return (-probe).grad_fn.tick


def _captured_leaves(out, args, start):
    """The leaves requiring grad that fn's recorded graph reaches, other than its arguments:
    its parameters. A node recorded before the call that is not an argument's is refused."""
    arg_nodes = {id(a.grad_fn) for a in args if isinstance(a, Tensor) and a.grad_fn is not None}
    arg_ids = {id(a) for a in args if isinstance(a, Tensor)}
    outs = out if isinstance(out, tuple) else (out,)
    stack = [o.grad_fn for o in outs if isinstance(o, Tensor) and o.grad_fn is not None]
    seen, leaves = set(), {}
    while stack:
        node = stack.pop()
        if id(node) in seen or id(node) in arg_nodes:
            continue
        seen.add(id(node))
        if node.tick < start:
            raise GradientError(
                "checkpoint(use_reentrant=False): the function uses a tensor computed outside "
                f"it with recording ({node.op}); pass that tensor as an argument of checkpoint "
                "so that its gradient flows")
        for p in node.parents:
            if isinstance(p, Tensor):
                if id(p) not in arg_ids and p.requires_grad:
                    leaves.setdefault(id(p), p)
            elif p is not None:
                stack.append(p)
    for o in outs:       # a leaf returned as it is (fn = lambda x: w) needs no recomputation
        if isinstance(o, Tensor) and o.grad_fn is None and o.requires_grad \
                and id(o) not in arg_ids:
            leaves.setdefault(id(o), o)
    return list(leaves.values())


class _NonReentrant(Function):
    """y = function(*args) with args and the captured leaves as inputs; backward recomputes."""

    @staticmethod
    def forward(ctx, run, *tensors):
        ctx.run = run
        ctx.save_for_backward(*[t for t in tensors[:run.n_args] if isinstance(t, Tensor)])
        values, run.values = run.values, None
        return values if run.is_tuple else values[0]

    @staticmethod
    def backward(ctx, *grads):
        run = ctx.run
        saved = iter(ctx.saved_tensors)
        n = run.n_args
        recording = is_grad_enabled()       # create_graph: the backward itself is recorded
        args = []
        for i, is_tensor in enumerate(run.is_tensor):
            a = next(saved) if is_tensor else run.plain[i]
            if is_tensor and not recording:
                a = a.detach().requires_grad_(ctx.needs_input_grad[1 + i])
            args.append(a)
        with _rng_as(run.rng), enable_grad():
            out = run.function(*args, **run.kwargs)
        outs = out if isinstance(out, tuple) else (out,)
        targets = [(1 + i, a) for i, a in enumerate(args)
                   if run.is_tensor[i] and ctx.needs_input_grad[1 + i]]
        targets += [(1 + n + j, p) for j, p in enumerate(run.leaves)
                    if ctx.needs_input_grad[1 + n + j]]
        ys, gs = [], []
        for o, g in zip(outs, grads):
            if isinstance(o, Tensor) and o.requires_grad and g is not None:
                ys.append(o)
                gs.append(g)
        result: list[Any] = [None] * (1 + n + len(run.leaves))
        if ys and targets:
            found = autograd_grad(ys, [t for _, t in targets], gs, create_graph=recording,
                                  allow_unused=True)
            for (k, _), g in zip(targets, found):
                result[k] = g
        return tuple(result)

    @staticmethod
    def jvp(ctx, *tangents):
        raise GradientError("checkpoint does not support forward-mode AD (gg.jvp, jacfwd, "
                            "hessian's forward-over-backward): call the function without "
                            "checkpoint there")


# ---------------------------------------------------------------------- use_reentrant=True
class _Reentrant(Function):
    """PyTorch's CheckpointFunction: forward without recording; backward recomputes with the
    saved inputs and runs a backward sweep of its own, accumulating into parameters' .grad."""

    @staticmethod
    def forward(ctx, function, preserve, *args):
        ctx.function = function
        ctx.rng = default_generator.get_state() if preserve else None
        ctx.plain = [None if isinstance(a, Tensor) else a for a in args]
        ctx.is_tensor = [isinstance(a, Tensor) for a in args]
        ctx.save_for_backward(*[a for a in args if isinstance(a, Tensor)])
        with no_grad():
            return function(*args)

    @staticmethod
    def backward(ctx, *grads):
        if is_grad_enabled():
            raise GradientError("checkpoint(use_reentrant=True) does not support create_graph "
                                "or higher-order gradients; pass use_reentrant=False")
        saved = iter(ctx.saved_tensors)
        args = []
        for i, p in enumerate(ctx.plain):
            if ctx.is_tensor[i]:
                a = next(saved).detach()
                a.requires_grad_(ctx.needs_input_grad[2 + i])
                args.append(a)
            else:
                args.append(p)
        with _rng_as(ctx.rng), enable_grad():
            out = ctx.function(*args)
        outs = out if isinstance(out, tuple) else (out,)
        ys, gs = [], []
        for o, g in zip(outs, grads):
            if isinstance(o, Tensor) and o.requires_grad and g is not None:
                ys.append(o)
                gs.append(g)
        if not ys:
            raise GradientError("none of output has requires_grad=True, this checkpoint() is "
                                "not necessary")
        autograd_backward(ys, gs)
        return (None, None, *[a.grad if isinstance(a, Tensor) else None for a in args])

    @staticmethod
    def jvp(ctx, *tangents):
        raise GradientError("checkpoint does not support forward-mode AD (gg.jvp, jacfwd, "
                            "hessian's forward-over-backward): call the function without "
                            "checkpoint there")


class _rng_as:
    """Run a block with the global generator in `state` (None: as it is), then put back the
    state it had before the block."""

    def __init__(self, state):
        self.state = state

    def __enter__(self):
        if self.state is not None:
            self.before = default_generator.get_state()
            default_generator.set_state(self.state)

    def __exit__(self, *exc):
        if self.state is not None:
            default_generator.set_state(self.before)
        return False
