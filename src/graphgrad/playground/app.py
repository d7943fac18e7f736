"""The Playground's web server: a Starlette app serving the static page and one WebSocket per
browser tab (`/ws`), each with its own Session, at most `max_sessions` at a time.

While a session plays, the server trains mini-batches for about FRAME_SECONDS, sends a frame
(every heat map, the weights, the losses) and goes on once the page has acknowledged all but
one of the frames it was sent, so a slow page is never flooded. A malformed message is
logged in one line and ignored; an error inside the session is logged and reported to the
page, which keeps working.
"""
import asyncio
import logging
import threading
import webbrowser
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.responses import FileResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from .protocol import Malformed, parse
from .session import Session

STATIC = Path(__file__).resolve().parent / "static"
FRAME_SECONDS = 0.02
IN_FLIGHT = 2
log = logging.getLogger("graphgrad.playground")


class Sessions:
    """The open sessions, one per connected tab, bounded by `limit`; a tab's session ends
    when its connection closes."""

    def __init__(self, limit=16):
        self.limit, self.open = limit, set()

    def start(self):
        if len(self.open) >= self.limit:
            return None
        session = Session()
        self.open.add(session)
        return session

    def end(self, session):
        self.open.discard(session)


class Connection:
    """One tab: the receive loop and the play loop, sharing the session."""

    def __init__(self, websocket, session):
        self.ws, self.session = websocket, session
        self.in_flight, self.wake = 0, asyncio.Event()

    async def send(self, replies):
        for reply in replies:
            if reply["type"] == "frame":
                self.in_flight += 1
            await self.ws.send_json(reply)

    async def receive(self):
        while True:
            event = await self.ws.receive()
            if event["type"] == "websocket.disconnect":
                return
            try:
                message = parse(event.get("text") if event.get("text") is not None
                                else event.get("bytes"))
            except Malformed as e:
                log.warning("playground: ignored a malformed message: %s", e)
                continue
            if message["type"] == "ack":
                self.in_flight = max(0, self.in_flight - 1)
            else:
                try:
                    replies = self.session.handle(message)
                except Exception as e:            # the page must keep working
                    log.exception("playground: the session failed on %s", message["type"])
                    replies = [{"type": "notice", "text": f"server error: {e}"[:200]}]
                await self.send(replies)
            self.wake.set()

    async def play(self):
        while True:
            if self.session.playing and self.in_flight < IN_FLIGHT:
                self.session.train(FRAME_SECONDS)
                await self.send([self.session.frame()])
                if not self.session.playing:       # it diverged
                    await self.send([self.session.state()])
                await asyncio.sleep(0)
            else:
                self.wake.clear()
                try:
                    await asyncio.wait_for(self.wake.wait(), 1.0)
                except asyncio.TimeoutError:
                    self.in_flight = 0             # a lost acknowledgement must not stall
                    continue

    async def run(self):
        tasks = [asyncio.ensure_future(self.receive()), asyncio.ensure_future(self.play())]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task.exception() and not isinstance(task.exception(), WebSocketDisconnect):
                    log.warning("playground: connection ended: %r", task.exception())
        finally:
            for task in tasks:
                task.cancel()


def _same_origin(websocket):
    """A page from another site may not drive a session (cross-site WebSocket hijacking):
    the Origin header, which browsers always send, must name this server."""
    origin = websocket.headers.get("origin")
    if origin is None:                  # not a browser (scripts, tests)
        return True
    return urlsplit(origin).netloc == websocket.headers.get("host")


async def socket(websocket: WebSocket):
    sessions = websocket.app.state.sessions
    if not _same_origin(websocket):
        log.warning("playground: refused a WebSocket from origin %s",
                    websocket.headers.get("origin", "")[:80])
        await websocket.close(code=1008)
        return
    await websocket.accept()
    session = sessions.start()
    if session is None:
        await websocket.send_json({"type": "notice", "text": f"too many open Playground tabs "
                                   f"(at most {sessions.limit}): close one and reload"})
        await websocket.close(code=1013)
        return
    try:
        await Connection(websocket, session).run()
    finally:
        sessions.end(session)


async def index(request):
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})


def create_app(max_sessions=16):
    """The Starlette application (for uvicorn or Starlette's TestClient)."""
    app = Starlette(routes=[Route("/", index), WebSocketRoute("/ws", socket),
                            Mount("/static", StaticFiles(directory=STATIC), name="static")])
    app.state.sessions = Sessions(max_sessions)
    return app


def serve(host="127.0.0.1", port=8000, open_browser=True, max_sessions=16):
    """Run the Playground until Ctrl-C; open the page in the default browser once it is up."""
    import uvicorn
    server = uvicorn.Server(uvicorn.Config(create_app(max_sessions), host=host, port=port,
                                           log_level="warning", ws="auto"))

    def announce():
        while not server.started and not server.should_exit:
            threading.Event().wait(0.05)
        if server.started:
            bound = server.servers[0].sockets[0].getsockname()[1] if server.servers else port
            url = f"http://{f'[{host}]' if ':' in host else host}:{bound}/"
            print(f"graphgrad playground: {url}  (Ctrl-C stops it)", flush=True)
            if open_browser:
                webbrowser.open(url)

    threading.Thread(target=announce, daemon=True).start()
    server.run()
    return 0
