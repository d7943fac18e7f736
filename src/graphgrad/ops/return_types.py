"""The named tuples that PyTorch's selecting reductions return (torch.return_types): each has
.values and .indices, unpacks as a pair and prints as ``max(values=..., indices=...)``."""
from typing import Any, NamedTuple


class _Selection(NamedTuple):
    values: Any
    indices: Any


def _pair(name):
    cls = type(name, (_Selection,), {"__slots__": (), "__doc__":
                                     f"(values, indices), as torch.return_types.{name}."})
    cls.__module__ = __name__
    return cls


max = _pair("max")
min = _pair("min")
sort = _pair("sort")
topk = _pair("topk")
kthvalue = _pair("kthvalue")
median = _pair("median")
nanmedian = _pair("nanmedian")
mode = _pair("mode")
cummax = _pair("cummax")
cummin = _pair("cummin")

__all__ = ["max", "min", "sort", "topk", "kthvalue", "median", "nanmedian", "mode", "cummax",
           "cummin"]
