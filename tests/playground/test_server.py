"""The Playground's server over a real socket: the page and its files, the WebSocket protocol,
hostile messages, the bound on sessions, the speed of play, and `graphgrad playground`."""
import json
import logging
import os
import subprocess
import sys
import time
import urllib.request

import pytest


def connect(address, **options):
    from websockets.sync.client import connect as ws_connect
    return ws_connect(f"ws://{address}/ws", max_size=2 ** 24, open_timeout=10, **options)


def until(ws, kind, timeout=10):
    """Messages up to and including the first of type `kind`."""
    seen, end = [], time.monotonic() + timeout
    while time.monotonic() < end:
        message = json.loads(ws.recv(timeout=max(0.01, end - time.monotonic())))
        seen.append(message)
        if message["type"] == kind:
            return seen
    raise AssertionError(f"no {kind} message within {timeout} s")


def test_the_page_and_its_static_files_are_served(server):
    address = server()
    page = urllib.request.urlopen(f"http://{address}/", timeout=10).read().decode()
    for testid in ("play", "step", "reset", "epoch", "loss-train", "loss-test", "dataset",
                   "learning-rate", "activation", "add-layer", "remove-layer",
                   "output-heatmap", "inspector"):
        assert f'data-testid="{testid}"' in page
    assert "cdn" not in page.lower() and "https://" not in page
    for name in ("app.js", "network.js", "plots.js", "colors.js", "style.css"):
        with urllib.request.urlopen(f"http://{address}/static/{name}", timeout=10) as r:
            assert r.status == 200


def test_hostile_messages_are_logged_and_ignored(server, caplog):
    address = server()
    caplog.set_level(logging.WARNING, logger="graphgrad.playground")
    with connect(address) as ws:
        ws.send(json.dumps({"type": "hello", "url": "networkShape=3&dataset=xor"}))
        first = until(ws, "frame")
        assert [m["type"] for m in first] == ["state", "data", "frame"]
        assert first[0]["settings"]["dataset"] == "xor"
        for text in ['{"type": "eval", "code": "__import__(\'os\')"}', "not json", "[]",
                     '{"type": "set", "key": "learningRate", "value": NaN}']:
            ws.send(text)
        ws.send(b"\x00binary")
        ws.send(json.dumps({"type": "action", "name": "step"}))
        frame = until(ws, "frame")[-1]
        assert frame["epoch"] == 1
    time.sleep(0.2)
    ignored = [r for r in caplog.records if "ignored a malformed message" in r.getMessage()]
    assert len(ignored) == 5


def test_pages_of_other_sites_may_not_open_a_session(server):
    from websockets.exceptions import InvalidStatus
    address = server()
    with pytest.raises(InvalidStatus):
        connect(address, origin="http://evil.example")
    with connect(address, origin=f"http://{address}") as ws:
        ws.send(json.dumps({"type": "hello", "url": ""}))
        assert until(ws, "frame")[-1]["epoch"] == 0


def test_each_tab_has_its_own_session_and_their_number_is_bounded(server):
    address = server(max_sessions=2)
    with connect(address) as a, connect(address) as b:
        a.send(json.dumps({"type": "hello", "url": ""}))
        b.send(json.dumps({"type": "hello", "url": ""}))
        until(a, "frame"), until(b, "frame")
        a.send(json.dumps({"type": "action", "name": "step"}))
        assert until(a, "frame")[-1]["epoch"] == 1
        b.send(json.dumps({"type": "set", "key": "dataset", "value": "spiral"}))
        assert until(b, "frame")[-1]["epoch"] == 0
        with connect(address) as c:
            refused = json.loads(c.recv(timeout=10))
            assert refused["type"] == "notice" and "too many" in refused["text"]
            from websockets.exceptions import ConnectionClosed
            with pytest.raises(ConnectionClosed):
                c.recv(timeout=10)
            assert c.close_code == 1013
    time.sleep(0.3)                # the closed tabs' sessions end: a new tab is welcome again
    with connect(address) as d:
        d.send(json.dumps({"type": "hello", "url": ""}))
        assert until(d, "frame")[-1]["epoch"] == 0


def test_play_streams_frames_for_six_layers_of_eight(server):
    """The server side of the speed goal: frames a page acknowledging each one receives."""
    address = server()
    with connect(address) as ws:
        ws.send(json.dumps({"type": "hello", "url": "networkShape=8,8,8,8,8,8"}))
        until(ws, "frame")
        ws.send(json.dumps({"type": "action", "name": "play"}))
        start, frames, epochs = time.monotonic(), 0, 0
        while time.monotonic() - start < 2.0:
            message = json.loads(ws.recv(timeout=5))
            if message["type"] == "frame":
                frames, epochs = frames + 1, message["epoch"]
                ws.send('{"type": "ack"}')
        seconds = time.monotonic() - start
        ws.send(json.dumps({"type": "action", "name": "pause"}))
    print(f"\nserver: {frames / seconds:.0f} frames/s, {epochs / seconds:.0f} epochs/s")
    # 20 frames/s is the goal (the README's figures); the floor leaves room for a busy machine,
    # where this process's client shares the interpreter with the server
    assert frames / seconds >= 8 and epochs >= frames


def test_graphgrad_playground_serves_the_page(tmp_path, free_port):
    pytest.importorskip("starlette", reason="needs pip install 'graphgrad[playground]'")
    pytest.importorskip("uvicorn", reason="needs pip install 'graphgrad[playground]'")
    port = free_port
    env = {**os.environ, "BROWSER": "false"}
    process = subprocess.Popen([sys.executable, "-m", "graphgrad", "playground", "--no-browser",
                                "--port", str(port)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, env=env, cwd=tmp_path)
    try:
        line = process.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in line, line
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).read()
        assert b'data-testid="output-heatmap"' in page
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_refused_or_busy_port_is_said_in_one_line(server):
    out = subprocess.run([sys.executable, "-m", "graphgrad", "playground", "--port", "70000"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "must be from 0 to 65535" in out.stderr
    busy = server().split(":")[1]
    out = subprocess.run([sys.executable, "-m", "graphgrad", "playground", "--no-browser",
                          "--port", busy], capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and out.stderr.count("\n") == 1
    assert f"cannot listen on 127.0.0.1:{busy}" in out.stderr
