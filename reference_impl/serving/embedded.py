"""The reference server in-process: a real loopback socket served from a background thread.

Used by ``authconform check`` with no URL and by the tests::

    with running_server(demo_users=3) as server:
        httpx.post(f"{server.url}/auth/api/v1/authentication-management/session", json=...)

The HTTP server is the standard library's threaded WSGI server (one thread per
connection, HTTP/1.1 keep-alive): quick to start in-process and enough for a check's
few connections. Deployed-like runs use ``authconform serve`` (Granian) instead.
Passwords are hashed at ``passwords.LIGHT`` unless ``password_cost`` is given: this
server only ever holds throw-away demo and test accounts.
"""

from __future__ import annotations

import logging
import os
import shutil
import socketserver
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from reference_impl.app import App, create_app
from reference_impl.auth.passwords import LIGHT
from reference_impl.serving.demo import seed_demo_users
from reference_impl.store import Store

__all__ = ["Running", "running_server"]

log = logging.getLogger("reference_impl.serving.embedded")

WSGIApp = Callable[..., Any]
# A client that stops sending mid-request frees its thread after this long.
SOCKET_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0
MAX_REQUEST_LINE = 65536
# Bodies the app did not read are drained up to this size (so the client sees
# our answer rather than a reset); beyond it the connection is closed.
MAX_DRAIN = 1024 * 1024


@dataclass(frozen=True)
class Running:
    url: str  # "http://127.0.0.1:PORT", no trailing slash
    credentials: dict[str, Any]
    app: App
    db_path: str


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    # A burst of connections (a test's 30 concurrent logins) must queue, not be reset.
    request_queue_size = 128


class _BodyReader:
    """The request body as a stream that ends at Content-Length, so keep-alive stays in step."""

    def __init__(self, raw: Any, length: int) -> None:
        self._raw = raw
        self.remaining = length

    def read(self, size: int = -1) -> bytes:
        if size < 0 or size > self.remaining:
            size = self.remaining
        data = self._raw.read(size) if size else b""
        self.remaining -= len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        if size < 0 or size > self.remaining:
            size = self.remaining
        data = self._raw.readline(size) if size else b""
        self.remaining -= len(data)
        return data

    def drain(self) -> None:
        while self.remaining and self.read(65536):
            pass


class _QuietHandler(WSGIRequestHandler):
    """HTTP/1.1 with keep-alive; request lines go to the debug log, not stderr."""

    protocol_version = "HTTP/1.1"
    timeout = SOCKET_TIMEOUT
    # PERF: headers and body go out as separate writes; with Nagle on, a kept-alive
    # connection waits for the client's delayed ACK (~40 ms) before the body.
    disable_nagle_algorithm = True

    def handle(self) -> None:
        self.close_connection = True
        self.handle_one_request()
        while not self.close_connection:
            self.handle_one_request()

    def handle_one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(MAX_REQUEST_LINE + 1)
        except OSError:
            self.close_connection = True
            return
        if not self.raw_requestline:
            self.close_connection = True
            return
        if len(self.raw_requestline) > MAX_REQUEST_LINE:
            self.requestline, self.request_version, self.command = "", "", ""
            self.send_error(414)
            self.close_connection = True
            return
        if not self.parse_request():
            self.close_connection = True
            return
        declared = (self.headers.get("Content-Length") or "0").strip()
        framed = declared.isdigit() and "Transfer-Encoding" not in self.headers
        body = _BodyReader(self.rfile, int(declared) if framed else 0)
        handler = ServerHandler(
            body, self.wfile, self.get_stderr(), self.get_environ(), multithread=True
        )
        handler.http_version = "1.1"
        handler.request_handler = self
        handler.run(self.server.get_app())
        # NOTE: an unread body would be parsed as the next request: drain it or hang up.
        if not framed or body.remaining > MAX_DRAIN:
            self.close_connection = True
        elif body.remaining:
            try:
                body.drain()
            except OSError:
                self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - %s", self.address_string(), format % args)


@contextmanager
def running_server(
    *,
    demo_users: int = 3,
    db_path: str | None = None,
    wrap: Callable[[WSGIApp], WSGIApp] | None = None,
    **app_options: Any,
) -> Iterator[Running]:
    """Serve the reference app on a free 127.0.0.1 port until the block exits.

    ``db_path=None`` uses a temporary database, deleted on exit. ``wrap`` gets
    the app and returns the WSGI callable actually served (middleware for
    broken variants); ``app_options`` go to ``create_app``.
    """
    temp_dir = tempfile.mkdtemp(prefix="authconform-") if db_path is None else None
    path = db_path or os.path.join(temp_dir or "", "reference.db")
    try:
        app_options.setdefault("password_cost", LIGHT)
        seeding = Store(path)
        credentials = seed_demo_users(seeding, demo_users, app_options["password_cost"])
        seeding.close()
        app = create_app(path, **app_options)
        served = wrap(app) if wrap else app
        server = _ThreadingServer(("127.0.0.1", 0), _QuietHandler)
        server.set_app(served)
        thread = threading.Thread(target=server.serve_forever, name="reference-server", daemon=True)
        thread.start()
        try:
            port = server.server_address[1]
            yield Running(f"http://127.0.0.1:{port}", credentials, app, path)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(STOP_TIMEOUT)
            app.store.close()
    finally:
        if temp_dir:
            shutil.rmtree(temp_dir, ignore_errors=True)
