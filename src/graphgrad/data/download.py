"""Downloading one data file so that no server can hurt the user: HTTPS only (certificates
verified, no redirects followed), a connect timeout, a read timeout, a total-time limit and a
minimum rate (a server that drips a byte a second fails within one `window`), a size limit from
the file's known size (an endless body stops there), the body streamed to a temporary file
beside the destination and moved into place only once its size and MD5 match.

    fetch("https://host/path/file.gz", Path("cache/file.gz"), md5="...", size=9912422)

Every failure raises DownloadError, whose message names the address and the reason.
"""
import contextlib
import hashlib
import http.client
import os
import ssl
import tempfile
import time
import urllib.parse
from dataclasses import dataclass


class DownloadError(OSError):
    """A download that failed or was refused; the message says where and why."""


@dataclass(frozen=True)
class Limits:
    """What a download may take. Seconds, except min_rate (bytes per second, averaged over each
    `window` seconds) and max_size (bytes, for files whose size is not known)."""

    connect: float = 10.0
    read: float = 30.0
    total: float = 900.0
    min_rate: float = 8192.0
    window: float = 5.0
    max_size: int = 128 << 20


class _DeadlineSocket(ssl.SSLSocket):
    """An SSL socket whose every read waits at most `idle` seconds and never past `deadline`."""

    deadline = None
    idle = None

    def recv_into(self, buffer, nbytes=0, flags=0):
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the total time limit ran out")
            self.settimeout(min(self.idle, left))
        try:
            return super().recv_into(buffer, nbytes, flags)
        except TimeoutError:
            if self.deadline is not None and time.monotonic() >= self.deadline:
                raise TimeoutError("the total time limit ran out") from None
            raise


def fetch(url, destination, md5, size=None, limits=None):
    """Download url to destination (a pathlib.Path) if its size (when given) and MD5 match;
    otherwise leave nothing behind and raise DownloadError."""
    limits = limits or Limits()
    try:
        _fetch(url, destination, md5, size, limits)
    except DownloadError:
        raise
    except (OSError, http.client.HTTPException, ValueError) as e:
        raise DownloadError(f"{url}: {_reason(e, limits)}") from None


def _reason(error, limits):
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"the server's TLS certificate is not trusted ({error.verify_message})"
    if isinstance(error, TimeoutError):
        if "total time" in str(error):
            return f"gave up after the total time limit of {limits.total:g} s"
        return f"no answer within {limits.read:g} s (or could not connect within " \
               f"{limits.connect:g} s)"
    if isinstance(error, http.client.RemoteDisconnected):
        return "the connection was closed or reset before an answer came"
    if isinstance(error, http.client.IncompleteRead):
        return f"the body ended early ({len(error.partial)} more bytes then the connection " \
               "closed)"
    if isinstance(error, http.client.BadStatusLine):
        return f"not an HTTP answer (status line {str(error)[:60]!r})"
    if isinstance(error, ConnectionResetError):
        return "the connection was reset by the server"
    if isinstance(error, http.client.HTTPException):
        return f"broken HTTP answer ({type(error).__name__}: {str(error)[:80]})"
    return f"{type(error).__name__}: {error}"


def _fetch(url, destination, md5, size, limits):
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise DownloadError(f"{url}: not an https:// address (refused: graphgrad downloads over "
                            "HTTPS only)")
    deadline = time.monotonic() + limits.total
    context = ssl.create_default_context()
    context.sslsocket_class = _DeadlineSocket
    connection = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=limits.connect,
                                             context=context)
    try:
        connection.connect()
        connection.sock.deadline, connection.sock.idle = deadline, limits.read
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request("GET", path or "/", headers={"Accept-Encoding": "identity",
                                                        "User-Agent": "graphgrad"})
        response = connection.getresponse()
        _check_answer(url, response, size, limits)
        _stream(url, response, destination, md5, size or limits.max_size, size is not None,
                deadline, limits)
    finally:
        connection.close()


def _check_answer(url, response, size, limits):
    if 300 <= response.status < 400:
        raise DownloadError(f"{url}: redirected (HTTP {response.status}) to "
                            f"{response.getheader('Location', '?')}; redirects are not followed")
    if response.status != 200:
        raise DownloadError(f"{url}: HTTP {response.status} {response.reason}")
    announced = response.getheader("Content-Length")
    if announced is None:
        return
    if not announced.strip().isdigit():
        raise DownloadError(f"{url}: bad Content-Length {announced[:40]!r}")
    if size is not None and int(announced) != size:
        raise DownloadError(f"{url}: the server announces {int(announced)} bytes, the file has "
                            f"{size}")
    if size is None and int(announced) > limits.max_size:
        raise DownloadError(f"{url}: the server announces {int(announced)} bytes, more than the "
                            f"limit of {limits.max_size}")


def _stream(url, response, destination, md5, limit, exact, deadline, limits):
    """Body → temporary file beside destination, checked, then renamed into place."""
    fd, partial = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".part",
                                   dir=destination.parent)
    try:
        digest, received = hashlib.md5(), 0
        window_start, window_bytes = time.monotonic(), 0
        with os.fdopen(fd, "wb") as f:
            while True:
                chunk = response.read1(1 << 16)
                if not chunk:
                    break
                received += len(chunk)
                window_bytes += len(chunk)
                if received > limit:
                    raise DownloadError(f"{url}: the server sends more than the {limit} bytes "
                                        "the file has; stopped")
                digest.update(chunk)
                f.write(chunk)
                now = time.monotonic()
                if now > deadline:
                    raise DownloadError(f"{url}: gave up after the total time limit of "
                                        f"{limits.total:g} s ({received} bytes received)")
                if now - window_start >= limits.window:
                    if window_bytes < limits.min_rate * (now - window_start):
                        raise DownloadError(f"{url}: too slow ({window_bytes} bytes in "
                                            f"{now - window_start:.1f} s; at least "
                                            f"{limits.min_rate:g} bytes/s are needed)")
                    window_start, window_bytes = now, 0
            if exact and received != limit:
                raise DownloadError(f"{url}: the body ended early: the connection was closed or "
                                    f"reset after {received} of {limit} bytes")
            if digest.hexdigest() != md5:
                raise DownloadError(f"{url}: checksum mismatch (MD5 {digest.hexdigest()}, "
                                    f"expected {md5}); file discarded")
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, destination)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(partial)
        raise
