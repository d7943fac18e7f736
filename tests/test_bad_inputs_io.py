"""A catalogue of bad inputs for checkpoints (gg.load, gg.save) and data files (IDX): each
raises exactly the error type listed, with a message that names the file and the problem; no
code in a file ever runs (the pickle payloads would create a marker file), and a failed save
leaves the existing file as it was, with no temporary file beside it."""
import gzip
import importlib.util
import io
import json
import os
import pickle
import re
import struct
import sys
import zipfile

import numpy as np
import pytest

import graphgrad as gg
from graphgrad.data import IDXError
from graphgrad.io import MissingFolderError, SerializationError

needs_safetensors = pytest.mark.skipif(importlib.util.find_spec("safetensors") is None,
                                       reason="the optional safetensors package is not installed")
MARKER = "pickle_payload_ran"


class Payload:
    """Unpickling this creates the marker file: proof that something was executed."""

    def __init__(self, folder):
        self.path = str(folder / MARKER)

    def __reduce__(self):
        return (open, (self.path, "w"))


# ------------------------------------------------------------------------------ builders
def saved(obj, format="npz"):
    buffer = io.BytesIO()
    gg.save(obj, buffer, format=format)
    return buffer.getvalue()


STATE = {"w": np.arange(6.0).reshape(2, 3), "b": np.ones(2, np.float32), "step": 7}


def npy(header, body=b""):
    """.npy bytes with a header written by hand (format 1.0)."""
    text = repr(header).encode() + b" "
    text += b" " * (-(10 + len(text) + 1) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + body


def zipped(members, method=zipfile.ZIP_STORED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data,
                             compress_type=method)
    return buffer.getvalue()


def with_manifest(manifest, arrays):
    """An npz of our layout holding the given manifest (a dict) and arrays."""
    def member(array):
        f = io.BytesIO()
        np.lib.format.write_array(f, array)
        return f.getvalue()
    text = np.frombuffer(json.dumps(manifest, separators=(",", ":")).encode(), np.uint8)
    return zipped([("__graphgrad__.npy", member(text))] +
                  [(name + ".npy", member(a)) for name, a in arrays.items()])


def manifest(nodes, arrays=()):
    return {"format": "graphgrad", "version": 2, "nodes": nodes, "arrays": list(arrays)}


def central_entry(data, name):
    """Offset of the central directory entry of member `name`."""
    at = data.index(b"PK\x01\x02" + data[data.index(b"PK\x01\x02") + 4:][:0])
    while True:
        length = struct.unpack("<H", data[at + 28:at + 30])[0]
        if data[at + 46:at + 46 + length] == name.encode():
            return at
        at = data.index(b"PK\x01\x02", at + 4)


def patched(data, offset, fmt, value):
    data = bytearray(data)
    struct.pack_into(fmt, data, offset, value)
    return bytes(data)


def drop_last_central_entry(data):
    """The end record shortened by the last central entry and counting one member less."""
    end = data.rindex(b"PK\x05\x06")
    last = data.rindex(b"PK\x01\x02", 0, end)
    data = patched(data, end + 12, "<I", struct.unpack("<I", data[end + 12:end + 16])[0]
                   - (end - last))
    return data[:last] + data[end:]


def rename_both(data, old, new):
    """A member renamed in its local header and its central entry alike (two bytes changed)."""
    assert len(old) == len(new) and data.count(old.encode()) == 2
    return data.replace(old.encode(), new.encode())


def flip_float_in_member(data):
    """One bit in the first float of member w.npy (its CRC no longer matches)."""
    data = bytearray(data)
    start = data.index(b"w.npy")
    at = data.index(b"\n", start) + 1 + 8
    data[at] ^= 0x10
    return bytes(data)


def safetensors_text(text, body=b""):
    return struct.pack("<Q", len(text)) + text.encode() + body


def safetensors_bytes(header, body=b""):
    return safetensors_text(json.dumps(header), body)


def safetensors_edit(edit):
    """Our safetensors file for STATE with its header (a dict) changed by edit(header)."""
    data = saved(STATE, "safetensors")
    size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + size])
    edit(header)
    return safetensors_bytes(header, data[8 + size:])


def set_metadata(key, value):
    def edit(header):
        header["__metadata__"][key] = value
    return edit


def change_step_in_manifest(header):
    meta = header["__metadata__"]
    meta["graphgrad"] = meta["graphgrad"].replace('["v",7]', '["v",3]')
    assert '["v",3]' in meta["graphgrad"]


def deep_json(depth):
    return ("[" * depth + "]" * depth).encode()


# ------------------------------------------------------------------------------ loading
#: (name, file bytes or a function of the test folder giving them, message pattern)
LOADS = [
    ("empty_file", b"", "the file is empty"),
    ("text_file", b"hello, I am not a checkpoint\n", "neither a safetensors nor an npz"),
    ("raw_pickle", lambda d: pickle.dumps({"w": Payload(d)}), "looks like a Python pickle"),
    ("torch_save_zip", lambda d: zipped([("archive/data.pkl", pickle.dumps(Payload(d)))]),
     "torch.save archive.*never unpickles"),
    ("npz_object_array", lambda d: zipped([("w.npy", npy({"descr": "|O", "fortran_order": False,
                                                          "shape": (1,)},
                                                         pickle.dumps([Payload(d)])))]),
     "pickled Python objects"),
    ("npy_object_array", lambda d: npy({"descr": "|O", "fortran_order": False, "shape": (1,)},
                                       pickle.dumps([Payload(d)])), "pickled Python objects"),
    ("npz_truncated", saved(STATE)[:-30], "no end-of-central-directory record|damaged"),
    ("npz_central_directory_drops_a_member", drop_last_central_entry(saved(STATE)),
     "announces 3 members, its central directory lists 2"),
    ("npz_manifest_member_renamed", rename_both(saved(STATE), "__graphgrad__.npy",
                                                "__graphgraX__.npy"),
     "holds graphgrad's manifest under another name"),
    ("npz_array_member_renamed", rename_both(saved(STATE), "w.npy", "v.npy"),
     "do not match its manifest"),
    ("npz_crc_mismatch", flip_float_in_member(saved(STATE)), "Bad CRC-32"),
    ("npz_central_name_differs", lambda d: (lambda data: patched(
        data, central_entry(data, "w.npy") + 46, "<B", ord("v")))(saved(STATE)),
     "differ"),
    ("npz_encrypted_flag", lambda d: (lambda data: patched(
        data, central_entry(data, "w.npy") + 8, "<H", 1))(saved(STATE)), "is encrypted"),
    ("npz_unknown_compression", lambda d: (lambda data: patched(
        data, central_entry(data, "w.npy") + 10, "<H", 99))(saved(STATE)),
     "compression method 99"),
    ("npz_zip_bomb_sizes", lambda d: (lambda data: patched(
        data, central_entry(data, "w.npy") + 24, "<I", 2**31))(saved(STATE)),
     "announces 2147483648 bytes from"),
    ("npz_duplicate_members", zipped([("a.npy", npy({"descr": "<f8", "fortran_order": False,
                                                     "shape": ()}, b"\0" * 8))] * 2),
     "appears twice"),
    ("npz_member_not_npy", zipped([("notes.txt", b"hello")]), "is not a .npy array"),
    ("npz_declares_a_huge_array", zipped([("a.npy", npy({"descr": "<f8", "fortran_order": False,
                                                         "shape": (10**6, 10**6)}, b"\0" * 8))]),
     "announces shape \\(1000000, 1000000\\)"),
    ("npy_declares_a_huge_array", npy({"descr": "<f8", "fortran_order": False,
                                       "shape": (2**40,)}, b"\0" * 64),
     "announces shape \\(1099511627776,\\)"),
    ("npy_negative_shape", npy({"descr": "<f8", "fortran_order": False, "shape": (-1, -8)},
                               b"\0" * 64), "negative dimension"),
    ("npy_bad_header", b"\x93NUMPY\x01\x00\x10\x00{'descr': os.system}\n",
     "not a valid .npy array"),
    ("npy_unknown_version", b"\x93NUMPY\x07\x00" + b"\0" * 40, "not a valid .npy array"),
    ("manifest_misses_an_array", with_manifest(manifest([["a", 0, "ndarray"]],
                                                        [["w", "<f8", [2]]]), {}),
     "missing: \\['w'\\]"),
    ("manifest_dtype_differs", with_manifest(manifest([["a", 0, "ndarray"]], [["w", "<f4", [2]]]),
                                             {"w": np.zeros(2)}), "holds float64 \\(2,\\), its "
                                                                  "manifest says float32"),
    ("manifest_not_json", zipped([("__graphgrad__.npy", npy({"descr": "|u1",
                                                             "fortran_order": False,
                                                             "shape": (4,)}, b"{{{{"))]),
     "damaged structure description"),
    ("manifest_nested_too_deeply", lambda d: zipped([("__graphgrad__.npy", npy(
        {"descr": "|u1", "fortran_order": False, "shape": (200_000,)}, deep_json(100_000)))]),
     "nested too deeply|damaged"),
    ("manifest_child_before_parent", with_manifest(manifest([["l", [1]], ["l", [0]]]), {}),
     "node 1 refers to 0"),
    ("manifest_node_used_twice", with_manifest(manifest([["l", [1, 1]], ["v", 3]]), {}),
     "node 0 refers to 1"),
    ("manifest_unknown_version", with_manifest({**manifest([["v", 1]]), "version": 99}, {}),
     "version 99.*newer graphgrad or damaged"),
    ("manifest_object_dtype", with_manifest(manifest([["a", 0, "ndarray"]], [["w", "|O", [1]]]),
                                            {"w": np.zeros(1, np.uint8)}),
     "dtype object, which would need pickle"),
    ("manifest_bad_value", with_manifest(manifest([["v", {"__class__": "os.system"}]]), {}),
     "damaged manifest \\(value node 0\\)"),
    ("safetensors_header_past_the_end", struct.pack("<Q", 10**6) + b"{}", "neither"),
    ("safetensors_header_not_json", struct.pack("<Q", 4) + b"{abc", "damaged safetensors header"),
    ("safetensors_duplicate_key", safetensors_text(
        '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},'
        '"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', b"x"),
     "the key 'a' appears twice"),
    ("safetensors_gap", safetensors_bytes({"a": {"dtype": "U8", "shape": [2],
                                                 "data_offsets": [2, 4]}}, b"abcd"),
     "starts at byte 2 of the data, not at 0"),
    ("safetensors_padding", safetensors_bytes({"a": {"dtype": "U8", "shape": [2],
                                                     "data_offsets": [0, 2]}}, b"abcd"),
     "cover 2 bytes, the file holds 4"),
    ("safetensors_declares_a_huge_tensor", safetensors_bytes(
        {"a": {"dtype": "F64", "shape": [10**9, 10**9], "data_offsets": [0, 8]}}, b"\0" * 8),
     "needs 8000000000000000000 bytes, its offsets give 8"),
    ("safetensors_bfloat16", safetensors_bytes({"a": {"dtype": "BF16", "shape": [1],
                                                      "data_offsets": [0, 2]}}, b"\0\0"),
     "dtype BF16, which NumPy"),
    ("safetensors_bad_metadata", safetensors_bytes({"__metadata__": {"k": 5}}),
     "__metadata__ must map str to str"),
]

LOADS_NEEDING_SAFETENSORS = [
    ("safetensors_flipped_tensor_bit", lambda d: (lambda data: data[:-1] + bytes(
        [data[-1] ^ 4]))(saved(STATE, "safetensors")), "checksum mismatch"),
    ("safetensors_changed_manifest", lambda d: safetensors_edit(change_step_in_manifest),
     "checksum mismatch"),
    ("safetensors_checksum_removed", lambda d: safetensors_edit(
        lambda h: h["__metadata__"].pop("graphgrad.sha256")), "metadata is incomplete"),
    ("safetensors_forged_checksum", lambda d: safetensors_edit(
        set_metadata("graphgrad.sha256", "0" * 64)), "checksum mismatch"),
]


def _cases():
    cases = [pytest.param(*case, id=case[0]) for case in LOADS]
    cases += [pytest.param(*case, id=case[0], marks=needs_safetensors)
              for case in LOADS_NEEDING_SAFETENSORS]
    return cases


def snapshot(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("name, content, pattern", _cases())
def test_bad_checkpoint_is_refused_with_a_clear_message(tmp_path, name, content, pattern):
    path = tmp_path / f"{name}.bin"
    path.write_bytes(content(tmp_path) if callable(content) else content)
    before = snapshot(tmp_path)
    with pytest.raises(SerializationError) as info:
        gg.load(path)
    assert type(info.value) is SerializationError
    message = str(info.value)
    assert message.startswith(f"load: {path}") and re.search(pattern, message), message
    assert snapshot(tmp_path) == before and not (tmp_path / MARKER).exists()


def test_special_and_missing_files(tmp_path):
    cases = [(tmp_path, SerializationError, "is a folder, not a checkpoint file"),
             (tmp_path / "missing.npz", FileNotFoundError, "no such file")]
    if os.path.exists("/dev/zero"):
        cases.append(("/dev/zero", SerializationError, "a device, pipe or socket"))
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe")       # opening it plainly would wait for a writer forever
        cases.append((tmp_path / "pipe", SerializationError, "a device, pipe or socket"))
    for path, error, pattern in cases:
        with pytest.raises(error) as info:
            gg.load(path)
        assert type(info.value) is error and str(path) in str(info.value)
        assert re.search(pattern, str(info.value))


def test_foreign_devices_are_refused(tmp_path):
    gg.save(STATE, tmp_path / "s.npz")
    with pytest.raises(ValueError, match="map_location must be None, 'cpu'") as info:
        gg.load(tmp_path / "s.npz", map_location="cuda:0")
    assert type(info.value) is ValueError


# ------------------------------------------------------------------------------ saving
def _cycle():
    loop = [1]
    loop.append(loop)
    return loop


#: (name, object, format, error type, message pattern)
SAVES = [
    ("a_set", {"s": {1, 2}}, "npz", SerializationError, "cannot store a set \\(at s\\)"),
    ("a_function", [print], "npz", SerializationError,
     "cannot store a builtin_function_or_method \\(at 0\\)"),
    ("a_cycle", {"x": _cycle()}, "npz", SerializationError, "contains itself \\(at x.1\\)"),
    ("an_object_array", {"o": np.array([None, 1], dtype=object)}, "npz", SerializationError,
     "has dtype object, which would need pickle"),
    ("a_tuple_key", {(1, 2): 1}, "npz", SerializationError, "dict keys must be str or int"),
    ("a_bool_key", {"d": {True: 1}}, "npz", SerializationError,
     "dict keys must be str or int, got True \\(at d\\)"),
    ("an_integer_too_long_to_print", {"n": 10 ** 5000}, "npz", SerializationError,
     "cannot be written"),
    ("an_unknown_format", {"w": np.ones(1)}, "pickle", ValueError,
     "format must be 'safetensors' or 'npz'"),
]


@pytest.mark.parametrize("name, obj, format, error, pattern", SAVES, ids=[s[0] for s in SAVES])
def test_failed_save_keeps_the_existing_file(tmp_path, name, obj, format, error, pattern):
    path = tmp_path / "model.npz"
    gg.save(STATE, path)
    before = snapshot(tmp_path)
    with pytest.raises(error) as info:
        gg.save(obj, path, format=format)
    assert type(info.value) is error and re.search(pattern, str(info.value)), str(info.value)
    assert snapshot(tmp_path) == before
    np.testing.assert_array_equal(gg.load(path)["w"], STATE["w"])


def test_failed_saves_of_the_file_system_kind(tmp_path, monkeypatch):
    with pytest.raises(MissingFolderError, match=re.escape(str(tmp_path / "nope"))):
        gg.save(STATE, tmp_path / "nope" / "m.npz")
    (tmp_path / "folder.npz").mkdir()
    with pytest.raises(IsADirectoryError, match="is a folder"):
        gg.save(STATE, tmp_path / "folder.npz")
    assert list((tmp_path / "folder.npz").iterdir()) == []
    (tmp_path / "folder.npz").rmdir()
    path = tmp_path / "m.safetensors"
    if importlib.util.find_spec("safetensors") is not None:
        gg.save(STATE, path)
    else:
        path.write_bytes(b"kept")
    before = snapshot(tmp_path)
    monkeypatch.setitem(sys.modules, "safetensors", None)
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ImportError, match="graphgrad\\[safetensors\\]"):
        gg.save({"w": np.zeros(1)}, path)
    assert snapshot(tmp_path) == before


# ------------------------------------------------------------------------------ data files
def _idx(array, code=0x08):
    return bytes([0, 0, code, array.ndim]) + np.array(array.shape, ">i4").tobytes() + \
        array.astype(array.dtype.newbyteorder(">")).tobytes()


IMAGES = np.arange(2 * 4 * 4, dtype=np.uint8).reshape(2, 4, 4)


def _damaged_gzip():
    data = bytearray(gzip.compress(_idx(IMAGES), mtime=0))
    data[-8] ^= 0xFF                                           # the CRC-32 of the trailer
    return bytes(data)


#: (name, file bytes, message pattern) for gg.data.read_idx
IDX_FILES = [
    ("empty", b"", "not an IDX file .*got nothing"),
    ("png", b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "not an IDX file .*got 89504e47"),
    ("unknown_type", bytes([0, 0, 0x07, 1, 0, 0, 0, 1, 5]), "not an IDX file"),
    ("truncated_header", bytes([0, 0, 8, 3, 0, 0, 0, 2]), "truncated header \\(8 bytes for 3"),
    ("truncated_data", _idx(IMAGES)[:-1], "truncated: the header announces shape \\(2, 4, 4\\)"),
    ("padded_data", _idx(IMAGES) + b"\0", "longer than its header says"),
    ("negative_dimension", bytes([0, 0, 8, 1]) + struct.pack(">i", -3), "negative dimension"),
    ("overflowing_dimensions", bytes([0, 0, 8, 3]) + struct.pack(">iii", 1 << 21, 1 << 21,
                                                                  1 << 22),
     "truncated: the header announces shape \\(2097152, 2097152, 4194304\\)"),
    ("gzip_garbage", b"\x1f\x8b\x08\x00" + b"\xff" * 40, "corrupt gzip data"),
    ("gzip_bad_crc", _damaged_gzip(), "corrupt gzip data.*incorrect data check"),
    ("gzip_truncated", gzip.compress(_idx(IMAGES))[:-12], "truncated gzip data"),
    ("gzip_announces_too_much", gzip.compress(bytes([0, 0, 8, 2]) + struct.pack(
        ">ii", 10**9, 10**9)), "more than .* compressed bytes can hold"),
    ("gzip_trailing_garbage", gzip.compress(_idx(IMAGES)) + b"junk", "unexpected bytes after"),
]


@pytest.mark.parametrize("name, content, pattern", IDX_FILES, ids=[c[0] for c in IDX_FILES])
def test_bad_idx_file_is_an_idx_error(tmp_path, name, content, pattern):
    path = tmp_path / f"{name}-idx3-ubyte"
    path.write_bytes(content)
    with pytest.raises(IDXError) as info:
        gg.data.read_idx(path)
    assert type(info.value) is IDXError
    assert str(info.value).startswith(str(path)) and re.search(pattern, str(info.value)), \
        str(info.value)
    assert path.read_bytes() == content


def test_idx_files_that_do_not_belong_together(tmp_path):
    labels = np.array([1, 2], np.uint8)
    (tmp_path / "images").write_bytes(_idx(IMAGES))
    (tmp_path / "labels").write_bytes(_idx(labels))
    (tmp_path / "big").write_bytes(_idx(np.array([1, 12], np.uint8)))
    for images, labels_file, pattern in [("labels", "labels", "is it a labels file"),
                                         ("images", "images", "is it an images file"),
                                         ("images", "big", "label 12 outside 0..9")]:
        with pytest.raises(IDXError, match=pattern) as info:
            gg.data.load_idx_pair(tmp_path / images, tmp_path / labels_file)
        assert type(info.value) is IDXError
    with pytest.raises(IDXError, match="not a regular file"):
        gg.data.read_idx(tmp_path)
