"""Where tensors live and how their shapes read: ``device`` (always the CPU here) and ``Size``.

graphgrad computes with NumPy on the CPU. PyTorch code names devices all the same
(``device=``, ``.to('cpu')``, ``t.device``), so 'cpu' and ``device('cpu')`` are accepted
everywhere and any other device is refused with one clear error.
"""
from __future__ import annotations

import re

#: Device types PyTorch knows (its error for anything else lists them).
_KNOWN = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
          "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
          "privateuseone")
_SPEC = re.compile(r"^([a-z]+)(?::(\d+))?$")


class device:
    """A device as PyTorch spells it: device('cpu'), device('cpu', 0), device('cuda:1').

    Only 'cpu' can hold graphgrad's tensors; other known types can be named (to compare or
    print) but passing them to a factory or ``.to`` raises (see ``check_device``)."""

    __slots__ = ("type", "index")

    def __init__(self, type: str | device, index: int | None = None) -> None:
        if isinstance(type, device):
            if index is not None:
                raise ValueError("device(): a device object takes no separate index")
            self.type, self.index = type.type, type.index
            return
        if not isinstance(type, str):
            raise TypeError(f"device() takes a string like 'cpu' or 'cuda:0', not "
                            f"{_type_name(type)}")
        match = _SPEC.match(type)
        if match is None or match.group(1) not in _KNOWN:
            raise RuntimeError(f"Expected one of {', '.join(_KNOWN)} device type at start of "
                               f"device string: {type}")
        if match.group(2) is not None:
            if index is not None:
                raise RuntimeError(f"device(): type ({type}) and index ({index}) both give an "
                                   "index")
            index = int(match.group(2))
        if index is not None and index < 0:
            raise RuntimeError(f"Device index must not be negative, got {index}")
        self.type, self.index = match.group(1), index

    def __eq__(self, other: object) -> bool:
        """Equal devices have the same type and index (a string is not a device, as in
        PyTorch: compare ``t.device.type == 'cpu'``)."""
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __reduce__(self):
        return device, (self.type, self.index)


def _type_name(value: object) -> str:
    return type(value).__name__


#: The one device of graphgrad's tensors.
CPU = device("cpu")


def check_device(where: object, who: str) -> None:
    """Accept None, 'cpu', 'cpu:0' or device('cpu'); refuse every other device with a
    RuntimeError that says graphgrad runs on the CPU."""
    if where is None or where is CPU or where == "cpu":
        return
    if isinstance(where, int) and not isinstance(where, bool):
        where = device("cuda", where)        # PyTorch reads a bare integer as a CUDA index
    elif not isinstance(where, device):
        if not isinstance(where, str):
            raise TypeError(f"{who}: device must be a string, a gg.device or None, not "
                            f"{_type_name(where)}")
        where = device(where)
    if where.type != "cpu":
        raise RuntimeError(f"{who}: device '{where}' is not available: graphgrad computes with "
                           "NumPy on the CPU only (use device='cpu', or leave device out)")


class Size(tuple):
    """A tensor's shape as PyTorch returns it from ``t.size()``: a tuple of ints that prints
    as ``gg.Size([2, 3])``; slicing it gives a Size; ``numel()`` is the product."""

    __slots__ = ()

    def __new__(cls, sizes=()):
        return super().__new__(cls, (int(n) for n in sizes))

    def __getitem__(self, index):
        item = super().__getitem__(index)
        return Size(item) if isinstance(index, slice) else item

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self) -> str:
        return f"gg.Size({list(self)})"

    __str__ = __repr__

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __reduce__(self):
        return Size, (tuple(self),)
