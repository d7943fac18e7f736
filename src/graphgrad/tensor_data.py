"""Python data (numbers, nested lists and tuples) as an ndarray, with PyTorch's dtypes: Python
floats give the default float (float32), Python complex numbers its complex type, integers
int64 and booleans bool, while float64 NumPy values, arrays or tensors inside the data keep
float64. Ragged data, and data that is not numbers, are refused with the reason.
"""
import numpy as np

from . import _state
from .errors import DtypeError, ShapeError

#: dtype kinds that are not numbers: objects, str, bytes, records, datetime64, timedelta64
NOT_NUMBERS = "OUSVMm"
NUMBERS = (int, float, complex, np.number, np.bool_)
_DOUBLES = (np.dtype(np.float64), np.dtype(np.complex128))
_PYTHON_NUMBERS = {bool, int, float, complex}


def from_python(data, dtype, who, array_of):
    """data as an ndarray of `dtype` (inferred as PyTorch does when None); array_of(item) is the
    array a tensor item holds."""
    try:
        arr = np.array(data, dtype=dtype)
    except ValueError as e:
        raise refused(who, data, e) from None
    if arr.dtype.kind in NOT_NUMBERS:
        raise refused(who, arr)
    if dtype is None and arr.dtype in _DOUBLES and not _keeps_double(data, array_of):
        arr = arr.astype(_state.default_float if arr.dtype.kind == "f" else
                         np.result_type(_state.default_float, np.complex64))
    return arr


def _keeps_double(data, array_of):
    """Whether nested data holds a float64 or complex128 NumPy value, array or tensor."""
    if isinstance(data, (list, tuple)):
        if set(map(type, data)) <= _PYTHON_NUMBERS:
            return False
        return any(_keeps_double(item, array_of) for item in data)
    data = array_of(data)
    return isinstance(data, (np.ndarray, np.generic)) and data.dtype in _DOUBLES


class _ConversionError(DtypeError, ValueError):
    """Data that is not numbers: PyTorch raises a TypeError for such arrays, NumPy a ValueError."""


def refused(who, data, error=None):
    """Why data cannot make a tensor: ragged (NumPy's ValueError says so), or not numbers."""
    if error is not None:
        return (ShapeError if "inhomogeneous" in str(error) else _ConversionError)(
            f"{who}: can't convert the {type(data).__name__} to a tensor ({error})")
    odd = {type(v).__name__ for v in data.flat if not isinstance(v, NUMBERS)} \
        if data.dtype.kind == "O" else ()
    return _ConversionError(f"{who}: can't convert data of dtype {data.dtype}"
                            f"{' holding ' + ', '.join(sorted(odd)) if odd else ''} to a tensor, "
                            "which holds bool, integer, floating-point or complex numbers; "
                            "convert it first, e.g. np.asarray(data, dtype=np.float32)")
