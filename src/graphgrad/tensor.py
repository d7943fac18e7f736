"""Tensor: a NumPy array with an optional gradient, and its place in the compute graph.

``data`` is the value (the activation α_v of its node); a tensor made by a recorded operation
points to that operation's graph node (``_node``, see node.py), which knows the primitive g_v
and the parents P_v. Leaves (inputs and parameters) have ``_node = None``.
"""
import numpy as np

from . import _state
from .errors import DtypeError, GradientError, InplaceError

#: Python floats and lists of floats become this dtype (as in PyTorch).


def get_default_dtype():
    """The floating-point dtype of new tensors when none is given (float32 at start)."""
    return _state.default_float


def set_default_dtype(dtype):
    """Make `dtype` (float32 or float64, as PyTorch also allows float16) the default float."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: only floating-point dtypes can be the default, "
                        f"not {dtype}")
    _state.default_float = dtype


def is_float(dtype):
    """Whether tensors of `dtype` can carry gradients (floating point)."""
    return dtype.kind == "f" or dtype.kind == "c"


def as_array(data, dtype=None, copy=False):
    """Turn data (Tensor, ndarray, number, nested list) into an ndarray; Python floats → float32."""
    if isinstance(data, Tensor):
        data = data.data
    elif not isinstance(data, (np.ndarray, np.generic)):
        arr = np.array(data, dtype=dtype)
        if dtype is None and arr.dtype == np.float64:
            arr = arr.astype(_state.default_float)
        return arr
    if dtype is not None and np.dtype(dtype) != data.dtype:
        return data.astype(dtype)
    return np.array(data) if copy or isinstance(data, np.generic) else data


class Tensor:
    """An n-dimensional array with an optional gradient, recorded into a compute graph."""

    __slots__ = ("data", "requires_grad", "_node", "grad", "_name", "_tangents", "_vcell",
                 "__weakref__")
    # Let NumPy hand mixed ndarray/Tensor arithmetic to our operators (see __array_ufunc__).
    __array_priority__ = 1000

    def __init__(self, data, dtype=None, requires_grad=False, name=None):
        self.data = as_array(data, dtype)
        self._node = None
        self.grad = None
        self._name = name
        self._tangents = None
        self._vcell = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    # ----------------------------------------------------------------- array-like attributes
    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def size(self):
        return self.data.size

    def __len__(self):
        if not self.data.ndim:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def __iter__(self):
        if not self.data.ndim:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self.data)))

    def __array__(self, dtype=None, copy=None):
        """The data for NumPy (shared; copy=True copies; copy=False refuses a conversion)."""
        if dtype is not None and np.dtype(dtype) != self.data.dtype:
            if copy is False:
                raise ValueError(f"cannot view a {self.data.dtype} tensor as {np.dtype(dtype)} "
                                 "without copying (copy=False)")
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self.data.item()

    def numpy(self):
        """The underlying ndarray (shared, not copied), as ``torch.Tensor.numpy``."""
        return self.data

    def tolist(self):
        return self.data.tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __format__(self, spec):
        return format(self.item(), spec) if spec and self.data.size == 1 else repr(self)

    def __bool__(self):
        if self.data.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous; "
                             "use .any() or .all()")
        return bool(self.data)

    __hash__ = object.__hash__

    # ----------------------------------------------------------------- graph attributes
    @property
    def is_leaf(self):
        """True for tensors not produced by a recorded operation (inputs and parameters)."""
        return self._node is None

    @property
    def grad_fn(self):
        """The recorded operation (graph node) that produced this tensor; None for leaves."""
        return self._node

    @property
    def name(self):
        """A label for graph views and messages (None: named automatically)."""
        return self._name

    @name.setter
    def name(self, value):
        self._name = value
        if self._node is not None:
            self._node.label = value

    @property
    def _version(self):
        """How many times this tensor's storage has been changed in place."""
        return 0 if self._vcell is None else self._vcell[0]

    def requires_grad_(self, requires_grad=True):
        """Mark a leaf as a parameter whose gradient backward propagation should compute."""
        if requires_grad and not is_float(self.data.dtype):
            raise DtypeError(f"only floating-point tensors can require gradients; this tensor "
                                f"has dtype {self.data.dtype} (convert with .astype('float32'))")
        if self._node is not None and not requires_grad:
            raise GradientError("requires_grad_(False) on a non-leaf tensor; use .detach()")
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self):
        """A new leaf sharing this tensor's data, cut from the graph (no gradient flows back)."""
        return make(self.data)

    # ----------------------------------------------------------------- in-place updates
    def _inplace(self, ufunc, other):
        if self.requires_grad and _state.grad_enabled:
            kind = "a leaf that requires grad" if self._node is None else "a recorded tensor"
            raise InplaceError(f"in-place {ufunc.__name__} on {kind} (shape {self.shape}); "
                               "in-place changes are not recorded: update parameters inside "
                               "`with gg.no_grad():` or use the out-of-place operation")
        other = other.data if isinstance(other, Tensor) else other
        try:
            ufunc(self.data, other, out=self.data, casting="same_kind")
        except (ValueError, TypeError) as e:
            raise InplaceError(f"in-place {ufunc.__name__} on shape {self.shape}, dtype "
                               f"{self.dtype} with {np.shape(other)}: {e}") from None
        self._bump_version()
        return self

    def _bump_version(self):
        tick = next(_state.clock)
        _state.last_inplace = tick
        cell = self.version_cell()
        cell[0] += 1
        cell[1] = tick

    def version_cell(self):
        """[number of in-place changes, tick of the last one], shared by every view of this
        storage and by the node that saved this tensor as its output (made on first need)."""
        if self._vcell is None:
            self._vcell = [0, 0]
            if self._node is not None and self._node.prim.saves_output:
                self._node.vcell = self._vcell
        return self._vcell

    def add_(self, other):
        return self._inplace(np.add, other)

    def sub_(self, other):
        return self._inplace(np.subtract, other)

    def mul_(self, other):
        return self._inplace(np.multiply, other)

    def div_(self, other):
        return self._inplace(np.divide, other)

    def copy_(self, other):
        return self._inplace(_assign, other)

    def fill_(self, value):
        return self._inplace(_assign, value)

    def zero_(self):
        return self._inplace(_assign, 0)

    __iadd__, __isub__, __imul__, __itruediv__ = add_, sub_, mul_, div_

    # ----------------------------------------------------------------- display
    def __repr__(self):
        prefix = "tensor("
        body = np.array2string(self.data, separator=", ", prefix=prefix, precision=4)
        extras = []
        if self.data.dtype not in (_state.default_float, np.dtype(np.int64), np.dtype(bool)):
            extras.append(f"dtype={self.data.dtype}")
        if self._node is not None:
            extras.append(f"grad_fn=<{self._node.prim.name}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self._name is not None:
            extras.append(f"name={self._name!r}")
        return prefix + body + "".join(", " + e for e in extras) + ")"


def _assign(dst, src, out=None, casting="same_kind"):
    np.copyto(out, src, casting=casting)


_new = object.__new__


def make(data, requires_grad=False):
    """Fast internal constructor: wrap an ndarray without checks or copies."""
    t = _new(Tensor)
    t.data = data
    t.requires_grad = requires_grad
    t._node = None
    t.grad = None
    t._name = None
    t._tangents = None
    t._vcell = None
    return t
