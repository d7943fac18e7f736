"""Downloads against loopback HTTPS servers (127.0.0.1 only, every test bounded in time): the
normal path, and a server that drips, sends forever, sends the wrong file, a bad status line, a
short body, resets the connection, redirects elsewhere, or has an untrusted certificate. Each
failure is one DataNotFoundError that says what went wrong and how to get the data, and leaves
no file behind."""
import gzip
import hashlib
import socket
import ssl
import struct
import threading
import time

import numpy as np
import pytest

import graphgrad as gg
from graphgrad.data import DataNotFoundError, Source
from graphgrad.data.download import DownloadError, Limits, fetch

# A self-signed certificate for 127.0.0.1 (valid 2000-2100), made for these tests only with
# `openssl ca -selfsign`; clients trust it through SSL_CERT_FILE. Nothing else uses this key.
CERT = """-----BEGIN CERTIFICATE-----
MIIBiDCCAS6gAwIBAgIBATAKBggqhkjOPQQDAjAiMSAwHgYDVQQDDBdncmFwaGdy
YWQgdGVzdCBsb29wYmFjazAgFw0wMDAxMDEwMDAwMDBaGA8yMTAwMDEwMTAwMDAw
MFowIjEgMB4GA1UEAwwXZ3JhcGhncmFkIHRlc3QgbG9vcGJhY2swWTATBgcqhkjO
PQIBBggqhkjOPQMBBwNCAATH+2tBa+3+HmE84db4lJfUY3QEYGUQ40Cwf41E9Knl
C/9VkOrE7xrgO7Sxn2SnhafzwusgObkXW46GqYlq37n2o1MwUTAPBgNVHREECDAG
hwR/AAABMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgKEMB0GA1UdDgQW
BBRK6AKH9zaideu3dETZvh2dfdgd7zAKBggqhkjOPQQDAgNIADBFAiAzEzE3b3Hz
/mcHUmJ6Hc9A1PEgO15z6AinxSgSqwGdCwIhALeCfRPJ6J0wDykl8UlVc9W4gkua
/pXyDlTLkLz0VMFR
-----END CERTIFICATE-----
"""
KEY = """-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgN66zteby288xf3Oj
4Ed7zhGWNbmpIBIgQtTzTWX7dyChRANCAATH+2tBa+3+HmE84db4lJfUY3QEYGUQ
40Cwf41E9KnlC/9VkOrE7xrgO7Sxn2SnhafzwusgObkXW46GqYlq37n2
-----END PRIVATE KEY-----
"""
#: Tight limits, so that every failure comes within about a second.
FAST = Limits(connect=2.0, read=2.0, total=2.0, min_rate=1000.0, window=1.0)


class Loopback:
    """An HTTPS server on 127.0.0.1; handler(tls socket, path, stop event) answers each request
    with raw bytes, so any misbehaviour can be played. Each connection has a 5 s timeout."""

    def __init__(self, handler, folder):
        (folder / "cert.pem").write_text(CERT)
        (folder / "key.pem").write_text(KEY)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
        self.handler, self.stop, self.threads = handler, threading.Event(), []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.02)
        self.url = f"https://127.0.0.1:{self.listener.getsockname()[1]}/"
        self.acceptor = threading.Thread(target=self._accept, daemon=True)
        self.acceptor.start()

    def _accept(self):
        while not self.stop.is_set():
            try:
                connection, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _serve(self, connection):
        connection.settimeout(5)
        try:
            with self.context.wrap_socket(connection, server_side=True) as tls:
                request = b""
                while b"\r\n\r\n" not in request and len(request) < 65536:
                    chunk = tls.recv(4096)
                    if not chunk:
                        return
                    request += chunk
                self.handler(tls, request.split()[1].decode(), self.stop)
        except OSError:          # the client gave up or verified nothing: what tests provoke
            pass
        finally:
            connection.close()

    def close(self):
        self.stop.set()
        self.acceptor.join(timeout=5)
        self.listener.close()
        for thread in self.threads:
            thread.join(timeout=5)
        assert not any(t.is_alive() for t in [self.acceptor, *self.threads]), \
            "the loopback server did not stop"


@pytest.fixture
def serve(tmp_path, monkeypatch):
    """serve(handler) -> base URL of a loopback HTTPS server whose certificate is trusted."""
    servers, folder = [], tmp_path / "tls"
    folder.mkdir()
    monkeypatch.setenv("SSL_CERT_FILE", str(folder / "cert.pem"))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)

    def start(handler):
        servers.append(Loopback(handler, folder))
        return servers[-1].url
    yield start
    for server in servers:
        server.close()


def answer(body, status="200 OK", length=None, headers=""):
    length = len(body) if length is None else length
    return (f"HTTP/1.1 {status}\r\nContent-Length: {length}\r\nConnection: close\r\n{headers}"
            "\r\n").encode() + body


def files_handler(files):
    def handler(tls, path, stop):
        body = files.get(path.lstrip("/"))
        tls.sendall(answer(body) if body is not None else answer(b"no", "404 Not Found"))
    return handler


def _idx(array):
    header = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, ">i4").tobytes()
    return header + array.tobytes()


def publish(n_train=8, n_test=4):
    """{file name: bytes} of a small MNIST-shaped set and its files table (name, md5, size)."""
    rng = np.random.default_rng(0)
    served, files = {}, {}
    for split, n in (("train", n_train), ("test", n_test)):
        arrays = {"images": rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
                  "labels": rng.integers(0, 10, n, dtype=np.uint8)}
        for kind, array in arrays.items():
            name = f"{split}-{kind}.gz"
            served[name] = gzip.compress(_idx(array), mtime=0)
            files[f"{split}_{kind}"] = (name, hashlib.md5(served[name]).hexdigest(),
                                        len(served[name]))
    return served, files


def test_download_once_with_checksums(serve, tmp_path):
    served, files = publish()
    source = Source("tiny", files, (serve(lambda *a: None), serve(files_handler(served))))
    cache = tmp_path / "cache"
    x, y = gg.data.idx.load(source, root=cache, download=True)
    assert x.shape == (8, 784) and x.dtype == np.float32 and float(x.array.max()) <= 1.0
    assert sorted(p.name for p in cache.iterdir()) == sorted(served)
    served.clear()              # the server has nothing now: a second load must use the cache
    xt, yt = gg.data.idx.load(source, train=False, root=cache, flatten=False)
    assert xt.shape == (4, 28, 28) and len(yt) == 4


def drip(tls, path, stop):
    tls.sendall(answer(b"", length=100))
    while not stop.wait(0.2):
        tls.sendall(b"x")


def drip_headers(tls, path, stop):
    tls.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    while not stop.wait(0.2):
        tls.sendall(b"x")


def endless(tls, path, stop):
    tls.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
    chunk = b"\0" * 65536
    while not stop.is_set():
        tls.sendall(chunk)


def short(tls, path, stop):
    tls.sendall(answer(b"x" * 10, length=100))
    tls.unwrap()


def reset(tls, path, stop):
    tls.sendall(answer(b"x" * 10, length=100))
    stop.wait(0.2)                     # the client reads the headers and the first bytes ...
    tls.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # ... then RST


def reset_at_once(tls, path, stop):
    tls.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def redirect(tls, path, stop):
    tls.sendall(answer(b"", "302 Found", headers="Location: https://example.com/elsewhere\r\n"))


def bad_status(tls, path, stop):
    tls.sendall(b"HELLO THERE\r\n\r\n")


def wrong_content(tls, path, stop):
    tls.sendall(answer(b"y" * 100))


def not_found(tls, path, stop):
    tls.sendall(answer(b"gone", "404 Not Found"))


CASES = {"drip": (drip, "too slow"), "drip_headers": (drip_headers, "total time limit"),
         "endless": (endless, "sends more than the 100 bytes"),
         "short": (short, "ended early"), "reset": (reset, "closed or reset after 10 of 100"),
         "reset_at_once": (reset_at_once, "closed or reset"),
         "redirect": (redirect, "redirected (HTTP 302) to https://example.com/elsewhere"),
         "bad_status": (bad_status, "not an HTTP answer"),
         "wrong_checksum": (wrong_content, "checksum mismatch"),
         "not_found": (not_found, "HTTP 404")}


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_failure_is_one_clear_error_and_leaves_nothing(serve, tmp_path, case):
    handler, reason = CASES[case]
    files = {role: (f"{role}.gz", "0" * 32, 100) for role in
             ("train_images", "train_labels", "test_images", "test_labels")}
    source = Source("tiny", files, (serve(handler),))
    cache = tmp_path / "cache"
    start = time.monotonic()
    with pytest.raises(DataNotFoundError) as info:
        gg.data.idx.locate(source, root=cache, limits=FAST)
    assert time.monotonic() - start < FAST.total + 3.0        # seconds, not minutes
    message = str(info.value)
    assert reason in message and "train_images.gz" in message, message
    assert "To get them" in message and "set GRAPHGRAD_DATA" in message
    assert list(cache.iterdir()) == []                 # no file, no partial download


def test_drip_is_stopped_by_the_total_time_limit(serve, tmp_path):
    url = serve(drip)
    start = time.monotonic()
    with pytest.raises(DownloadError, match="total time limit of 1.5 s"):
        fetch(url + "f", tmp_path / "f", "0" * 32, 100,
              Limits(read=2.0, total=1.5, min_rate=0.0, window=60.0))
    assert 1.4 < time.monotonic() - start < 5.0
    assert list(tmp_path.glob("*f*")) == []


def test_a_silent_server_hits_the_read_timeout(serve, tmp_path):
    url = serve(lambda tls, path, stop: stop.wait(3))
    start = time.monotonic()
    with pytest.raises(DownloadError, match="no answer within 0.5 s"):
        fetch(url + "f", tmp_path / "f", "0" * 32, 10, Limits(connect=0.5, read=0.5))
    assert time.monotonic() - start < 4.0


def test_endless_body_without_a_known_size_stops_at_the_cap(serve, tmp_path):
    url = serve(endless)
    (tmp_path / "dl").mkdir()
    with pytest.raises(DownloadError, match="more than the 1000000 bytes"):
        fetch(url + "f", tmp_path / "dl" / "f", "0" * 32, None, Limits(max_size=1_000_000))
    assert list((tmp_path / "dl").iterdir()) == []


def test_a_wrong_announced_size_is_refused_before_the_body(serve, tmp_path):
    url = serve(lambda tls, path, stop: tls.sendall(answer(b"z" * 50)))
    with pytest.raises(DownloadError, match="announces 50 bytes, the file has 100"):
        fetch(url + "f", tmp_path / "f", "0" * 32, 100, FAST)


def test_untrusted_certificates_are_refused(serve, tmp_path, monkeypatch):
    url = serve(files_handler({"f": b"data"}))
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "no-such-ca.pem"))
    with pytest.raises(DownloadError, match="certificate is not trusted"):
        fetch(url + "f", tmp_path / "f", hashlib.md5(b"data").hexdigest(), 4, FAST)
    assert not (tmp_path / "f").exists()


def test_plain_http_is_refused(tmp_path):
    with pytest.raises(ValueError, match="HTTPS only"):
        Source("tiny", {}, ("http://127.0.0.1:9/",))
    with pytest.raises(DownloadError, match="https:// address"):
        fetch("http://127.0.0.1:9/f", tmp_path / "f", "0" * 32, 4)
    for source in (gg.data.MNIST, gg.data.FASHION_MNIST):
        assert all(m.startswith("https://") for m in source.mirrors)
        assert all(len(entry) == 3 and entry[2] > 0 for entry in source.files.values())


def test_a_good_file_is_moved_into_place_only_when_complete(serve, tmp_path):
    body = b"payload" * 100
    url = serve(files_handler({"f": body}))
    fetch(url + "f", tmp_path / "f", hashlib.md5(body).hexdigest(), len(body), FAST)
    assert (tmp_path / "f").read_bytes() == body
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f", "tls"]
