"""A Playground server on a free loopback port, run by uvicorn in a thread (skipped, with the
reason, where the `playground` extra is not installed)."""
import socket
import threading
import time

import pytest


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def free_port():
    """A loopback TCP port nothing listens on (at the time of asking)."""
    return _free_port()


@pytest.fixture
def server():
    """start(max_sessions=16, port=None) -> 'host:port' of a new server; start.stop() stops
    the servers started so far (as the end of the test does)."""
    pytest.importorskip("starlette", reason="the Playground needs starlette: "
                                            "pip install 'graphgrad[playground]'")
    uvicorn = pytest.importorskip("uvicorn", reason="the Playground needs uvicorn")
    pytest.importorskip("websockets", reason="the Playground needs websockets")
    from graphgrad.playground.app import create_app
    started = []

    def start(max_sessions=16, port=None):
        port = port or _free_port()
        config = uvicorn.Config(create_app(max_sessions), host="127.0.0.1", port=port,
                                log_level="warning", ws="auto")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        started.append((server, thread))
        end = time.monotonic() + 10
        while not server.started and time.monotonic() < end:
            time.sleep(0.02)
        assert server.started, "the Playground server did not start within 10 s"
        return f"127.0.0.1:{port}"

    def stop():
        while started:
            server, thread = started.pop()
            server.should_exit = True
            thread.join(timeout=10)

    start.stop = stop
    yield start
    stop()
