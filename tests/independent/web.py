"""A small HTTP/1.1 JSON server on ``http.server``, shared by the other-readings servers.

Keep-alive is kept honest: a request body is always read to its last byte (or drained,
when it is too large to use) before the answer, and a request whose body cannot be
delimited gets its answer with ``Connection: close`` and the socket is closed.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["App", "Reply", "Request", "serve"]

# Bodies past this are drained and refused; past DRAIN_LIMIT the connection is closed instead.
DRAIN_LIMIT = 8 * 1024 * 1024
IDLE_SECONDS = 30


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    raw_headers: tuple[tuple[str, str], ...] = ()  # (name as sent, value), in order

    def json(self) -> Any:
        """The body parsed as JSON; ValueError when it is not."""
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Reply:
    status: int
    body: Any = None  # JSON-able; None sends an empty body
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request], Reply]


@dataclass
class App:
    """Routes by (method, path); everything a handler cannot serve goes through ``error``."""

    routes: dict[tuple[str, str], Handler]
    error: Callable[[int, str], Reply]  # (status, sentence) -> the system's own error answer
    body_limit: int = 256 * 1024
    # The methods the server implements at all; http.server answers any other with its own
    # 501 page, never reaching the routes. None: every method reaches them.
    methods: frozenset[str] | None = None

    def __call__(self, request: Request) -> Reply:
        handler = self.routes.get((request.method, request.path))
        if handler is None:
            return self.error(404, f"Cannot {request.method} {request.path}")
        return handler(request)


def _handler_class(app: App) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = IDLE_SECONDS
        # Head and body go out in two writes: with Nagle on, the body waits for the
        # client's delayed ACK of the head, about 40 ms on every answer.
        disable_nagle_algorithm = True
        server_version = "independent/1"

        def __getattr__(self, name: str) -> Any:
            # Every method the app implements goes to one place: unrouted ones become 404.
            # Without a do_ method, http.server itself answers 501 Not Implemented.
            if name.startswith("do_") and (app.methods is None or name[3:] in app.methods):
                return self._dispatch
            raise AttributeError(name)

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _dispatch(self) -> None:
            body = self._read_body()
            if body is None:
                return
            path = self.path.split("?", 1)[0]
            raw = tuple(self.headers.items())
            headers = {k.lower(): v for k, v in raw}
            self._send(app(Request(self.command, path, headers, body, raw)))

        def _read_body(self) -> bytes | None:
            """The whole body, or None after answering a request whose body is unusable."""
            if "transfer-encoding" in {k.lower() for k in self.headers}:
                self._send(app.error(411, "send the body with a Content-Length"), close=True)
                return None
            raw = self.headers.get("Content-Length", "0").strip() or "0"
            if not raw.isdigit():
                self._send(app.error(400, "Content-Length is not a number"), close=True)
                return None
            length = int(raw)
            if length > app.body_limit:
                if length > DRAIN_LIMIT:
                    self._send(app.error(413, "body too large"), close=True)
                    return None
                if not self._drain(length):
                    return None
                self._send(app.error(413, "body too large"))
                return None
            body = self.rfile.read(length) if length else b""
            if len(body) < length:  # the client went away mid-body
                self.close_connection = True
                return None
            return body

        def _drain(self, length: int) -> bool:
            left = length
            while left:
                chunk = self.rfile.read(min(left, 64 * 1024))
                if not chunk:
                    self.close_connection = True
                    return False
                left -= len(chunk)
            return True

        def _send(self, reply: Reply, *, close: bool = False) -> None:
            payload = b"" if reply.body is None else json.dumps(reply.body).encode("utf-8")
            self.send_response(reply.status)
            if reply.body is not None:
                self.send_header("Content-Type", "application/json")
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            if close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

    return Handler


def serve(app: App, port: int = 0) -> tuple[str, Callable[[], None]]:
    """Serve ``app`` on 127.0.0.1:``port`` (0: any free port) in a thread; return (url, stop)."""
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler_class(app))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="independent-http", daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    host, bound = server.server_address[:2]
    return f"http://{host}:{bound}", stop
