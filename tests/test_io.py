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
    gg.save({"tensor": gg.tensor(array), "array": array, "empty": np.zeros((0, 2), array.dtype),
             "scalar": array.flat[2:3].reshape(())}, path)
    back = gg.load(path)
    assert isinstance(back["tensor"], gg.Tensor) and isinstance(back["array"], np.ndarray)
    for got in (back["tensor"].numpy(), back["array"]):
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
        np.testing.assert_array_equal(archive["0.weight"], model[0].weight.numpy())
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
