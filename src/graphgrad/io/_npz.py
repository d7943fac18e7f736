"""The .npz format, written and read without np.savez / np.load: a zip archive of .npy
members (stored, not compressed), the manifest first as ``__graphgrad__.npy`` (its JSON as
uint8), then one member per array named after its keys, so np.load and other tools read the
arrays too.

Reading checks what np.load does not: the number of entries the end record announces against
the central directory (a damaged directory otherwise drops members without a word), repeated
names, encryption and compression methods, every member's CRC (zipfile checks it on a full
read) and name (central directory against local header), and each .npy header's dtype and shape
against the member's size before anything is allocated. Object arrays are refused: nothing is
ever unpickled.
"""
import io
import math
import struct
import zipfile
import zlib

import numpy as np

from ._errors import fail

MANIFEST = "__graphgrad__"
_EPOCH = (1980, 1, 1, 0, 0, 0)          # fixed member dates: the same object gives the same file
_MAX_HEADER = 10_000                     # np.load's own limit on a .npy header
_MAX_RATIO = 1100                        # deflate cannot expand more than ~1032 : 1
_SIGNATURE = b'{"format":"graphgrad"'     # how the manifest's text begins


def write_npz(file, arrays, manifest_text):
    """Write the archive to a binary file object."""
    with zipfile.ZipFile(file, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        _member(archive, MANIFEST, np.frombuffer(manifest_text.encode(), np.uint8))
        for name, array in arrays.items():
            _member(archive, name, array)


def _member(archive, name, array):
    info = zipfile.ZipInfo(name + ".npy", date_time=_EPOCH)
    info.external_attr = 0o644 << 16
    with archive.open(info, "w", force_zip64=True) as f:
        np.lib.format.write_array(f, array, allow_pickle=False)


def read_npz(data, where):
    """({member name without .npy: array}, manifest text or None) of a zip archive."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    infos = archive.infolist()
    _check_entry_count(data, len(infos), where)
    arrays, manifest, seen = {}, None, set()
    for info in infos:
        member = f"member {info.filename!r}"
        if info.filename in seen:
            raise fail(where, f"{member} appears twice")
        seen.add(info.filename)
        if not info.filename.endswith(".npy"):
            pickled = info.filename.endswith(".pkl") or "data/" in info.filename
            raise fail(where, f"{member} is not a .npy array" + (
                " (a torch.save archive: pickled Python objects, which graphgrad never "
                "unpickles since that can run arbitrary code; convert it to safetensors)"
                if pickled else ""))
        if info.flag_bits & 0x1:
            raise fail(where, f"{member} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise fail(where, f"{member} uses compression method {info.compress_type} (only "
                              "stored and deflated members are read)")
        limit = info.compress_size if info.compress_type == zipfile.ZIP_STORED \
            else _MAX_RATIO * info.compress_size + 1024
        if info.file_size > limit or info.header_offset + info.compress_size > len(data):
            raise fail(where, f"{member} announces {info.file_size} bytes from "
                              f"{info.compress_size} stored ones, in a file of {len(data)} bytes")
        array = parse_npy(_member_bytes(archive, info, data, where), f"{where}: {member}")
        if info.filename == MANIFEST + ".npy":
            if array.dtype != np.uint8 or array.ndim != 1:
                raise fail(where, f"{member} (the manifest) is not text")
            manifest = array.tobytes().decode("utf-8")
        elif array.dtype == np.uint8 and array.ndim == 1 and \
                array[:len(_SIGNATURE)].tobytes() == _SIGNATURE:
            raise fail(where, f"{member} holds graphgrad's manifest under another name (a "
                              "damaged member name)")
        else:
            arrays[info.filename[:-4]] = array
    return arrays, manifest


def _member_bytes(archive, info, data, where):
    """A member's bytes, CRC checked: a view into data for stored members (no copy), else
    zipfile's decompression (which checks the CRC itself)."""
    if info.compress_type != zipfile.ZIP_STORED:
        return archive.read(info)
    at = info.header_offset
    if data[at:at + 4] != b"PK\x03\x04" or len(data) < at + 30:
        raise fail(where, f"member {info.filename!r}: bad local header (damaged archive)")
    name_length, extra_length = struct.unpack("<HH", data[at + 26:at + 30])
    name = data[at + 30:at + 30 + name_length]
    if name != info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437"):
        raise fail(where, f"member {info.filename!r}: the file name in the directory and in "
                          f"the local header differ ({name[:60]!r}; damaged archive)")
    start = at + 30 + name_length + extra_length
    if start + info.compress_size > len(data):
        raise fail(where, f"member {info.filename!r} runs past the end of the file")
    raw = memoryview(data)[start:start + info.compress_size]
    if zlib.crc32(raw) != info.CRC:
        raise fail(where, f"Bad CRC-32 for member {info.filename!r} (its bytes were damaged)")
    return raw


def _check_entry_count(data, found, where):
    """The end-of-central-directory record (or its zip64 form) must count what zipfile found."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 65535))
    if end < 0 or end + 22 > len(data):
        raise fail(where, "no end-of-central-directory record (truncated zip archive)")
    counts = struct.unpack("<HH", data[end + 8:end + 12])
    if 0xFFFF in counts:                                  # zip64: the counts are elsewhere
        record = end - 20 - 56
        if record < 0 or data[record:record + 4] != b"PK\x06\x06":
            raise fail(where, "damaged zip64 end-of-central-directory record")
        counts = struct.unpack("<QQ", data[record + 24:record + 40])
    if counts != (found, found):
        raise fail(where, f"the zip archive announces {counts[1]} members, its central "
                          f"directory lists {found} (damaged archive)")


def parse_npy(raw, where):
    """The array in .npy bytes; its header is checked against the number of bytes there."""
    f = io.BytesIO(bytes(raw[:_MAX_HEADER + 64]))   # the header only; raw may be a view
    try:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f, _MAX_HEADER)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f, _MAX_HEADER)
        else:
            raise ValueError(f".npy format version {version} is not supported (1.0 and 2.0 are)")
    except Exception as e:           # ValueError, or what numpy's header parsing lets out
        raise fail(where, f"not a valid .npy array ({type(e).__name__}: {e})") from None
    if dtype.hasobject:
        raise fail(where, "holds pickled Python objects (an object array); graphgrad never "
                          "unpickles, since that can run arbitrary code")
    if any(s < 0 for s in shape):
        raise fail(where, f"negative dimension in shape {shape}")
    count, offset = math.prod(shape), f.tell()
    if count * dtype.itemsize != len(raw) - offset:
        raise fail(where, f"the header announces shape {shape} of {dtype} ({count * dtype.itemsize}"
                          f" bytes), the data has {len(raw) - offset} bytes")
    if dtype.itemsize == 0 or count == 0:
        return np.zeros(shape, dtype, order="F" if fortran else "C")
    # copied as bytes (a memcpy even where the data sit unaligned in the file), then viewed
    array = np.frombuffer(raw, np.uint8, count * dtype.itemsize, offset).copy().view(dtype)
    return array.reshape(shape, order="F" if fortran else "C")
