"""Saving and loading tensors and state dicts without pickle: ``gg.save(obj, path)`` and
``gg.load(path)``.

Formats: safetensors (``.safetensors``; needs the optional extra ``graphgrad[safetensors]``) or
NumPy's ``.npz`` (any other name), read with ``allow_pickle=False``. Saved objects are a Tensor
or ndarray, or dicts / lists / tuples of them mixed with plain numbers, strings and None (state
dicts of modules and optimizers). The structure is stored as JSON next to the arrays, so
loading executes nothing; arrays of every dtype round-trip bit for bit. Writes go to a
temporary file in the target folder that then replaces the target in one step, so a crash
never leaves a half-written checkpoint.
"""
from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from typing import IO, TYPE_CHECKING, Any, Literal

import numpy as np

from .tensor import Tensor

if TYPE_CHECKING:
    #: A file name or a binary file object.
    PathOrFile = str | os.PathLike[str] | IO[bytes]

_META = "__graphgrad__"
_SAFETENSORS_DTYPES = {np.dtype(t) for t in ("bool", "uint8", "int8", "uint16", "int16", "uint32",
                                             "int32", "uint64", "int64", "float16", "float32",
                                             "float64")}


class SerializationError(ValueError):
    """A file that cannot be saved or loaded safely (corrupt, truncated, pickled, ...)."""


# ------------------------------------------------------------------------------ public API
def save(obj: Any, path: PathOrFile,
         format: Literal["safetensors", "npz"] | None = None) -> None:
    """Write obj (Tensor, ndarray, or nested dict/list/tuple of those and plain values) to path
    (a file name or a binary file object). format: 'safetensors' or 'npz'; by default from the
    suffix ('.safetensors', else npz)."""
    format = _format_for(path, format)
    arrays = {}
    tree = _encode(obj, (), arrays, format)
    payload = (_safetensors_bytes if format == "safetensors" else _npz_bytes)(arrays, tree)
    if hasattr(path, "write"):
        path.write(payload)
    else:
        _atomic_write(os.fspath(path), payload)


def load(path: PathOrFile) -> Any:
    """Read what save wrote (also plain .npz/.npy and safetensors files from other tools, as
    {name: Tensor}). Raises SerializationError for truncated, corrupt or pickle-carrying files;
    nothing in the file is ever executed."""
    name = getattr(path, "name", path)
    data = path.read() if hasattr(path, "read") else _read(os.fspath(path))
    if data[:6] == b"\x93NUMPY":
        return Tensor(_npy_array(data, name))
    if data[:2] == b"PK":
        arrays, tree = _npz_arrays(data, name)
    elif _looks_like_safetensors(data):
        arrays, tree = _safetensors_arrays(data, name)
    elif data[:1] == b"\x80":
        raise SerializationError(f"load: {name} looks like a Python pickle; graphgrad never "
                                 "unpickles, since that can run arbitrary code. Convert it to "
                                 "safetensors or npz first")
    else:
        raise SerializationError(f"load: {name} is neither a safetensors nor an npz file, or it "
                                 "is truncated")
    if tree is None:
        return {key: Tensor(value) for key, value in arrays.items()}
    return _decode(tree, arrays, name)


# ------------------------------------------------------------------------------ structure
def _encode(obj, path, arrays, format):
    """A JSON-able description of obj; its arrays are collected into `arrays` by name."""
    if isinstance(obj, (Tensor, np.ndarray, np.generic)):
        kind = "tensor" if isinstance(obj, Tensor) else \
            "ndarray" if isinstance(obj, np.ndarray) else "scalar"
        array = np.asarray(obj.data if isinstance(obj, Tensor) else obj)
        name = _unique(".".join(map(str, path)) or kind, arrays)
        arrays[name] = _storable(array, format, name)
        return {"__array__": name, "kind": kind, "dtype": array.dtype.str,
                "shape": list(array.shape)}
    if isinstance(obj, dict):
        for key in obj:
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise SerializationError(f"save: dict keys must be str or int, got {key!r}")
        return {"__dict__": [[k, _encode(v, path + (k,), arrays, format)]
                             for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        items = [_encode(v, path + (i,), arrays, format) for i, v in enumerate(obj)]
        return {"__tuple__" if isinstance(obj, tuple) else "__list__": items}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise SerializationError(f"save: cannot store a {type(obj).__name__} (at "
                             f"{'.'.join(map(str, path)) or 'the top level'}); save tensors, "
                             "arrays, numbers, strings and dicts/lists of them")


def _unique(name, taken):
    candidate, n = name, 1
    while candidate in taken or candidate == _META:
        candidate, n = f"{name}#{n}", n + 1
    return candidate


def _storable(array, format, name):
    """The array as the format can hold it: as is, or its raw bytes (uint8) where safetensors
    has no such dtype (complex, long double, big-endian, ...)."""
    if array.dtype.hasobject:
        raise SerializationError(f"save: array {name!r} has dtype object, which would need "
                                 "pickle; convert it to a numeric dtype")
    if format == "npz" or (array.dtype in _SAFETENSORS_DTYPES and array.dtype.isnative):
        return array if array.flags.c_contiguous else array.copy(order="C")
    return np.frombuffer(array.tobytes(), np.uint8)


def _decode(tree, arrays, name):
    if isinstance(tree, list):
        raise SerializationError(f"load: {name} has a malformed structure description")
    if not isinstance(tree, dict):
        return tree
    if "__array__" in tree:
        array = _restore(tree, arrays, name)
        kind = tree.get("kind")
        return Tensor(array) if kind == "tensor" else array[()] if kind == "scalar" else array
    if "__dict__" in tree:
        return {k: _decode(v, arrays, name) for k, v in tree["__dict__"]}
    if "__list__" in tree:
        return [_decode(v, arrays, name) for v in tree["__list__"]]
    if "__tuple__" in tree:
        return tuple(_decode(v, arrays, name) for v in tree["__tuple__"])
    raise SerializationError(f"load: {name} has a malformed structure description")


def _restore(entry, arrays, name):
    try:
        stored = arrays[entry["__array__"]]
        dtype, shape = np.dtype(entry["dtype"]), tuple(entry["shape"])
        if dtype.hasobject:
            raise TypeError("object dtype")
        if stored.dtype != dtype:
            stored = np.frombuffer(stored.tobytes(), dtype).reshape(shape).copy()
    except (KeyError, TypeError, ValueError) as e:
        raise SerializationError(f"load: {name} is corrupt (array entry {entry!r}: {e})") from None
    if stored.shape != shape:
        raise SerializationError(f"load: {name} is corrupt: array {entry['__array__']!r} has shape "
                                 f"{stored.shape}, its description says {shape}")
    return stored


# ------------------------------------------------------------------------------ formats
def _format_for(path, format):
    if format is None:
        name = path if isinstance(path, (str, os.PathLike)) else getattr(path, "name", "")
        format = "safetensors" if str(name).endswith(".safetensors") else "npz"
    if format not in ("safetensors", "npz"):
        raise ValueError(f"save: format must be 'safetensors' or 'npz', not {format!r}")
    return format


def _safetensors():
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError("the safetensors format needs the optional package safetensors: "
                          "pip install 'graphgrad[safetensors]' (or save to a .npz file)") from None
    return safetensors.numpy


def _safetensors_bytes(arrays, tree):
    return _safetensors().save(arrays, metadata={_META: json.dumps(tree)})


def _npz_bytes(arrays, tree):
    buffer = io.BytesIO()
    meta = np.frombuffer(json.dumps(tree).encode(), np.uint8)
    np.savez(buffer, **arrays, **{_META: meta})
    return buffer.getvalue()


def _looks_like_safetensors(data):
    if len(data) < 9:
        return False
    size = int.from_bytes(data[:8], "little")
    return 8 + size <= len(data) and data[8:9] == b"{"


def _safetensors_arrays(data, name):
    module = _safetensors()
    try:
        size = int.from_bytes(data[:8], "little")
        header = json.loads(data[8:8 + size])
        arrays = module.load(data)
        meta = (header.get("__metadata__") or {}).get(_META)
        return arrays, (json.loads(meta) if meta is not None else None)
    except Exception as e:      # the library raises its own error types for damaged files
        raise SerializationError(f"load: {name} is a damaged or truncated safetensors file "
                                 f"({type(e).__name__}: {e})") from None


def _npz_arrays(data, name):
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
        if not all(isinstance(a, np.ndarray) for a in arrays.values()):
            raise ValueError("members that are not .npy arrays (a torch.save archive holds "
                             "pickles)")
    except ValueError as e:
        if "pickle" in str(e):
            raise SerializationError(f"load: {name} holds pickled Python objects; graphgrad never "
                                     "unpickles, since that can run arbitrary code") from None
        raise SerializationError(f"load: {name} is a damaged npz file ({e})") from None
    except (zipfile.BadZipFile, EOFError, OSError, KeyError) as e:
        raise SerializationError(f"load: {name} is a truncated or corrupt npz file "
                                 f"({type(e).__name__}: {e})") from None
    meta = arrays.pop(_META, None)
    if meta is None:
        return arrays, None
    try:
        return arrays, json.loads(meta.tobytes().decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SerializationError(f"load: {name} has a corrupt structure description ({e})") \
            from None


def _npy_array(data, name):
    try:
        return np.load(io.BytesIO(data), allow_pickle=False)
    except ValueError as e:
        reason = "holds pickled Python objects (never unpickled)" if "pickle" in str(e) else e
        raise SerializationError(f"load: {name}: {reason}") from None
    except (EOFError, OSError) as e:
        raise SerializationError(f"load: {name} is a truncated .npy file ({e})") from None


# ------------------------------------------------------------------------------ files
def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise FileNotFoundError(f"load: no such file: {path}") from None


def _atomic_write(path, payload):
    """Write to a temporary file beside `path`, flush it to disk, then rename it over `path`."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _umask():
    current = os.umask(0)
    os.umask(current)
    return current
