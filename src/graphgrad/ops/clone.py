"""clone: a copy of a tensor with its own memory (PyTorch's clone, CloneBackward0).

y = x elementwise, so ∂L/∂x = ∂L/∂y and ẏ = ẋ; only the memory differs: changing y in place
leaves x as it was. The copy keeps x's layout (PyTorch's preserve_format: a transposed x gives
a transposed copy), or is C-contiguous with order="C" (contiguous()).
"""
import numpy as np

from ..primitives import primitive
from ..tensor import Tensor
from ._samples import unary


@primitive(examples=unary(), saves=())
def clone(x, *, order="K"):
    """A copy of x in its own memory, laid out as x (order="K") or C-contiguous ("C")."""
    return np.array(x, copy=True, order=order)


clone.defelementwise(lambda v, out, x, order="K": v)


def fresh(out, x):
    """out, or a C-contiguous copy of it where it shares x's memory: for the operations whose
    result PyTorch always allocates (repeat, roll, gathers, …) but NumPy may give as a view
    (a 0-d operand, a shift of 0, a repeat that only adds leading dims)."""
    a = out.array if isinstance(out, Tensor) else out
    b = x.array if isinstance(x, Tensor) else x
    return clone(out, order="C") if np.may_share_memory(a, b) else out
