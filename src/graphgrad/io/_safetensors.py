"""The safetensors format: 8 bytes (little-endian header size n), n bytes of JSON header
({name: {"dtype", "shape", "data_offsets"}, "__metadata__": {str: str}}), then the tensors'
bytes, little-endian, without holes.

Writing uses the safetensors package (the optional extra ``graphgrad[safetensors]``) and puts
graphgrad's manifest and a SHA-256 checksum in ``__metadata__``: ``"graphgrad"`` (the
manifest), ``"graphgrad.sha256"`` (the checksum of the manifest and of every tensor's name,
dtype, shape and bytes) and ``"format": "graphgrad"``. Reading is done here, without the
package: the header is checked entry by entry against the file's size before anything is
allocated, and the checksum, where the file has one, is verified, so flipped bits are reported.
Files from other tools (no checksum) load as {name: Tensor}.
"""
import hashlib
import hmac
import json
import math

import numpy as np

from ._errors import fail

_DTYPES = {"BOOL": "|b1", "U8": "|u1", "I8": "|i1", "U16": "<u2", "I16": "<i2", "U32": "<u4",
           "I32": "<i4", "U64": "<u8", "I64": "<i8", "F16": "<f2", "F32": "<f4", "F64": "<f8"}
_FOREIGN = ("BF16", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "C64")
_CODES = {np.dtype(descr): code for code, descr in _DTYPES.items()}
STORABLE = {dtype for dtype in _CODES if dtype.isnative}
_MAX_HEADER = 100_000_000                # the format's own limit
_MANIFEST, _CHECKSUM = "graphgrad", "graphgrad.sha256"
LEGACY = "__graphgrad__"                 # graphgrad's first format: the structure, no checksum


def _package():
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError("the safetensors format needs the optional package safetensors: "
                          "pip install 'graphgrad[safetensors]' (or save to a .npz file)") from None
    return safetensors.numpy


def write_safetensors(arrays, manifest_text):
    """The file's bytes; arrays must have dtypes in STORABLE and be C-contiguous."""
    module = _package()
    entries = ((name, _CODES[a.dtype], a.shape, np.ascontiguousarray(a).data)
               for name, a in sorted(arrays.items()))
    metadata = {"format": "graphgrad", _MANIFEST: manifest_text,
                _CHECKSUM: _digest(manifest_text, entries)}
    return module.save(arrays, metadata=metadata)


def _digest(manifest_text, entries):
    """SHA-256 of the manifest and of each (name, dtype code, shape, bytes), sorted by name."""
    h = hashlib.sha256(b"graphgrad safetensors checksum 1\0")
    h.update(manifest_text.encode())
    for name, code, shape, buffer in entries:
        h.update(b"\0" + json.dumps([name, code, list(shape)]).encode() + b"\0")
        h.update(buffer)
    return h.hexdigest()


def looks_like_safetensors(data):
    if len(data) < 10:
        return False
    size = int.from_bytes(data[:8], "little")
    return 8 + size <= len(data) and data[8:9] == b"{"


def _unique_keys(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key {key!r} appears twice")
        result[key] = value
    return result


def read_safetensors(data, where):
    """({name: array}, manifest text or None, legacy structure text or None)."""
    size = int.from_bytes(data[:8], "little")
    if size > _MAX_HEADER or 8 + size > len(data):
        raise fail(where, f"the safetensors header announces {size} bytes, the file has "
                          f"{len(data)}")
    try:
        header = json.loads(data[8:8 + size].decode("utf-8"), object_pairs_hook=_unique_keys)
    except (UnicodeDecodeError, ValueError) as e:
        raise fail(where, f"damaged safetensors header ({e})") from None
    if not isinstance(header, dict):
        raise fail(where, "damaged safetensors header (not a JSON object)")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise fail(where, "damaged safetensors header (__metadata__ must map str to str)")
    start, entries = 8 + size, []
    for name, entry in header.items():
        entries.append(_entry(name, entry, where))
    entries.sort(key=lambda e: (e[0], e[1]))
    position = 0
    for begin, end, name, _, _ in entries:
        if begin != position:
            raise fail(where, f"tensor {name!r} starts at byte {begin} of the data, not at "
                              f"{position} (a gap or an overlap)")
        position = end
    if position != len(data) - start:
        raise fail(where, f"the tensors cover {position} bytes, the file holds "
                          f"{len(data) - start} after its header (truncated or padded)")
    ours = metadata.get("format") == "graphgrad" or _MANIFEST in metadata \
        or _CHECKSUM in metadata
    manifest = metadata.get(_MANIFEST)
    if ours:
        if manifest is None or _CHECKSUM not in metadata:
            raise fail(where, "graphgrad's metadata is incomplete (manifest or checksum missing)")
        view = memoryview(data)
        expected = _digest(manifest, ((name, code, shape, view[start + b:start + e])
                                      for b, e, name, code, shape in
                                      sorted(entries, key=lambda e: e[2])))
        if not hmac.compare_digest(expected, metadata[_CHECKSUM]):
            raise fail(where, "checksum mismatch: the tensors or the structure changed after "
                              "the file was written (damaged file)")
    arrays = {}
    for begin, end, name, code, shape in sorted(entries, key=lambda e: e[2]):
        dtype = np.dtype(_DTYPES[code])
        raw = np.frombuffer(data, np.uint8, end - begin, start + begin).copy()   # a memcpy
        arrays[name] = raw.view(dtype).reshape(shape).astype(dtype.newbyteorder("="),
                                                             copy=False)
    return arrays, manifest, metadata.get(LEGACY)


def _entry(name, entry, where):
    """(begin, end, name, dtype code, shape) of one header entry, checked."""
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        raise fail(where, f"damaged safetensors header (entry {name!r}: {str(entry)[:80]})")
    code, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if code not in _DTYPES:
        known = isinstance(code, str) and code in _FOREIGN
        raise fail(where, f"tensor {name!r} has dtype {code}, which NumPy (and so graphgrad) "
                          "cannot hold" if known else
                   f"damaged safetensors header (tensor {name!r}: dtype {str(code)[:20]!r})")

    def natural(x):
        return isinstance(x, int) and not isinstance(x, bool) and x >= 0
    if not isinstance(shape, list) or not all(map(natural, shape)) or not \
            isinstance(offsets, list) or len(offsets) != 2 or not all(map(natural, offsets)):
        raise fail(where, f"damaged safetensors header (tensor {name!r}: shape {str(shape)[:40]}, "
                          f"offsets {str(offsets)[:40]})")
    begin, end = offsets
    nbytes = math.prod(shape) * np.dtype(_DTYPES[code]).itemsize
    if end - begin != nbytes:
        raise fail(where, f"tensor {name!r} of shape {tuple(shape)} and dtype {code} needs "
                          f"{nbytes} bytes, its offsets give {end - begin}")
    return begin, end, name, code, shape
