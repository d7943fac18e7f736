"""The primitives and the operations composed from them, by family.

Every function here accepts Tensors (recording the graph when an input requires grad) as well as
plain ndarrays and numbers (returning plain NumPy results).

    elementwise  arithmetic, exp/log, trigonometry, σ/tanh/relu, where, clip, astype
    reduce       sum, mean, prod, max/min, logsumexp, var/std, cumsum
    shape        reshape, transpose, broadcast_to/sum_to, concatenate/stack, pad, split
    index        getitem and its adjoint index_add, gather, take_along_axis
    linalg       matmul, dot, outer          compare   comparisons and logic (no gradient)
    softmax      softmax, log_softmax        linear    x Wᵀ + b, fused
    losses       cross-entropy, binary cross-entropy, fused with their softmax or sigmoid
    activations  softplus, leaky_relu, elu, silu, gelu, Φ, the binary threshold
    normalization  layer_norm and batch_norm, one fused primitive
    special      erfc for Φ and GELU (no gradient of its own)

Adding a primitive (here atan, in elementwise.py):

1. Declare its forward computation on NumPy arrays with ``@primitive``: positional parameters
   are operands, keyword-only ones static parameters; ``examples`` gives sample operands for the
   registry-wide test; ``saves`` what the rules read ('inputs', 'out', ...)::

       @primitive(examples=unary(), saves=("inputs",), ufunc=np.arctan)
       def atan(x):
           "arctan x; ∂/∂x = 1 / (1 + x²)."

2. State its rules next to it, written with graphgrad operations (so that they run on arrays
   for a fast backward and on tensors for higher order), one per operand (None where no
   derivative flows): ``defelementwise(rule)`` for an elementwise primitive (v ↦ v ⊙ ∂y/∂x
   serves both modes), else ``defvjp(...)`` (g ↦ ∂L/∂x_i) and ``defjvp(...)`` (ẋ_i ↦ its term of
   ẏ), or ``deflinear()`` where the primitive is linear in its operands::

       atan.defelementwise(lambda v, out, x: v / (1 + x * x))

3. Export it here (and as a Tensor method in _tensor_methods.py if PyTorch has one).
4. Run ``pytest tests/ops/test_primitives.py``: it finds the new primitive in the registry and
   checks both rules, to second order, against finite differences. Optionally give the graph
   view ``notation=``, ``vjp_text=`` and ``cost=`` (see graphgrad.primitives.primitive).
"""
# the fused families register their primitives on import (gg.nn.functional calls them)
from . import activations, linear, losses, normalization  # noqa: F401
from .compare import (
    all,
    any,
    argmax,
    argmin,
    bitwise_and,
    bitwise_or,
    bitwise_xor,
    eq,
    ge,
    gt,
    invert,
    isfinite,
    isinf,
    isnan,
    le,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    ne,
)
from .elementwise import (
    abs,
    add,
    arctan,
    atan,
    ceil,
    clip,
    cos,
    div,
    exp,
    expm1,
    floor,
    identity,
    log,
    log1p,
    maximum,
    minimum,
    mul,
    neg,
    pow,
    relu,
    round,
    sigmoid,
    sign,
    sin,
    sqrt,
    sub,
    tan,
    tanh,
    where,
)
from .index import gather, getitem, take_along_axis
from .linalg import dot, matmul, outer
from .reduce import logsumexp, max, mean, min, prod, std, sum, var
from .shape import (
    broadcast_to,
    concatenate,
    expand_dims,
    flatten,
    pad,
    permute,
    reshape,
    split,
    squeeze,
    stack,
    sum_to,
    swapaxes,
    transpose,
)
from .softmax import log_softmax, softmax

__all__ = sorted(name for name, value in dict(globals()).items()
                 if not name.startswith("_") and callable(value))
