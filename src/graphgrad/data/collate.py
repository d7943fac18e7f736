"""How samples become batches, as torch.utils.data's default_collate and default_convert.

default_collate stacks tensors and arrays along a new first axis, turns Python floats into a
float64 tensor and ints (bools) into an int64 (bool) tensor, keeps strings as a list, and
recurses into dicts (key by key), named tuples and sequences (field by field; a tuple of
fields becomes a list, as PyTorch's loader gives ``[x, y]`` for samples ``(x, y)``).
"""
from __future__ import annotations

import collections.abc
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor, leaf


def _numeric_array(value):
    """Whether value is a NumPy array or scalar of numbers (not strings or objects)."""
    return isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in "biufc"


def _rebuild(like, items):
    """A sequence of the type of `like` holding items (a list when that type cannot)."""
    if isinstance(like, tuple):
        if hasattr(like, "_fields"):                     # a named tuple keeps its type
            return type(like)(*items)
        return items
    try:
        return type(like)(items)
    except TypeError:
        return items


def default_collate(batch: Sequence[Any]) -> Any:
    """A list of samples as one batch (see the module docstring)."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return leaf(np.stack([s.array for s in batch]))
    if _numeric_array(elem):
        return leaf(np.stack([np.asarray(s) for s in batch]))
    if isinstance(elem, (np.ndarray, np.generic)) and elem.dtype.kind in "SUO":
        if isinstance(elem, np.ndarray):
            raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, "
                            f"numbers, dicts or lists; found an array of dtype {elem.dtype}")
        return list(batch)
    if isinstance(elem, float):
        return leaf(np.array(batch, np.float64))
    if isinstance(elem, int):
        values = np.array(batch)
        return leaf(values if values.dtype == bool else values.astype(np.int64))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([sample[key] for sample in batch]) for key in elem}
        try:
            return type(elem)(collated)
        except TypeError:
            return collated
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(sample) != size for sample in batch):
            raise RuntimeError("default_collate: each element in list of batch should be of "
                               "equal size")
        return _rebuild(elem, [default_collate(list(field)) for field in zip(*batch)])
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts "
                    f"or lists; found {type(elem)}")


def default_convert(data: Any) -> Any:
    """One sample as it is, with NumPy arrays (and scalars) of numbers made tensors, inside
    dicts and sequences too (what the DataLoader gives with batch_size=None)."""
    if isinstance(data, Tensor):
        return data
    if _numeric_array(data):
        return leaf(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        converted = {key: default_convert(value) for key, value in data.items()}
        try:
            return type(data)(converted)
        except TypeError:
            return converted
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild(data, [default_convert(d) for d in data])
    return data
