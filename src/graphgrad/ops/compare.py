"""Operations without a derivative: comparisons, logical tests, arg-extrema. Their results are
boolean or integer tensors outside the graph (nothing flows back through them)."""
import builtins

import numpy as np

from ..tensor import Tensor, make


def _nondifferentiable(np_fn, name):
    def fn(*args, **kwargs):
        if not builtins.any(isinstance(a, Tensor) for a in args):
            return np_fn(*args, **kwargs)
        raw = [a.data if isinstance(a, Tensor) else a for a in args]
        return make(np.asarray(np_fn(*raw, **kwargs)))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"NumPy's {np_fn.__name__}, outside the graph (no gradient)."
    return fn


lt = _nondifferentiable(np.less, "lt")
le = _nondifferentiable(np.less_equal, "le")
gt = _nondifferentiable(np.greater, "gt")
ge = _nondifferentiable(np.greater_equal, "ge")
eq = _nondifferentiable(np.equal, "eq")
ne = _nondifferentiable(np.not_equal, "ne")
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


def _with_dim(np_fn, name):
    def fn(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
        axis = axis if dim is None else dim
        keepdims = keepdims if keepdim is None else keepdim
        return _nondifferentiable(np_fn, name)(x, axis=axis, keepdims=keepdims)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"NumPy's {np_fn.__name__} over an axis (axis= or dim=), outside the graph."
    return fn


argmax = _with_dim(np.argmax, "argmax")
argmin = _with_dim(np.argmin, "argmin")
any = _with_dim(np.any, "any")
all = _with_dim(np.all, "all")
