"""torch.autograd.gradcheck and gradgradcheck: PyTorch's signatures, defaults and input rules
on graphgrad's checker (graphgrad.check).

As in PyTorch, only the tensors that require grad are differentiated (the other arguments are
passed as they are), in their own dtype (a warning says when that is not float64), by backward
propagation unless check_forward_ad=True asks for forward propagation too; the full Jacobian is
compared unless fast_mode=True (random projections). gradgradcheck checks the first-order
pullback (x, w) ↦ wᵀ J(x) with respect to the inputs and the grad_outputs w alike.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..check import check_derivatives
from ..errors import GradcheckError
from ..grad_mode import no_grad
from ..tensor import Tensor, make
from ..transforms import vjp


def _as_tuple(x):
    return (x,) if isinstance(x, Tensor) else tuple(x)


def _substituted(func, args, positions):
    def f(*xs):
        full = list(args)
        for i, x in zip(positions, xs):
            full[i] = x
        return func(*full)
    return f


def gradcheck(func: Callable[..., Any], inputs: Tensor | Sequence[Any], *, eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True,
              check_grad_dtypes: bool = False, check_forward_ad: bool = False,
              check_backward_ad: bool = True, fast_mode: bool = False) -> bool:
    """Check func's derivatives with respect to the inputs that require grad against central
    finite differences (torch.autograd.gradcheck). True, or GradcheckError (False with
    raise_exception=False) where they disagree, NaN included."""
    args = _as_tuple(inputs)
    positions = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
    if not positions:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of them have requires_grad=True.")
    for i in positions:
        if args[i].dtype not in (np.float64, np.complex128):
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating "
                          "point or complex. This check will likely fail if all the inputs are "
                          "not of double precision floating point or complex.", stacklevel=2)
    xs = [np.array(args[i].array) for i in positions]
    try:
        check_derivatives(_substituted(func, args, positions), xs, eps, atol, rtol,
                          backward=check_backward_ad, forward=check_forward_ad,
                          grad_dtypes=check_grad_dtypes, fast=fast_mode,
                          max_full=np.inf)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def gradgradcheck(func: Callable[..., Any], inputs: Tensor | Sequence[Any],
                  grad_outputs: Tensor | Sequence[Tensor | None] | None = None, *,
                  eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  raise_exception: bool = True, check_grad_dtypes: bool = False,
                  check_fwd_over_rev: bool = False, check_rev_over_rev: bool = True,
                  fast_mode: bool = False, seed: int = 0) -> bool:
    """Check second derivatives: gradcheck of (inputs, grad_outputs) ↦ the gradients of func's
    outputs times grad_outputs with respect to the inputs that require grad
    (torch.autograd.gradgradcheck). Without grad_outputs, random ones (seeded) that require grad
    are used. check_rev_over_rev / check_fwd_over_rev pick backward over backward and forward
    over backward."""
    args = _as_tuple(inputs)
    positions = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
    if grad_outputs is None:
        with no_grad():
            out = func(*args)
        rng = np.random.default_rng(seed)
        grad_outputs = tuple(make(rng.normal(size=o.shape).astype(o.dtype), requires_grad=True)
                             for o in _as_tuple(out))
    grad_outputs = _as_tuple(grad_outputs)
    n = len(args)

    def first_order(*all_args):
        full, ws = all_args[:n], all_args[n:]
        out, pull = vjp(_substituted(func, full, positions), *[full[i] for i in positions])
        return pull(ws[0] if isinstance(out, Tensor) else list(ws))
    return gradcheck(first_order, args + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, check_grad_dtypes=check_grad_dtypes,
                     check_forward_ad=check_fwd_over_rev, check_backward_ad=check_rev_over_rev,
                     fast_mode=fast_mode)
