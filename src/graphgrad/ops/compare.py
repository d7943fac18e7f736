"""Operations without a derivative: comparisons, logical tests, isclose/allclose. Their results
are boolean tensors outside the graph (nothing flows back through them). Comparisons promote
their operands as arithmetic does (PyTorch's rules, ops/promotion.py): a float32 tensor equals
the float64 0-d tensor of the same float32 value."""
import builtins

import numpy as np

from ..errors import DtypeError
from ..tensor import Tensor, make
from .promotion import binary_forward


def _nondifferentiable(np_fn, name):
    def fn(*args, **kwargs):
        if not builtins.any(isinstance(a, Tensor) for a in args):
            return np_fn(*args, **kwargs)
        raw = [a.array if isinstance(a, Tensor) else a for a in args]
        return make(np.asarray(np_fn(*raw, **kwargs)))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"NumPy's {np_fn.__name__}, outside the graph (no gradient)."
    return fn


def _comparison(np_fn, name):
    compare = binary_forward(np_fn)

    def fn(x, y):
        xt, yt = isinstance(x, Tensor), isinstance(y, Tensor)
        if not (xt or yt):
            return compare(x, y)
        return make(np.asarray(compare(x.array if xt else x, y.array if yt else y)))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"NumPy's {np_fn.__name__} after PyTorch's type promotion, outside the graph "
                  "(no gradient).")
    return fn


lt = _comparison(np.less, "lt")
le = _comparison(np.less_equal, "le")
gt = _comparison(np.greater, "gt")
ge = _comparison(np.greater_equal, "ge")
eq = _comparison(np.equal, "eq")
ne = _comparison(np.not_equal, "ne")
logical_not = _nondifferentiable(np.logical_not, "logical_not")
logical_and = _nondifferentiable(np.logical_and, "logical_and")
logical_or = _nondifferentiable(np.logical_or, "logical_or")
logical_xor = _nondifferentiable(np.logical_xor, "logical_xor")
bitwise_and = _nondifferentiable(np.bitwise_and, "bitwise_and")
bitwise_or = _nondifferentiable(np.bitwise_or, "bitwise_or")
bitwise_xor = _nondifferentiable(np.bitwise_xor, "bitwise_xor")
invert = _nondifferentiable(np.invert, "invert")
isfinite = _nondifferentiable(np.isfinite, "isfinite")
isnan = _nondifferentiable(np.isnan, "isnan")
isinf = _nondifferentiable(np.isinf, "isinf")


def _raw(x):
    return x.array if isinstance(x, Tensor) else x


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input − other| ≤ atol + rtol |other| elementwise, as torch.isclose: infinities are
    close only to themselves, NaN only to NaN and only with equal_nan; tensors of different
    dtypes are refused, as PyTorch (numbers take input's dtype). No gradient."""
    a, b = _raw(input), _raw(other)
    if isinstance(b, np.ndarray) and isinstance(a, np.ndarray) and a.dtype != b.dtype:
        raise DtypeError(f"isclose: expected both inputs to have the same dtype, got {a.dtype} "
                         f"and {b.dtype}; convert one with .to(...)")
    result = np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)
    return make(np.asarray(result)) if isinstance(input, Tensor) or isinstance(other, Tensor) \
        else result


def equal(input, other):
    """Whether input and other have the same shape and the same elements (a Python bool, NaN
    unequal to itself), as torch.equal."""
    a, b = _raw(input), _raw(other)
    return np.shape(a) == np.shape(b) and bool(np.all(a == b))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether isclose holds everywhere (a Python bool), as torch.allclose."""
    return bool(np.all(_raw(isclose(input, other, rtol, atol, equal_nan))))
