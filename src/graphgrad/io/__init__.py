"""Saving and loading tensors and state dicts without pickle: ``gg.save(obj, path)`` and
``gg.load(path)``.

Formats: safetensors (``.safetensors``; writing needs the optional extra
``graphgrad[safetensors]``, reading needs nothing) or ``.npz`` (any other name), a zip of .npy
members that np.load reads too. Saved objects are a Tensor or ndarray, or dicts / lists / tuples
of them mixed with plain numbers, strings and None (state dicts of modules and optimizers), to
any depth. The structure is stored as a JSON manifest next to the arrays (``_structure``), so
loading executes nothing; arrays of every dtype round-trip bit for bit.

Integrity: an .npz member's CRC, name, dtype and shape are checked against the manifest; a
safetensors file carries a SHA-256 checksum of its manifest and tensors. A damaged, truncated
or crafted file raises SerializationError (naming the file and the reason) and never loads as
a different object; sizes are checked against the file before anything is allocated. Writes are
atomic (``_files``): a temporary file beside the target, renamed over it once complete.
"""
from __future__ import annotations

import json
import os
from typing import IO, TYPE_CHECKING, Any, Literal

import numpy as np

from ._errors import MissingFolderError, SerializationError, fail
from ._files import atomic_write, read_regular
from ._npz import parse_npy, read_npz, write_npz
from ._safetensors import STORABLE, looks_like_safetensors, read_safetensors, write_safetensors
from ._structure import decode, decode_legacy, dumps, encode, is_manifest, loaded_tensor

if TYPE_CHECKING:
    #: A file name or a binary file object.
    PathOrFile = str | os.PathLike[str] | IO[bytes]

__all__ = ["save", "load", "SerializationError", "MissingFolderError", "read_regular"]


# ------------------------------------------------------------------------------ saving
def save(obj: Any, path: PathOrFile,
         format: Literal["safetensors", "npz"] | None = None) -> None:
    """Write obj (Tensor, ndarray, or nested dict/list/tuple of those and plain values) to path
    (a file name or a binary file object). format: 'safetensors' or 'npz'; by default from the
    suffix ('.safetensors', else npz). A failed save leaves an existing file as it was."""
    format = _format_for(path, format)
    manifest, arrays = encode(obj, _npz_storable if format == "npz" else _safetensors_storable)
    text = dumps(manifest)
    if format == "safetensors":
        payload = write_safetensors(arrays, text)

        def write(f):
            f.write(payload)
    else:
        def write(f):
            write_npz(f, arrays, text)
    if hasattr(path, "write"):
        write(path)
    else:
        atomic_write(path, write)


def _format_for(path, format):
    if format is None:
        name = path if isinstance(path, (str, os.PathLike)) else getattr(path, "name", "")
        format = "safetensors" if str(name).endswith(".safetensors") else "npz"
    if format not in ("safetensors", "npz"):
        raise ValueError(f"save: format must be 'safetensors' or 'npz', not {format!r}")
    return format


def _npz_storable(array, name):
    return array if array.flags.c_contiguous else array.copy(order="C")


def _safetensors_storable(array, name):
    """The array as safetensors can hold it: as is, or its raw bytes (uint8) where the format
    has no such dtype (complex, long double, big-endian, strings, ...)."""
    if array.dtype in STORABLE and array.dtype.isnative:
        return _npz_storable(array, name)
    return np.frombuffer(np.ascontiguousarray(array).tobytes(), np.uint8)


# ------------------------------------------------------------------------------ loading
def load(path: PathOrFile, map_location: Any = None, *, weights_only: bool | None = None) -> Any:
    """Read what save wrote (also plain .npz/.npy and safetensors files from other tools, as
    {name: Tensor}). Raises SerializationError for any truncated, corrupt, pickle-carrying or
    non-regular file; nothing in the file is ever executed.

    map_location and weights_only are PyTorch's keywords, accepted so torch.load calls carry
    over: graphgrad keeps every tensor on the CPU (map_location None, 'cpu' or a device whose
    str is 'cpu') and never unpickles, which is what weights_only=True asks for."""
    _check_map_location(map_location)
    if weights_only not in (None, True, False):
        raise TypeError(f"load: weights_only must be a bool or None, not {weights_only!r}")
    if hasattr(path, "read"):
        where, data = getattr(path, "name", "<file object>"), path.read()
    else:
        where = os.fspath(path)
        data = read_regular(where)
    try:
        return _load_bytes(bytes(data), where)
    except (SerializationError, MemoryError):
        raise
    except RecursionError:
        raise fail(where, "structure nested too deeply to read") from None
    except Exception as e:           # whatever else a damaged file provokes in zipfile, json, ...
        raise fail(where, f"damaged file ({type(e).__name__}: {e})") from None


def _check_map_location(map_location):
    if map_location is None:
        return
    targets = map_location.values() if isinstance(map_location, dict) else [map_location]
    if all(str(t) in ("cpu", "cpu:0") for t in targets):
        return
    raise ValueError(f"load: graphgrad keeps every tensor on the CPU; map_location must be None, "
                     f"'cpu' or a device whose str is 'cpu', not {map_location!r}")


def _load_bytes(data, where):
    if data[:6] == b"\x93NUMPY":
        return loaded_tensor(parse_npy(data, where), where)
    legacy = None
    if data[:2] == b"PK":
        arrays, manifest = read_npz(data, where)
        if manifest is not None:
            manifest = _json(manifest, where)
            if not is_manifest(manifest):
                manifest, legacy = None, manifest
        raw_bytes_ok = False
    elif looks_like_safetensors(data):
        arrays, manifest, legacy = read_safetensors(data, where)
        manifest = None if manifest is None else _json(manifest, where)
        legacy = None if legacy is None else _json(legacy, where)
        if manifest is not None and not is_manifest(manifest):
            raise fail(where, "damaged manifest")
        raw_bytes_ok = True
    elif data[:1] == b"\x80":
        raise fail(where, "looks like a Python pickle; graphgrad never unpickles, since that can "
                          "run arbitrary code. Convert it to safetensors or npz first")
    elif not data:
        raise fail(where, "the file is empty")
    else:
        raise fail(where, "neither a safetensors nor an npz file, or it is truncated")
    if manifest is not None:
        return decode(manifest, arrays, where, raw_bytes_ok)
    if legacy is not None:
        return decode_legacy(legacy, arrays, where)
    return {key: loaded_tensor(value, where) if value.dtype.kind in "biufc" else value
            for key, value in arrays.items()}


def _json(text, where):
    try:
        return json.loads(text)
    except ValueError as e:
        raise fail(where, f"damaged structure description ({e})") from None
