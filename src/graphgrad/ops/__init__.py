"""The primitives and the operations composed from them, by family.

Every function here accepts Tensors (recording the graph when an input requires grad) as well as
plain ndarrays and numbers (returning plain NumPy results)."""
from .compare import (all, any, argmax, argmin, bitwise_and, bitwise_or, bitwise_xor, eq, ge,
                      gt, invert, isfinite, isinf, isnan, le, logical_and, logical_not,
                      logical_or, logical_xor, lt, ne)
from .elementwise import (abs, add, astype, ceil, clip, cos, div, exp, expm1, floor, identity, log,
                          log1p,
                          maximum, minimum, mul, neg, pow, relu, round, sigmoid, sign, sin, sqrt,
                          sub, tan, tanh, where)
from .index import gather, getitem, take_along_axis
# the fused families register their primitives on import (gg.nn.functional calls them)
from . import activations, linear, losses, normalization  # noqa: F401
from .linalg import dot, matmul, outer
from .softmax import log_softmax, softmax
from .reduce import logsumexp, max, mean, min, prod, std, sum, var
from .shape import (broadcast_to, concatenate, expand_dims, flatten, pad, permute, reshape,
                    split, squeeze, stack, sum_to, swapaxes, transpose)

__all__ = sorted(name for name, value in dict(globals()).items()
                 if not name.startswith("_") and callable(value))
