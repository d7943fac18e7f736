"""IDX files: reading, rejecting bad files, and the download path against a loopback server."""
import gzip
import hashlib
import http.server
import threading
from functools import partial

import numpy as np
import pytest

import graphgrad as gg
from graphgrad.data import DataNotFoundError, IDXError, Source


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


@pytest.fixture
def server(tmp_path):
    """An HTTP server on 127.0.0.1 serving tmp_path/www, stopped after the test.

    serve_forever looks for shutdown() every poll_interval seconds (0.5 s by default, which
    was the whole teardown); at 10 ms the server stops at once, and the thread is joined."""
    root = tmp_path / "www"
    root.mkdir()
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01},
                              daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
        assert not thread.is_alive(), "the loopback server did not stop"


def _publish(root, n_train=8, n_test=4):
    """Write a small MNIST-shaped set; return role -> (name, md5)."""
    files = {}
    for split, n in (("train", n_train), ("test", n_test)):
        images, labels = _images_and_labels(n, seed=n)
        for kind, array in (("images", images), ("labels", labels)):
            name = f"{split}-{kind}.gz"
            payload = gzip.compress(_idx(array))
            (root / name).write_bytes(payload)
            files[f"{split}_{kind}"] = (name, hashlib.md5(payload).hexdigest())
    return files


def test_download_once_with_checksums(server, tmp_path):
    root, url = server
    source = Source("tiny", _publish(root), ("http://127.0.0.1:9/", url))
    cache = tmp_path / "cache"
    x, y = gg.data.idx.load(source, root=cache)
    assert x.shape == (8, 784) and x.dtype == np.float32 and float(x.data.max()) <= 1.0
    assert sorted(p.name for p in cache.iterdir()) == sorted(n for n, _ in source.files.values())
    for name in list(root.iterdir()):
        name.unlink()  # the server has nothing now: a second load must use the cache
    xt, yt = gg.data.idx.load(source, train=False, root=cache, flatten=False)
    assert xt.shape == (4, 28, 28) and len(yt) == 4


def test_checksum_mismatch_keeps_nothing(server, tmp_path):
    root, url = server
    files = _publish(root)
    name, _ = files["train_images"]
    files["train_images"] = (name, "0" * 32)
    cache = tmp_path / "cache"
    with pytest.raises(DataNotFoundError, match="checksum mismatch") as info:
        gg.data.idx.locate(Source("tiny", files, (url,)), root=cache)
    assert not (cache / name).exists() and not list(cache.glob("*.part"))
    assert "set GRAPHGRAD_DATA" in str(info.value)


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
    for role, (name, _) in gg.data.FASHION_MNIST.files.items():
        images, labels = _images_and_labels(3, seed=1)
        array = images if role.endswith("images") else labels
        (folder / name[:-3]).write_bytes(_idx(array))  # uncompressed copies are accepted
    monkeypatch.setenv("GRAPHGRAD_DATA", str(tmp_path))
    x, y = gg.data.fashion_mnist(download=False)
    assert x.shape == (3, 784)
