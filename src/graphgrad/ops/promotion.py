"""PyTorch's type promotion for elementwise operations, with the default float as PyTorch's.

Operands form three groups, strongest first: tensors and arrays with at least one axis, 0-d
tensors, arrays and NumPy scalars, and Python numbers. Within a group dtypes promote as usual
(an integer meeting a float gives the float, not float64 as in NumPy); a weaker group changes
the result only when its category is higher (bool < integer < float < complex), so that
float32 + float64 0-d → float32 and int64 + 0.5 → the default float. A Python float is the
default float (get_default_dtype()); true division of integers gives the default float too.
Where no operand is a tensor or an array (Python numbers only), NumPy's own result stands.

NumPy scalars count as 0-d arrays, not as Python numbers (PyTorch takes np.float64 for a Python
float): the engine's first-order rules, which run on arrays, get NumPy scalars where the same
rules on tensors get 0-d tensors, and both must promote alike.

The forward of a binary primitive goes through ``binary_forward``: operands that already agree
(same dtype, or a float array with a Python float) go straight to the ufunc; only the others
take the slow branch that works out the result dtype.
"""
import numpy as np

from ..tensor import Tensor, as_array, get_default_dtype

_ndarray = np.ndarray
_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
_BOOL, _INT64 = np.dtype(np.bool_), np.dtype(np.int64)
_NUMBERS = (bool, int, float, complex)


def promote_types(a, b):
    """The dtype two tensors of dtypes a and b promote to (PyTorch's table: an integer or
    bool meeting a float or complex gives that float or complex dtype)."""
    if a is None or a == b:
        return b
    if b is None:
        return a
    ca, cb = _CATEGORY[a.kind], _CATEGORY[b.kind]
    if ca >= 2 > cb:
        return a
    if cb >= 2 > ca:
        return b
    return np.promote_types(a, b)


def _scalar_dtype(value):
    """The dtype a Python number stands for: bool, int64, the default float or the default
    complex."""
    if isinstance(value, bool):
        return _BOOL
    if isinstance(value, int):
        return _INT64
    kind = "f" if isinstance(value, float) else "c"
    default = get_default_dtype()
    return default if kind == "f" else np.promote_types(default, np.complex64)


def _combine(higher, lower):
    """The result of a stronger group (higher) and a weaker one (lower): the weaker one counts
    only where its category is higher (c10's combine_categories)."""
    if higher is None:
        return lower
    if lower is None or higher.kind == "c":
        return higher
    if lower.kind == "c":
        return np.promote_types(higher, np.complex64) if higher.kind == "f" else lower
    if higher.kind == "f":
        return higher
    if higher.kind == "b" or lower.kind == "f":
        return promote_types(higher, lower)
    return higher


def result_type(*operands):
    """The dtype of an elementwise operation on these operands (tensors, arrays, Python or
    NumPy scalars, nested lists; None is skipped), as torch.result_type."""
    dims = zero = scalar = None
    for value in operands:
        if value is None:
            continue
        if isinstance(value, Tensor):
            value = value.array
        if isinstance(value, (bool, int, float, complex)) and not isinstance(value, np.generic):
            scalar = promote_types(scalar, _scalar_dtype(value))
            continue
        if not isinstance(value, (_ndarray, np.generic)):
            value = as_array(value)
        if value.ndim:
            dims = promote_types(dims, value.dtype)
        else:
            zero = promote_types(zero, value.dtype)
    return _combine(dims, _combine(zero, scalar))


def cast(value, dtype):
    """An operand as an array of `dtype` (None and arrays of that dtype unchanged). Integers
    out of range wrap around, as in PyTorch."""
    if value is None:
        return None
    if isinstance(value, Tensor):
        value = value.array
    if value.__class__ is _ndarray and value.dtype == dtype:
        return value
    if isinstance(value, int) and dtype.kind in "iu":
        info = np.iinfo(dtype)
        value = (value - int(info.min)) % (int(info.max) - int(info.min) + 1) + int(info.min)
    return np.asarray(value).astype(dtype, copy=False)


def promote(*operands, to_float=False):
    """The operands converted to their common dtype (result_type), and that dtype; to_float:
    an integer or bool result becomes the default float (true division)."""
    dtype = result_type(*operands)
    if to_float and dtype.kind not in "fc":
        dtype = get_default_dtype()
    return tuple(cast(v, dtype) for v in operands), dtype


def binary_forward(ufunc, to_float=False):
    """A ufunc of two operands with PyTorch's promotion: operands that already agree (same
    dtype; a float array and a Python float) go to the ufunc directly, the rest through
    ``promote``. to_float: integer results become the default float (true division)."""
    def slow(x, y):
        if isinstance(x, _NUMBERS) and isinstance(y, _NUMBERS):
            return ufunc(x, y)
        (x, y), dtype = promote(x, y, to_float=to_float)
        out = ufunc(x, y)
        # NumPy's power of booleans gives int8, PyTorch's stays bool
        return out.astype(dtype) if dtype.kind == "b" and out.dtype.kind == "i" else out

    # NumPy already gives PyTorch's dtype for two arrays of one dtype (a float dtype, for true
    # division) and for a float array with a Python int or float: those skip the slow branch.
    if to_float:
        def forward(x, y, ufunc=ufunc, nd=_ndarray, number=(float, int), slow=slow):
            if x.__class__ is nd:
                if x.dtype.kind == "f" and (y.__class__ in number or y.__class__ is nd
                                            and x.dtype is y.dtype):
                    return ufunc(x, y)
            elif x.__class__ in number and y.__class__ is nd and y.dtype.kind == "f":
                return ufunc(x, y)
            return slow(x, y)
    else:
        def forward(x, y, ufunc=ufunc, nd=_ndarray, number=(float, int), slow=slow):
            if x.__class__ is nd:
                if y.__class__ is nd:
                    if x.dtype is y.dtype:
                        return ufunc(x, y)
                elif y.__class__ in number and x.dtype.kind == "f":
                    return ufunc(x, y)
            elif x.__class__ in number and y.__class__ is nd and y.dtype.kind == "f":
                return ufunc(x, y)
            return slow(x, y)
    forward.__name__ = forward.__qualname__ = ufunc.__name__
    forward.direct = ufunc      # what recording calls itself where the operands agree
    return forward


def float_forward(ufunc):
    """A ufunc of one operand that gives floats: integer and bool operands become the default
    float first (as torch.exp of an integer tensor)."""
    def forward(x, ufunc=ufunc, nd=_ndarray):
        if x.__class__ is nd and x.dtype.kind in "fc":
            return ufunc(x)
        x = np.asarray(x)
        return ufunc(x if x.dtype.kind in "fc" else x.astype(get_default_dtype()))
    forward.__name__ = forward.__qualname__ = ufunc.__name__
    forward.direct = ufunc      # what recording calls itself where the operands agree
    return forward
