"""Tensor methods a PyTorch user types in the first hour that need the operations: copies and
conversions (clone, contiguous, to, type_as, long(), float(), ...), new_* factories, hooks and
retained gradients, and NumPy's functions on tensors (__array_function__, numpy_dispatch.py).

Conversions follow PyTorch: to a floating dtype they are differentiable (ToCopyBackward0); to
an integer or bool dtype the result is outside the graph. A conversion to the tensor's own dtype
returns the tensor itself unless copy=True.
"""
import numpy as np

from . import hooks, ops
from .device import check_device, device
from .numpy_dispatch import array_function
from .ops.elementwise import astype as convert
from .tensor import Tensor, as_array, is_float, leaf, make


def clone(self, *, memory_format=None):
    """A copy with its own memory; the gradient passes through unchanged (CloneBackward0)."""
    return ops.clone(self)


def contiguous(self, memory_format=None):
    """self when its memory is C-contiguous, else a C-contiguous copy (clone)."""
    return self if self.array.flags.c_contiguous else ops.clone(self, order="C")


def convert_dtype(x, dtype, copy=False):
    """x as `dtype`: differentiable to a floating dtype, outside the graph otherwise."""
    dtype = np.dtype(dtype)
    if x.array.dtype == dtype:
        return ops.clone(x) if copy else x
    if is_float(dtype):
        return convert(x, dtype=dtype)
    return make(x.array.astype(dtype))


def _is_device(value):
    return isinstance(value, (str, device)) or isinstance(value, int) and \
        not isinstance(value, bool)


def to(self, *args, dtype=None, device=None, non_blocking=False, copy=False,
       memory_format=None):
    """PyTorch's overloads: to(dtype), to(device), to(device, dtype), to(other_tensor) (its
    dtype), each with non_blocking and copy; a string is a device. Only the CPU exists here
    (non_blocking and memory_format change nothing)."""
    del memory_format, non_blocking
    rest = list(args)
    if rest and isinstance(rest[0], Tensor):
        dtype = rest.pop(0).dtype
    elif rest and _is_device(rest[0]):
        device = rest.pop(0)
        if rest and rest[0] is not None and not isinstance(rest[0], bool):
            dtype = rest.pop(0)
    elif rest and rest[0] is not None and not isinstance(rest[0], bool):
        dtype = rest.pop(0)
    if rest:
        rest.pop(0)                     # non_blocking: nothing is asynchronous here
    if rest:
        copy = rest.pop(0)
    if rest:
        raise TypeError(f"to() received too many positional arguments: {args}")
    if isinstance(device, str):
        try:
            check_device(device, "to")
        except RuntimeError as error:
            if "device type at start" not in str(error):
                raise
            raise RuntimeError(f"Invalid device string: '{device}' (to() reads a string as a "
                               "device; pass a dtype such as gg.float64 to convert)") from None
    else:
        check_device(device, "to")
    return convert_dtype(self, self.array.dtype if dtype is None else dtype, copy)


def cpu(self, memory_format=None):
    """self: graphgrad's tensors are always on the CPU."""
    return self


def cuda(self, device=None, non_blocking=False, memory_format=None):
    """Refused: graphgrad has no CUDA device."""
    check_device("cuda" if device is None else device, "cuda")


def type_as(self, other):
    """self converted to other's dtype."""
    return convert_dtype(self, other.dtype)


_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
               "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
               "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor"}


def type(self, dtype=None, non_blocking=False):
    """PyTorch's Tensor.type: without an argument the type name ('torch.FloatTensor'); with a
    dtype or such a name, self converted to it."""
    if dtype is None:
        return f"torch.{_TYPE_NAMES.get(self.dtype.name, self.dtype.name)}"
    if isinstance(dtype, str):
        by_name = {f"torch.{v}": k for k, v in _TYPE_NAMES.items()}
        if dtype not in by_name:
            raise ValueError(f"type: invalid type {dtype!r}; expected one of "
                             f"{', '.join(sorted(by_name))} or a dtype")
        dtype = by_name[dtype]
    return convert_dtype(self, dtype)


def _caster(dtype, name):
    def method(self, memory_format=None):
        return convert_dtype(self, dtype)
    method.__name__ = name
    method.__doc__ = f"self converted to {np.dtype(dtype)} (self itself if it already is)."
    return method


def _new_dtype(self, dtype):
    return self.array.dtype if dtype is None else np.dtype(dtype)


def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    """A new leaf holding a copy of data, with self's dtype unless dtype= says otherwise."""
    check_device(device, "new_tensor")
    array = as_array(data, _new_dtype(self, dtype), copy=True)
    return leaf(array, requires_grad=requires_grad)


def _shape(size):
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    check_device(device, "new_zeros")
    return leaf(np.zeros(_shape(size), _new_dtype(self, dtype)), requires_grad=requires_grad)


def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    check_device(device, "new_ones")
    return leaf(np.ones(_shape(size), _new_dtype(self, dtype)), requires_grad=requires_grad)


def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    check_device(device, "new_empty")
    return leaf(np.empty(_shape(size), _new_dtype(self, dtype)), requires_grad=requires_grad)


def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
    check_device(device, "new_full")
    size = (size,) if isinstance(size, int) else tuple(size)
    return leaf(np.full(size, fill_value, _new_dtype(self, dtype)),
                  requires_grad=requires_grad)


def detach_(self):
    """Cut this tensor from the graph in place: it becomes a leaf that does not require grad."""
    self._node = None
    self.requires_grad = False
    return self


def register_hook(self, hook):
    """Call hook(grad) when the gradient with respect to this tensor is computed; a returned
    tensor replaces it. Returns a handle with remove()."""
    return hooks.register_hook(self, hook)


def retain_grad(self):
    """Keep .grad after backward on this non-leaf tensor (after its hooks), as PyTorch."""
    hooks.retain_grad(self)


def _data(self):
    """PyTorch's ``.data``: a tensor sharing this one's memory, outside the graph (no gradient,
    no version counter in common: a write through it is not seen by a backward that saved
    this tensor, as in PyTorch). ``.array`` is the ndarray itself."""
    return make(self.array)


def _set_data(self, value):
    """``t.data = other``: t takes other's values (and shape) in place of its own. A backward
    that saved t's old values then raises (PyTorch would silently use the new ones)."""
    if not isinstance(value, Tensor):
        raise TypeError(f"Variable data has to be a tensor, but got {value.__class__.__name__}")
    self.array = value.array
    self._bump_version()



METHODS = {
    "clone": clone, "contiguous": contiguous, "to": to, "cpu": cpu, "cuda": cuda,
    "type": type, "type_as": type_as, "new_tensor": new_tensor, "new_zeros": new_zeros,
    "new_ones": new_ones, "new_empty": new_empty, "new_full": new_full, "detach_": detach_,
    "register_hook": register_hook, "retain_grad": retain_grad,
    "retains_grad": property(hooks.retains_grad, doc="Whether retain_grad() was called on "
                             "this non-leaf tensor"),
    "float": _caster(np.float32, "float"), "double": _caster(np.float64, "double"),
    "half": _caster(np.float16, "half"), "long": _caster(np.int64, "long"),
    "int": _caster(np.int32, "int"), "short": _caster(np.int16, "short"),
    "char": _caster(np.int8, "char"), "byte": _caster(np.uint8, "byte"),
    "bool": _caster(np.bool_, "bool"),
    "__array_function__": array_function,
    "data": property(_data, _set_data, doc=_data.__doc__),
}
