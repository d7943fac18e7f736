"""Tensor: a NumPy array with an optional gradient, and its place in the compute graph.

``array`` is the value (the activation α_v of its node), an ndarray; a tensor made by a
recorded operation points to that operation's graph node (``_node``, see node.py), which knows
the primitive g_v and the parents P_v. Leaves (inputs and parameters) have ``_node = None``.
"""

import numpy as np

from . import _state
from .device import CPU as _CPU
from .device import Size
from .errors import DtypeError, GradientError, InplaceError
from .numpy_refusal import NUMPY_REFUSED, refuse_conversion
from .tensor_data import NOT_NUMBERS as _NOT_NUMBERS
from .tensor_data import NUMBERS as _NUMBERS
from .tensor_data import from_python, refused
from .tensor_format import format_values
from .view_tracking import NO_GRAD_VIEW, view_info


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


def as_array(data, dtype=None, copy=False, who="tensor"):
    """Turn data (Tensor, ndarray, number, nested list) into an ndarray; Python floats → the
    default float (float32), Python complex numbers → its complex type, as in PyTorch.
    Ragged data, and data that is not numbers (str, objects, dates), are refused naming `who`."""
    if isinstance(data, Tensor):
        data = data.array
    elif not isinstance(data, (np.ndarray, np.generic)):
        return from_python(data, dtype, who, _array_of)
    if data.dtype.kind in _NOT_NUMBERS:
        raise refused(who, data)
    if dtype is not None and np.dtype(dtype) != data.dtype:
        return data.astype(dtype)
    return np.array(data) if copy or isinstance(data, np.generic) else data


def _array_of(item):
    return item.array if isinstance(item, Tensor) else item


class Tensor:
    """An n-dimensional array with an optional gradient, recorded into a compute graph.

    ``array`` is the ndarray itself; ``.data`` is PyTorch's: a tensor sharing that memory,
    outside the graph; a write through it escapes the version counter, as in PyTorch (in-place
    methods, ``add_`` or ``t[i] = v``, are checked)."""

    __slots__ = ("array", "requires_grad", "_node", "grad", "_name", "_tangents", "_vcell",
                 "_view", "__weakref__")   # _view: view_tracking.py
    # Let NumPy hand mixed ndarray/Tensor arithmetic to our operators (see __array_ufunc__).
    __array_priority__ = 1000

    def __init__(self, *data):
        """PyTorch's legacy constructor ``torch.Tensor``: Tensor(sequence or ndarray) holds the
        values in the default float dtype, Tensor(t) shares t's memory and dtype, Tensor(n0,
        n1, ...) or Tensor(gg.Size) is uninitialised of that shape, Tensor() is empty.
        ``gg.tensor(data, dtype=..., requires_grad=...)`` keeps integer dtypes and copies."""
        self._become_leaf(_legacy_array(data))

    def _become_leaf(self, array, requires_grad=False, name=None):
        """Set every slot of a leaf holding `array` (Tensor(...), leaf(...), Parameter)."""
        self.array = array
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
        return self.array.shape

    @property
    def dtype(self):
        return self.array.dtype

    @property
    def ndim(self):
        return self.array.ndim

    @property
    def size(self):
        """PyTorch's method: t.size() is the shape as a gg.Size, t.size(d) one length. Read
        as a number it is NumPy's element count, as graphgrad's own code reads it (prefer
        t.numel())."""
        n = _SizeMethod(self.array.size)
        n.shape = self.array.shape
        return n

    def dim(self):
        """The number of axes (PyTorch's dim(), NumPy's ndim)."""
        return self.array.ndim

    ndimension = dim

    def numel(self):
        """The number of elements."""
        return self.array.size

    nelement = numel

    def element_size(self):
        """Bytes per element."""
        return self.array.itemsize

    @property
    def itemsize(self):
        return self.array.itemsize

    @property
    def nbytes(self):
        return self.array.nbytes

    @property
    def device(self):
        """Always device(type='cpu'): graphgrad computes with NumPy on the CPU."""
        return _CPU

    is_cuda = False
    is_cpu = True

    def is_floating_point(self):
        return self.array.dtype.kind == "f"

    def is_complex(self):
        return self.array.dtype.kind == "c"

    def __len__(self):
        if not self.array.ndim:
            raise TypeError("len() of a 0-d tensor")
        return len(self.array)

    def __iter__(self):
        if not self.array.ndim:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self.array)))

    def __array__(self, dtype=None, copy=None):
        """The data for NumPy (shared; copy=True copies; copy=False refuses a conversion).
        Refused for a tensor that requires grad, whose gradient NumPy would lose: as PyTorch's
        numpy(), and as a TypeError naming the operation when such a tensor sits in a list
        passed to one (gg.mean([x, y]): stack them first)."""
        if self.requires_grad:
            refuse_conversion(Tensor)
        if dtype is not None and np.dtype(dtype) != self.array.dtype:
            if copy is False:
                raise ValueError(f"cannot view a {self.array.dtype} tensor as {np.dtype(dtype)} "
                                 "without copying (copy=False)")
            return self.array.astype(dtype)
        return self.array.copy() if copy else self.array

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.array.size != 1:
            raise _ScalarError(f"a Tensor with {self.array.size} elements cannot be converted to "
                              f"Scalar (item() needs one element; this tensor has shape "
                              f"{self.shape})")
        return self.array.item()

    def numpy(self, *, force=False):
        """The underlying ndarray (shared, not copied), as torch.Tensor.numpy; refused for a
        tensor that requires grad unless force=True (then a detached copy, as PyTorch)."""
        if self.requires_grad:
            if not force:
                raise RuntimeError(NUMPY_REFUSED)
            return self.array.copy()
        return self.array

    def tolist(self):
        return self.array.tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.array.size != 1 or self.array.dtype.kind not in "iub":
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self.array.item())

    def __format__(self, spec):
        """PyTorch's: a 0-d tensor formats its value (f"{t:.4f}", and f"{t}" is the Python
        number's text); other tensors print as str(t) and take no format spec."""
        if self.array.ndim == 0:
            return format(self.array.item(), spec)
        if spec:
            raise TypeError("unsupported format string passed to Tensor.__format__")
        return str(self)

    def __bool__(self):
        if self.array.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous; "
                             "use .any() or .all()")
        return bool(self.array)

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
        if requires_grad and not is_float(self.array.dtype):
            raise DtypeError(f"requires_grad: only floating-point and complex tensors can "
                             f"require gradients, not {self.array.dtype} (convert it: .float())")
        if self._node is not None and not requires_grad:
            raise GradientError("requires_grad_(False) on a non-leaf tensor; use .detach()")
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self):
        """A new leaf sharing this tensor's data, cut from the graph (no gradient flows back)."""
        return make(self.array)

    # ----------------------------------------------------------------- in-place updates
    def _inplace(self, ufunc, other):
        """self ← ufunc(self, other) in NumPy, on self's memory, outside the graph; refused for
        a tensor that requires grad while recording (PyTorch's errors; _tensor_inplace.py records
        the in-place operations PyTorch allows on non-leaf tensors)."""
        if _state.grad_enabled:
            if self.requires_grad:
                raise InplaceError(inplace_refusal(self, ufunc.__name__))
            info = view_info(self)
            if info is not None and not info.grad_mode and info.root.requires_grad:
                raise InplaceError(f"{ufunc.__name__}: {NO_GRAD_VIEW}")
        other = other.array if isinstance(other, Tensor) else other
        try:
            ufunc(self.array, other, out=self.array, casting="same_kind")
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
        cell = self._vcell
        if cell is None:
            self._vcell = cell = [0, 0]
            if self._node is not None and self._node.prim.saves_output:
                self._node.vcell = cell
        return cell

    # ----------------------------------------------------------------- display
    def __repr__(self):
        prefix = "tensor("
        body = format_values(self.array, len(prefix))
        extras = []
        if self.array.size == 0 and self.array.shape != (0,):
            extras.append(f"size={self.array.shape}")
        if self.array.dtype not in (_state.default_float, np.dtype(np.int64), np.dtype(bool)):
            extras.append(f"dtype={self.array.dtype}")
        if self._node is not None:
            extras.append(f"grad_fn=<{self._node.torch_name}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self._name is not None:
            extras.append(f"name={self._name!r}")
        return prefix + body + "".join(", " + e for e in extras) + ")"


def assign(dst, src, out=None, casting="same_kind"):
    """dst[...] = src as a ufunc-like callable for Tensor._inplace (fill_, copy_, zero_)."""
    np.copyto(out, src, casting=casting)


def inplace_refusal(t, name="in-place operation"):
    """Why an in-place change of t cannot be recorded (PyTorch's words for leaves)."""
    node = t._node
    if node is None:
        return ("a leaf Variable that requires grad is being used in an in-place operation. "
                "(Update parameters inside `with gg.no_grad():`, or use the out-of-place "
                "operation.)")
    if node.prim.is_view and node.args and isinstance(node.args[0], Tensor) \
            and node.args[0]._node is None:
        return "a view of a leaf Variable that requires grad is being used in an in-place " \
               "operation."
    return (f"{name}: NumPy can't change this recorded tensor of shape {t.shape} in place "
            "without its gradient going wrong; use its in-place method (x.add_(y)), the "
            "out-of-place operation, or change it inside `with gg.no_grad():`")


class _ScalarError(ValueError, RuntimeError):
    """A tensor of several elements used as one number (PyTorch raises RuntimeError, NumPy-minded
    code catches ValueError: both work)."""


class _SizeMethod(int):
    """What t.size reads as: the element count (an int), callable as PyTorch's size method."""

    def __call__(self, dim=None):
        if dim is None:
            return Size(self.shape)
        n = len(self.shape)
        if not n:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        if not -n <= dim < n:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, "
                             f"{n - 1}], but got {dim})")
        return self.shape[dim]


def _legacy_array(args):
    """The ndarray of ``Tensor(*args)``, read as torch.Tensor reads its arguments."""
    if len(args) == 1 and isinstance(args[0], Tensor):
        return args[0].array
    if len(args) == 1 and not isinstance(args[0], (Size, *_NUMBERS)):
        return as_array(args[0], _state.default_float, who="Tensor")
    sizes = tuple(args[0]) if len(args) == 1 and isinstance(args[0], Size) else args
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in sizes):
        raise TypeError(f"Tensor(): expected a sequence, an ndarray, a tensor or sizes, got "
                        f"({', '.join(type(a).__name__ for a in args)})")
    if any(n < 0 for n in sizes):
        raise RuntimeError(f"Tensor(): negative dimension in {sizes}")
    return np.empty(tuple(map(int, sizes)) or (0,), _state.default_float)


def leaf(data, dtype=None, requires_grad=False, name=None):
    """A leaf tensor of `data` (an ndarray as it is, its dtype kept unless `dtype` is given):
    graphgrad's own constructor, where ``Tensor(...)`` is PyTorch's legacy one."""
    t = _new(Tensor)
    t._become_leaf(as_array(data, dtype, who="tensor"), requires_grad, name)
    return t


_new = object.__new__


def make(data, requires_grad=False):
    """Fast internal constructor: wrap an ndarray without checks or copies."""
    t = _new(Tensor)
    t.array = data
    t.requires_grad = requires_grad
    t._node = None
    t.grad = None
    t._name = None
    t._tangents = None
    t._vcell = None
    return t
