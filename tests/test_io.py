"""gg.save / gg.load: bit-exact round trips in every dtype and both formats, state dicts,
nested structures, atomic writes, and refusal of truncated, corrupt or pickled files."""
import importlib.util
import io
import os
import pickle
import sys
import zipfile

import numpy as np
import pytest

import graphgrad as gg
from graphgrad.io import SerializationError

needs_safetensors = pytest.mark.skipif(importlib.util.find_spec("safetensors") is None,
                                       reason="the optional safetensors package is not installed")
FORMATS = ["npz", pytest.param("safetensors", marks=needs_safetensors)]
DTYPES = ["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
          "float16", "float32", "float64", "longdouble", "complex64", "complex128", ">f8", "<U3"]


def _path(tmp_path, format, stem="obj"):
    return tmp_path / f"{stem}.{format}"


def _sample(dtype, rng):
    dtype = np.dtype(dtype)
    if dtype.kind == "U":
        return np.array([["ab", "", "xyz"], ["é", "q", "zz"]], dtype)
    if dtype.kind == "b":
        return rng.integers(0, 2, (2, 3)).astype(bool)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return np.array([[info.min, info.max, 0], [1, 2, 3]], dtype)
    values = rng.normal(size=(2, 3)) * 1e3
    if dtype.kind == "c":
        values = values + 1j * rng.normal(size=(2, 3))
    values = values.astype(dtype)
    values.flat[0] = np.nan
    values.flat[1] = np.inf if dtype.kind == "f" else values.flat[1]
    return values


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_round_trip_is_bit_exact(tmp_path, format, dtype):
    array = _sample(dtype, np.random.default_rng(0))
    path = _path(tmp_path, format)
    text = array.dtype.kind == "U"          # text is kept as arrays: tensors hold numbers
    gg.save({"tensor": array if text else gg.tensor(array), "array": array,
             "empty": np.zeros((0, 2), array.dtype), "scalar": array.flat[2:3].reshape(())}, path)
    back = gg.load(path)
    assert isinstance(back["tensor"], np.ndarray if text else gg.Tensor)
    assert isinstance(back["array"], np.ndarray)
    for got in (np.asarray(back["tensor"]), back["array"]):
        assert got.dtype == array.dtype and got.shape == array.shape
        assert got.tobytes() == array.tobytes()
    assert back["empty"].shape == (0, 2) and back["empty"].dtype == array.dtype
    assert back["scalar"].shape == () and back["scalar"].tobytes() == array.flat[2:3].tobytes()


@pytest.mark.parametrize("format", FORMATS)
def test_single_tensor_and_nested_structures(tmp_path, format):
    t = gg.tensor(np.arange(6.0).reshape(2, 3))
    gg.save(t, _path(tmp_path, format, "single"))
    back = gg.load(_path(tmp_path, format, "single"))
    assert isinstance(back, gg.Tensor) and np.array_equal(back.numpy(), t.numpy())
    nested = {"state": {0: {"momentum": np.ones(3)}, 1: {"step": 4}},
              "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1],
                                "nesterov": False, "name": None}],
              "epoch": np.int64(7), "note": "résumé"}
    gg.save(nested, _path(tmp_path, format, "nested"))
    back = gg.load(_path(tmp_path, format, "nested"))
    assert back["param_groups"] == nested["param_groups"]
    assert back["state"][1] == {"step": 4} and list(back["state"]) == [0, 1]
    np.testing.assert_array_equal(back["state"][0]["momentum"], np.ones(3))
    assert back["epoch"] == 7 and isinstance(back["epoch"], np.integer)
    assert back["note"] == "résumé"


@needs_safetensors
def test_state_dict_files_are_readable_by_other_tools(tmp_path):
    model = gg.nn.MLP([3, 4, 2], generator=0)
    gg.save(model.state_dict(), tmp_path / "m.safetensors")
    gg.save(model.state_dict(), tmp_path / "m.npz")
    from safetensors.numpy import load_file
    plain = load_file(str(tmp_path / "m.safetensors"))
    assert set(plain) == {"0.weight", "0.bias", "2.weight", "2.bias"}
    with np.load(tmp_path / "m.npz", allow_pickle=False) as archive:
        np.testing.assert_array_equal(archive["0.weight"], model[0].weight.detach().numpy())
    np.savez(tmp_path / "foreign.npz", a=np.arange(3), b=np.eye(2))
    foreign = gg.load(tmp_path / "foreign.npz")
    assert set(foreign) == {"a", "b"} and isinstance(foreign["a"], gg.Tensor)
    np.save(tmp_path / "single.npy", np.arange(4))
    assert np.array_equal(gg.load(tmp_path / "single.npy").numpy(), np.arange(4))


def test_file_objects(tmp_path):
    buffer = io.BytesIO()
    gg.save({"w": np.arange(3.0)}, buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(gg.load(buffer)["w"], np.arange(3.0))


@pytest.mark.parametrize("format", FORMATS)
def test_atomic_write_keeps_the_old_file_when_saving_fails(tmp_path, format, monkeypatch):
    path = _path(tmp_path, format)
    gg.save({"v": np.ones(2)}, path)
    original = path.read_bytes()

    def crash(*args):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        gg.save({"v": np.zeros(2)}, path)
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]      # no temporary left
    monkeypatch.undo()
    gg.save({"v": np.zeros(2)}, path)
    assert gg.load(path)["v"].sum() == 0
    assert oct(path.stat().st_mode & 0o777) != oct(0o600)        # not mkstemp's private mode


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("keep", [0.3, 0.9, 0.999])
def test_truncated_files_raise(tmp_path, format, keep):
    path = _path(tmp_path, format)
    gg.save({"w": np.random.default_rng(0).normal(size=(40, 40))}, path)
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * keep)])
    with pytest.raises(SerializationError):
        gg.load(path)


@pytest.mark.parametrize("format", FORMATS)
def test_corrupt_files_raise(tmp_path, format):
    path = _path(tmp_path, format)
    gg.save({"w": np.arange(100.0)}, path)
    data = bytearray(path.read_bytes())
    if format == "safetensors":
        data[8:12] = b"!!!!"                       # break the JSON header
    else:
        start = data.index(b"__graphgrad__")
        data[start + 200:start + 230] = b"\x00" * 30
    path.write_bytes(bytes(data))
    with pytest.raises(SerializationError):
        gg.load(path)
    path.write_bytes(b"")
    with pytest.raises(SerializationError):
        gg.load(path)


class Boom:
    """Unpickling this would run code (create a file): loading must refuse before that."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickles_are_refused_and_never_executed(tmp_path):
    marker = tmp_path / "pickle_was_executed"
    pickle.loads(pickle.dumps(Boom(tmp_path / "control")))          # the payload works ...
    assert (tmp_path / "control").exists()
    raw = tmp_path / "model.pt"
    raw.write_bytes(pickle.dumps({"w": Boom(marker)}))
    with pytest.raises(SerializationError, match="pickle"):
        gg.load(raw)
    npz = tmp_path / "objects.npz"
    np.savez(npz, w=np.array([Boom(marker)], dtype=object))
    with pytest.raises(SerializationError, match="pickle"):
        gg.load(npz)
    archive = tmp_path / "torch_like.pt"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("archive/data.pkl", pickle.dumps({"w": Boom(marker)}))
    with pytest.raises(SerializationError):
        gg.load(archive)
    assert not marker.exists()                                       # ... but never ran here


def test_unsupported_objects_and_formats(tmp_path):
    with pytest.raises(SerializationError, match="set"):
        gg.save({"s": {1, 2}}, tmp_path / "x.npz")
    with pytest.raises(SerializationError, match="object"):
        gg.save(np.array([object()]), tmp_path / "x.npz")
    with pytest.raises(SerializationError, match="keys"):
        gg.save({(1, 2): np.ones(1)}, tmp_path / "x.npz")
    with pytest.raises(ValueError, match="format"):
        gg.save(np.ones(1), tmp_path / "x.bin", format="pickle")
    with pytest.raises(FileNotFoundError):
        gg.load(tmp_path / "missing.npz")


def test_missing_safetensors_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "safetensors", None)
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(ImportError, match="graphgrad\\[safetensors\\]"):
        gg.save({"w": np.ones(2)}, tmp_path / "w.safetensors")
    gg.save({"w": np.ones(2)}, tmp_path / "w.npz")                    # npz needs nothing
    assert gg.load(tmp_path / "w.npz")["w"].sum() == 2


# ------------------------------------------------------------------------------ issue 10
@pytest.mark.parametrize("format", FORMATS)
def test_any_key_round_trips_even_numpy_keywords(tmp_path, format):
    """np.savez(file, **arrays) took 'allow_pickle' and 'file' as its own arguments: the entry
    was dropped (or the call failed) and the file could not be loaded back."""
    obj = {"allow_pickle": np.arange(3), "file": np.ones(2), "args": 1, "kwds": [np.zeros(1)],
           "__graphgrad__": np.eye(2), "__metadata__": np.ones(1), "a/b\\c\0d": np.ones(1),
           "": np.ones(1), 5: np.ones(1), "x" * 1000: np.ones(1)}
    path = _path(tmp_path, format)
    gg.save(obj, path)
    back = gg.load(path)
    assert list(back) == list(obj)
    for key in obj:
        np.testing.assert_array_equal(back[key], obj[key])


@pytest.mark.parametrize("format", FORMATS)
def test_deep_nesting_saves_and_loads_without_recursion(tmp_path, format):
    depth, leaf = 10_000, np.arange(3.0)       # far beyond the recursion limit (1,000)
    nested = leaf
    for i in range(depth):
        nested = {"k": nested, "i": i} if i % 3 == 0 else [i, nested] if i % 3 == 1 \
            else (nested,)
    path = _path(tmp_path, format)
    gg.save(nested, path)
    back = gg.load(path)
    for i in reversed(range(depth)):
        if i % 3 == 0:
            assert isinstance(back, dict) and back["i"] == i
            back = back["k"]
        elif i % 3 == 1:
            assert isinstance(back, list) and back[0] == i
            back = back[1]
        else:
            assert isinstance(back, tuple) and len(back) == 1
            back = back[0]
    np.testing.assert_array_equal(back, leaf)


def test_cycles_are_refused_on_save_with_the_place(tmp_path):
    loop = {"a": [1, 2]}
    loop["a"].append(loop)
    with pytest.raises(SerializationError, match="contains itself \\(at a.2\\)"):
        gg.save(loop, tmp_path / "x.npz")
    shared = [1]
    gg.save({"p": shared, "q": shared}, tmp_path / "y.npz")     # shared, not cyclic: fine
    assert gg.load(tmp_path / "y.npz") == {"p": [1], "q": [1]}
    assert not (tmp_path / "x.npz").exists()


@pytest.mark.parametrize("format", FORMATS)
def test_structured_and_fortran_arrays_round_trip(tmp_path, format):
    structured = np.array([(1, 2.5), (3, -1.0)], dtype=[("n", "<i4"), ("v", "<f8")])
    fortran = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    path = _path(tmp_path, format)
    gg.save({"s": structured, "f": fortran}, path)
    back = gg.load(path)
    assert back["s"].dtype == structured.dtype and back["s"].tobytes() == structured.tobytes()
    np.testing.assert_array_equal(back["f"], fortran)
    assert back["f"].flags.writeable


def test_torch_load_keywords_are_accepted(tmp_path, torch):
    gg.save({"w": np.arange(3.0)}, tmp_path / "w.npz")
    for location in (None, "cpu", torch.device("cpu"), {"cuda:0": "cpu"}):
        for weights_only in (None, True, False):
            back = gg.load(tmp_path / "w.npz", map_location=location, weights_only=weights_only)
            np.testing.assert_array_equal(back["w"], np.arange(3.0))
    with pytest.raises(ValueError, match="map_location"):
        gg.load(tmp_path / "w.npz", map_location="cuda")


def test_saving_into_a_missing_folder_names_the_folder(tmp_path):
    target = tmp_path / "runs" / "a" / "model.npz"
    with pytest.raises(FileNotFoundError) as info:
        gg.save({"w": np.ones(1)}, target)
    assert str(tmp_path / "runs" / "a") in str(info.value) and ".tmp" not in str(info.value)
    assert isinstance(info.value, RuntimeError)              # what torch.save raises there
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("format", FORMATS)
def test_an_interrupted_save_leaves_no_temporary_file(tmp_path, format, monkeypatch):
    path = _path(tmp_path, format)
    gg.save({"v": np.ones(2)}, path)
    original = path.read_bytes()

    def interrupt(fd):
        raise KeyboardInterrupt
    monkeypatch.setattr(os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        gg.save({"v": np.zeros(2)}, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]
    assert path.read_bytes() == original


def test_temporaries_of_a_killed_save_are_swept_by_the_next_save(tmp_path):
    """A process killed while saving (os._exit in the middle) leaves its temporary file; the
    next save of the same target removes it, and leaves other targets' files alone."""
    import subprocess
    import textwrap
    path = tmp_path / "model.npz"
    script = textwrap.dedent(f"""
        import os, numpy as np, graphgrad as gg
        os.fsync = lambda fd: os._exit(3)
        gg.save({{"w": np.ones(3)}}, {str(path)!r})
    """)
    done = subprocess.run([sys.executable, "-c", script], timeout=60)
    assert done.returncode == 3
    left = [p.name for p in tmp_path.iterdir()]
    assert len(left) == 1 and left[0].startswith(".model.npz.") and left[0].endswith(".tmp")
    (tmp_path / ".other.npz.host.1.abc.tmp").write_bytes(b"not ours")
    gg.save({"w": np.zeros(3)}, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.npz.host.1.abc.tmp",
                                                          "model.npz"]
    assert gg.load(path)["w"].sum() == 0


@needs_safetensors
def test_safetensors_files_carry_a_checksum_that_is_verified(tmp_path):
    import json
    path = tmp_path / "m.safetensors"
    gg.save({"w": np.arange(4.0), "step": 3}, path)
    data = bytearray(path.read_bytes())
    header = json.loads(data[8:8 + int.from_bytes(data[:8], "little")])
    assert len(header["__metadata__"]["graphgrad.sha256"]) == 64
    data[-1] ^= 0x01                                          # one bit of the last float
    path.write_bytes(bytes(data))
    with pytest.raises(SerializationError, match="checksum mismatch"):
        gg.load(path)


@needs_safetensors
def test_safetensors_files_of_other_tools_load_without_a_checksum(tmp_path):
    from safetensors.numpy import save_file
    tensors = {"a": np.arange(6, dtype=np.int16).reshape(2, 3), "b": np.ones(0, np.float16),
               "c": np.array(True)}
    save_file(tensors, str(tmp_path / "plain.safetensors"), metadata={"format": "pt"})
    back = gg.load(tmp_path / "plain.safetensors")
    assert list(back) == sorted(tensors) and all(isinstance(v, gg.Tensor) for v in back.values())
    for key, array in tensors.items():
        assert back[key].numpy().dtype == array.dtype and back[key].shape == array.shape
        np.testing.assert_array_equal(back[key].numpy(), array)
    assert back["a"].numpy().flags.writeable


def test_files_of_the_first_format_still_load(tmp_path):
    """graphgrad's first .npz layout (np.savez, a nested JSON tree in __graphgrad__)."""
    import json
    tree = {"__dict__": [["w", {"__array__": "w", "kind": "tensor", "dtype": "<f8",
                                "shape": [3]}],
                         ["lr", 0.1], ["betas", {"__tuple__": [0.9, 0.999]}]]}
    meta = np.frombuffer(json.dumps(tree).encode(), np.uint8)
    np.savez(tmp_path / "old.npz", w=np.arange(3.0), __graphgrad__=meta)
    back = gg.load(tmp_path / "old.npz")
    assert isinstance(back["w"], gg.Tensor) and back["lr"] == 0.1 and back["betas"] == (0.9, 0.999)
