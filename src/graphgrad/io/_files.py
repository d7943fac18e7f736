"""Reading a checkpoint file (regular files only) and writing one atomically.

A save writes ``.<name>.<host>.<pid>.<random>.tmp`` beside the target, flushes it to disk and
renames it over the target in one step, so a crash never leaves a half-written checkpoint; on
any exception (KeyboardInterrupt included) the temporary file is removed. Temporaries that a
killed process left behind (its pid no longer runs on this host) are swept by the next save of
the same target.
"""
import contextlib
import os
import re
import socket
import stat
import tempfile
import threading

from ._errors import MissingFolderError, SerializationError

_in_flight = set()                       # temporaries this process is writing now
_lock = threading.Lock()


def read_regular(path, who="load", refuse=None):
    """The bytes of a regular file; devices, pipes, sockets and folders are refused (reading
    /dev/zero or a pipe would never end). refuse(path, kind) makes the exception to raise for
    them (default: SerializationError, a file that is not a checkpoint)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise FileNotFoundError(f"{who}: no such file: {path}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = "a folder" if stat.S_ISDIR(mode) else "a device, pipe or socket"
            raise (refuse or _not_a_checkpoint)(path, kind)
        f = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with f:
        return f.read()


def _not_a_checkpoint(path, kind):
    return SerializationError(f"load: {path} is {kind}, not a checkpoint file")


def atomic_write(path, write):
    """Call write(binary file) on a temporary file beside path, then put it in path's place."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise MissingFolderError(f"save: the folder {folder} does not exist (create it first, "
                                 f"e.g. os.makedirs({folder!r}))")
    if os.path.isdir(path):
        raise IsADirectoryError(f"save: {path} is a folder; give a file name")
    stem = _stem(path)
    _sweep(folder, stem)
    try:
        fd, temporary = tempfile.mkstemp(prefix=f"{stem}{_host()}.{os.getpid()}.", suffix=".tmp",
                                         dir=folder)
    except OSError as e:
        raise type(e)(e.errno, f"save: cannot write in {folder}: {e.strerror}") from None
    with _lock:
        _in_flight.add(temporary)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    finally:
        with _lock:
            _in_flight.discard(temporary)
    _sync_folder(folder)


def _stem(path):
    return "." + os.path.basename(path)[:100] + "."


def _host():
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:40] or "host"


def _sweep(folder, stem):
    """Remove this target's temporaries whose writer is gone (a killed save)."""
    pattern = re.compile(re.escape(stem + _host()) + r"\.(\d+)\.[A-Za-z0-9_]+\.tmp\Z")
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            match = pattern.match(entry.name)
            if match and entry.is_file(follow_symlinks=False) and \
                    _abandoned(int(match.group(1)), entry.path):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _abandoned(pid, path):
    if pid == os.getpid():
        with _lock:
            return path not in _in_flight
    if os.name != "posix":
        return False          # os.kill(pid, 0) is no liveness test there (0 is CTRL_C_EVENT)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (OSError, OverflowError):
        return False          # alive under another user, or not a pid we can ask about
    return False


def _sync_folder(folder):
    """Make the rename itself durable (POSIX; a no-op where folders cannot be opened)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _umask():
    """The process's umask, read without changing it where /proc allows."""
    with contextlib.suppress(OSError, ValueError, StopIteration):
        with open("/proc/self/status") as f:
            return int(next(line for line in f if line.startswith("Umask:")).split()[1], 8)
    current = os.umask(0)
    os.umask(current)
    return current
