"""A loopback key server for the FIB forgery checks: it serves the suite's own JWK set and
certificate, so a token whose ``jku`` or ``x5u`` points here shows whether the target
fetches keys a token names. Registers no check.

Bounded: bound to 127.0.0.1 only (never reachable from another host), at most
``MAX_REQUESTS`` answers, each connection read for at most ``READ_SECONDS``, and the
server stops after ``LIFETIME_SECONDS`` even if the check is still running. A target on
another host cannot reach it; the check then says the key was not fetched.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import TracebackType
from typing import Any

__all__ = ["LIFETIME_SECONDS", "MAX_REQUESTS", "KeyServer"]

MAX_REQUESTS = 16
LIFETIME_SECONDS = 20.0
READ_SECONDS = 2.0


class KeyServer:
    """``with KeyServer({"/jwks.json": ("application/json", body)}) as keys: keys.url(path)``.

    ``fetched`` lists the paths requested, in order (past the limit too, answered 503).
    """

    def __init__(self, documents: dict[str, tuple[str, bytes]]) -> None:
        self.documents = dict(documents)
        self.fetched: list[str] = []
        self._lock = threading.Lock()
        self._server: HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._timer: threading.Timer | None = None

    def url(self, path: str) -> str:
        if self._server is None:
            raise RuntimeError("the key server is not running: use it in a with block")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def _answer(self, path: str) -> tuple[int, str, bytes]:
        with self._lock:
            self.fetched.append(path)
            over = len(self.fetched) > MAX_REQUESTS
        if over:
            return 503, "text/plain", b"request limit reached"
        kind, body = self.documents.get(path.split("?", 1)[0], ("text/plain", b""))
        return (200 if body else 404), kind, body

    def __enter__(self) -> KeyServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            timeout = READ_SECONDS
            server_version = "authconform-keys/1"

            def do_GET(self) -> None:
                status, kind, body = owner._answer(self.path)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = HTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="authconform-key-server",
            daemon=True,
        )
        self._thread.start()
        self._timer = threading.Timer(LIFETIME_SECONDS, self._server.shutdown)
        self._timer.daemon = True
        self._timer.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=READ_SECONDS + 1)
