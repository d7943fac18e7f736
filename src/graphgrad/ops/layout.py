"""PyTorch's memory layout for results that are not elementwise: a reduction, a softmax along a
dim, a gather or a join comes out C-contiguous whatever its operands' strides (PyTorch allocates
it so), where NumPy would keep a transposed operand's order. It matters beyond speed: a view of
such a result (``.view(-1)``) works in PyTorch, and would refuse here.
"""
import numpy as np


def c_order(a):
    """a itself when it is C-contiguous (or not an array), else a C-contiguous copy."""
    return a if a.__class__ is not np.ndarray or a.flags.c_contiguous else np.ascontiguousarray(a)
