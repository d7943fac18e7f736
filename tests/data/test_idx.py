"""IDX files: reading, rejecting bad files (the download path is in test_downloads.py)."""
import gzip
import os
import zlib

import numpy as np
import pytest

import graphgrad as gg
from graphgrad.data import DataNotFoundError, IDXError


def _idx(array, type_code=0x08):
    header = bytes([0, 0, type_code, array.ndim]) + np.array(array.shape, ">i4").tobytes()
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def _images_and_labels(n=6, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), \
        rng.integers(0, 10, n, dtype=np.uint8)


def test_read_plain_and_gzipped(tmp_path):
    images, labels = _images_and_labels()
    (tmp_path / "im").write_bytes(_idx(images))
    (tmp_path / "lab.gz").write_bytes(gzip.compress(_idx(labels)))
    np.testing.assert_array_equal(gg.data.read_idx(tmp_path / "im"), images)
    np.testing.assert_array_equal(gg.data.read_idx(tmp_path / "lab.gz"), labels)
    values = np.arange(6, dtype=np.float64).reshape(2, 3) / 7
    np.testing.assert_array_equal(gg.data.parse_idx(_idx(values, 0x0E)), values)


def test_truncated_or_padded_files_are_rejected(tmp_path):
    raw = _idx(_images_and_labels()[0])
    with pytest.raises(IDXError, match="truncated.*shape \\(6, 28, 28\\)"):
        gg.data.parse_idx(raw[:-1])
    with pytest.raises(IDXError, match="longer than"):
        gg.data.parse_idx(raw + b"\0")
    with pytest.raises(IDXError, match="not an IDX file"):
        gg.data.parse_idx(b"\x89PNG" + raw[4:])
    with pytest.raises(IDXError, match="truncated header"):
        gg.data.parse_idx(raw[:9])
    (tmp_path / "bad.gz").write_bytes(gzip.compress(raw)[:-20])
    with pytest.raises(IDXError, match="gzip"):
        gg.data.read_idx(tmp_path / "bad.gz")


def _header(type_code, dims):
    return bytes([0, 0, type_code, len(dims)]) + np.array(dims, ">u4").tobytes()


def test_negative_and_overflowing_dimensions_are_rejected():
    with pytest.raises(IDXError, match="negative dimension"):
        gg.data.parse_idx(_header(0x08, [2, 0xFFFFFFFE]) + b"\0" * 8)   # (2, -2)
    with pytest.raises(IDXError, match="negative dimension"):      # (-1)·(-1) = 1 byte, which
        gg.data.parse_idx(_header(0x08, [0xFFFFFFFF] * 2) + b"\0")  # is there: NumPy's reshape
    # 2^21 · 2^21 · 2^22 = 2^64 wraps to 0 in int64, which matched the empty data
    with pytest.raises(IDXError, match="truncated: the header announces shape"):
        gg.data.parse_idx(_header(0x08, [1 << 21, 1 << 21, 1 << 22]))
    with pytest.raises(IDXError, match="truncated header"):
        gg.data.parse_idx(bytes([0, 0, 8, 255]) + b"\0" * 12)


def test_corrupt_compressed_data_is_an_idx_error(tmp_path):
    raw = _idx(_images_and_labels()[0])
    packed = bytearray(gzip.compress(raw))
    packed[len(packed) // 2] ^= 0xFF                      # damage inside the deflate stream
    (tmp_path / "flipped.gz").write_bytes(bytes(packed))
    with pytest.raises(IDXError, match="corrupt gzip data|truncated gzip|longer than"):
        gg.data.read_idx(tmp_path / "flipped.gz")
    packed = bytearray(gzip.compress(raw))
    packed[-8] ^= 0x01                                     # the CRC-32 in the gzip trailer
    (tmp_path / "crc.gz").write_bytes(bytes(packed))
    with pytest.raises(IDXError, match="corrupt gzip data.*incorrect data check"):
        gg.data.read_idx(tmp_path / "crc.gz")
    (tmp_path / "garbage.gz").write_bytes(b"\x1f\x8b" + os.urandom(100))
    with pytest.raises(IDXError, match="corrupt gzip data"):
        gg.data.read_idx(tmp_path / "garbage.gz")
    (tmp_path / "two.gz").write_bytes(gzip.compress(raw) + gzip.compress(raw))
    with pytest.raises(IDXError, match="unexpected bytes after the compressed data"):
        gg.data.read_idx(tmp_path / "two.gz")


def test_a_small_compressed_file_cannot_announce_a_huge_array(tmp_path, monkeypatch):
    """The header says 60000 x 28 x 28 x 100 bytes; 200 compressed bytes cannot hold that,
    so nothing is decompressed or allocated beyond the header."""
    calls = []
    decompressobj = zlib.decompressobj

    def spy(*args):
        stream = decompressobj(*args)

        class Spy:
            def decompress(self, data, max_length=0):
                calls.append(max_length)
                return stream.decompress(data, max_length)

            def __getattr__(self, name):
                return getattr(stream, name)
        return Spy()
    (tmp_path / "bomb.gz").write_bytes(gzip.compress(_header(0x08, [6000000, 28, 28, 100])
                                                     + b"\0" * 1000))
    monkeypatch.setattr(zlib, "decompressobj", spy)
    with pytest.raises(IDXError, match="more than .* compressed bytes can hold"):
        gg.data.read_idx(tmp_path / "bomb.gz")
    assert calls and max(calls) <= 16                     # only the header was decompressed


def test_special_files_are_refused(tmp_path):
    with pytest.raises(IDXError, match="not a regular file"):
        gg.data.read_idx(tmp_path)
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe")
        with pytest.raises(IDXError, match="not a regular file"):
            gg.data.read_idx(tmp_path / "pipe")           # would block forever if opened plainly
    if os.path.exists("/dev/zero"):
        with pytest.raises(IDXError, match="not a regular file"):
            gg.data.read_idx("/dev/zero")


def test_empty_arrays_and_zero_dimensions(tmp_path):
    empty = np.zeros((0, 28, 28), np.uint8)
    np.testing.assert_array_equal(gg.data.parse_idx(_idx(empty)), empty)
    (tmp_path / "e.gz").write_bytes(gzip.compress(_idx(empty)))
    assert gg.data.read_idx(tmp_path / "e.gz").shape == (0, 28, 28)
    assert gg.data.parse_idx(bytes([0, 0, 8, 0, 7])) == 7              # a 0-d array


def test_mislabelled_pairs_are_rejected(tmp_path):
    images, labels = _images_and_labels()
    (tmp_path / "im").write_bytes(_idx(images))
    (tmp_path / "lab").write_bytes(_idx(labels))
    (tmp_path / "short").write_bytes(_idx(labels[:5]))
    (tmp_path / "eleven").write_bytes(_idx(np.append(labels[:5], 11).astype(np.uint8)))
    with pytest.raises(IDXError, match="6 images but .* 5 labels"):
        gg.data.load_idx_pair(tmp_path / "im", tmp_path / "short")
    with pytest.raises(IDXError, match="label 11 outside 0..9"):
        gg.data.load_idx_pair(tmp_path / "im", tmp_path / "eleven")
    with pytest.raises(IDXError, match="is it a labels file"):
        gg.data.load_idx_pair(tmp_path / "lab", tmp_path / "lab")
    x, y = gg.data.load_idx_pair(tmp_path / "im", tmp_path / "lab")
    assert x.shape == (6, 28, 28) and len(y) == 6


def test_missing_data_says_how_to_get_it(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHGRAD_DATA", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(DataNotFoundError) as info:
        gg.data.mnist(download=False)
    message = str(info.value)
    assert str(tmp_path / "mnist") in message and "t10k-images-idx3-ubyte.gz" in message
    assert "GRAPHGRAD_DATA" in message
    assert gg.data.idx.search_path(gg.data.FASHION_MNIST)[-1].as_posix() == \
        "/usr/share/datasets/fashion-mnist"


def test_environment_folder_comes_first(tmp_path, monkeypatch):
    folder = tmp_path / "fashion-mnist"
    folder.mkdir()
    for role, (name, *_) in gg.data.FASHION_MNIST.files.items():
        images, labels = _images_and_labels(3, seed=1)
        array = images if role.endswith("images") else labels
        (folder / name[:-3]).write_bytes(_idx(array))  # uncompressed copies are accepted
    monkeypatch.setenv("GRAPHGRAD_DATA", str(tmp_path))
    x, y = gg.data.fashion_mnist(download=False)
    assert x.shape == (3, 784)
