"""The primitives and the operations composed from them, by family.

Every function here accepts Tensors (recording the graph when an input requires grad) as well as
plain ndarrays and numbers (returning plain NumPy results).

    elementwise  arithmetic, exp/log, trigonometry, σ/tanh/relu, where, astype; promotion
                 PyTorch's type promotion; clamp (clip); explog  log2, exp2, rsqrt, logaddexp,
                 xlogy, float_power; trig  sinh…atanh, atan2, hypot, sinc; rounding  trunc,
                 remainder, fmod, floor_divide, copysign, nan_to_num, lerp; erf  erf/erfc/erfinv
    reduce       sum, mean, prod, amax/amin, logsumexp, nansum/nanmean, all/any
    statistics   var, std, var_mean, std_mean   scan   cumsum, cumprod, logcumsumexp, cummax
    sorting      max/min (values, indices), argmax, sort, topk, kthvalue; order_statistics
                 median, nanmedian, mode       norms  vector_norm, matrix_norm, norm (svd)
    shape        reshape, view, flatten, squeeze, expand, broadcast_to/sum_to, atleast_nd
    views        permute, transpose, movedim, narrow, select, flip, rot90, roll
    joins        cat/stack, split/chunk/unbind, repeat, tile, repeat_interleave, meshgrid
    diagonal     diagonal, diag, diag_embed, trace, tril, triu     padding   pad, pad_nd
    index        getitem and its adjoint, gather, index_select, take, masked_select, nonzero
    scatter      scatter, scatter_add, scatter_reduce, index_add, index_fill, masked_fill
    linalg       matmul      products  mm, bmm, mv, dot, outer, addmm, kron, cross, tensordot
    einsum       einsum      compare   comparisons, logic, isclose (no gradient)
    softmax      softmax, log_softmax        linear    x Wᵀ + b, fused
    losses       cross-entropy, binary cross-entropy, fused with their softmax or sigmoid
    activations  softplus, leaky_relu, elu, silu, gelu, Φ, the binary threshold
    normalization  layer_norm and batch_norm, one fused primitive
    pooling      max_pool1d/2d, avg_pool1d/2d; adaptive_pool  adaptive avg/max pools
    resample     interpolate, pixel_shuffle, pixel_unshuffle
    convolution  conv1d, conv2d, conv_transpose2d (im2col + GEMM); im2col  unfold, fold
    special      erf, erfc (also for Φ and GELU), erfinv on float64 arrays (no gradient)

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
from . import activations, linear, losses, normalization, return_types, view_write  # noqa: F401
from .adaptive_pool import adaptive_avg_pool1d
from .adaptive_pool import torch_adaptive_max_pool1d as adaptive_max_pool1d
from .arith import (
    absolute,
    add,
    addcdiv,
    addcmul,
    bitwise_left_shift,
    bitwise_not,
    bitwise_right_shift,
    diff,
    div,
    divide,
    greater,
    greater_equal,
    less,
    less_equal,
    multiply,
    negative,
    not_equal,
    promote_types,
    result_type,
    sub,
    subtract,
    true_divide,
)
from .clamp import clamp, clamp_max, clamp_min, clip
from .clone import clone
from .compare import (
    allclose,
    bitwise_and,
    bitwise_or,
    bitwise_xor,
    eq,
    equal,
    ge,
    gt,
    invert,
    isclose,
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
from .convolution import conv1d, conv2d, conv_transpose2d
from .diagonal import diag, diag_embed, diagonal, tril, triu
from .einsum import einsum
from .elementwise import (
    abs,
    arctan,
    atan,
    ceil,
    cos,
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
    sigmoid,
    sign,
    sin,
    sqrt,
    tan,
    tanh,
)
from .erf import erf, erfc, erfinv
from .explog import (
    exp2,
    float_power,
    log2,
    log10,
    logaddexp,
    logaddexp2,
    reciprocal,
    rsqrt,
    square,
    xlogy,
)
from .index import (
    argwhere,
    gather,
    getitem,
    index_select,
    masked_select,
    nonzero,
    take,
    take_along_axis,
    take_along_dim,
    where,
)
from .index_put import index_put
from .joins import (
    cat,
    chunk,
    concat,
    concatenate,
    dstack,
    hstack,
    meshgrid,
    repeat_interleave,
    split,
    stack,
    tile,
    unbind,
    vstack,
)
from .linalg import matmul
from .norms import matrix_norm, norm, vector_norm
from .order_statistics import median, mode, nanmedian
from .padding import pad
from .pooling import (  # torch.*; F.* has the rest
    avg_pool1d,
    max_pool1d,
    max_pool1d_with_indices,
    max_pool2d,
)
from .products import addmm, addmv, bmm, cross, dot, inner, kron, mm, mv, outer, tensordot
from .reduce import (
    all,
    amax,
    amin,
    any,
    count_nonzero,
    logsumexp,
    mean,
    nanmean,
    nansum,
    prod,
    sum,
)
from .resample import pixel_shuffle, pixel_unshuffle
from .rounding import (
    copysign,
    fix,
    floor_divide,
    fmod,
    frac,
    lerp,
    nan_to_num,
    positive,
    remainder,
    round,
    sgn,
    trunc,
)
from .scan import cummax, cummin, cumprod, cumsum, logcumsumexp
from .scatter import index_add, index_fill, masked_fill, scatter, scatter_add, scatter_reduce
from .shape import (
    atleast_1d,
    atleast_2d,
    atleast_3d,
    broadcast_tensors,
    broadcast_to,
    expand_dims,
    flatten,
    reshape,
    squeeze,
    sum_to,
    unflatten,
    unsqueeze,
)
from .softmax import log_softmax, softmax
from .sorting import argmax, argmin, argsort, kthvalue, max, min, sort, topk
from .statistics import std, std_mean, var, var_mean
from .tensor_split import tensor_split
from .trig import (
    acos,
    acosh,
    arccos,
    arccosh,
    arcsin,
    arcsinh,
    arctan2,
    arctanh,
    asin,
    asinh,
    atan2,
    atanh,
    cosh,
    deg2rad,
    hypot,
    rad2deg,
    sinc,
    sinh,
)
from .views import (
    flip,
    fliplr,
    flipud,
    moveaxis,
    movedim,
    narrow,
    permute,
    roll,
    rot90,
    select,
    swapaxes,
    swapdims,
    t,
    transpose,
)

__all__ = sorted(name for name, value in dict(globals()).items()
                 if not name.startswith("_") and callable(value))
