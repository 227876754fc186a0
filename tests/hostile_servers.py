"""Loopback servers that misbehave on purpose, for checking the checker against them.

Each is a raw socket server (no HTTP library: some of them must break HTTP) on a free
127.0.0.1 port, one thread per connection, every wait bounded by a stop event that
``serving`` sets on exit. ``HANDLERS`` maps a name to ``handler(conn, request, state)``.
"""

from __future__ import annotations

import contextlib
import http.server
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

# The documented paths of the three systems (from the docs, as any client would know them).
API_PATHS = frozenset(
    {
        "/auth/api/v1/authentication-management/session",
        "/auth/api/v1/authentication-management/logout",
        "/api/user/signup",
        "/api/user/login",
        "/auth/token",
    }
)
HUGE_BODY_BYTES = 2 * 1024**3
NESTING = 100_000
# No handler outlives this, stop event or not.
HANDLER_LIMIT_SECONDS = 300.0


class _State:
    def __init__(self) -> None:
        self.stop = threading.Event()
        self.requests = 0
        self.lock = threading.Lock()

    def count(self) -> int:
        with self.lock:
            self.requests += 1
            return self.requests


def _read_request(conn: socket.socket) -> tuple[str, str, dict[str, str]]:
    """Read one request (line, headers, body by Content-Length); ("", "", {}) on EOF."""
    conn.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return "", "", {}
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, *_ = [*lines[0].split(" "), "", ""][:3]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        rest += chunk
    return method, path.split("?")[0], headers


def _respond(
    conn: socket.socket, status: str, body: bytes, content_type: str, extra: str = ""
) -> None:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n{extra}\r\n"
    )
    conn.sendall(head.encode("latin-1") + body)


def _wait(state: _State, seconds: float = HANDLER_LIMIT_SECONDS) -> None:
    state.stop.wait(seconds)


def _serve_keepalive(conn: socket.socket, state: _State, answer: Callable[..., bool]) -> None:
    """Answer requests on one connection until ``answer`` returns False or the peer leaves."""
    while not state.stop.is_set():
        method, path, headers = _read_request(conn)
        if not method:
            return
        if not answer(conn, method, path, headers, state.count()):
            return


def never_answers(conn: socket.socket, state: _State) -> None:
    _read_request(conn)
    _wait(state)


def closes_at_once(conn: socket.socket, state: _State) -> None:
    conn.close()


def garbage(conn: socket.socket, state: _State) -> None:
    _read_request(conn)
    conn.sendall(b"\x00\x13\x37 this is not HTTP at all \xff\xfe\r\n\r\n")


def drip(conn: socket.socket, state: _State) -> None:
    """One byte per second, forever: a valid-looking status line that never ends."""
    _read_request(conn)
    payload = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100_000
    for byte in payload:
        if state.stop.wait(1.0):
            return
        conn.sendall(bytes([byte]))


def huge_body(conn: socket.socket, state: _State) -> None:
    """Every answer is 200 with a 2 GB body, generated as it is sent (never held in memory)."""
    _read_request(conn)
    conn.sendall(
        f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        f"Content-Length: {HUGE_BODY_BYTES}\r\n\r\n".encode()
    )
    chunk = b" " * 65536
    sent = 0
    while sent < HUGE_BODY_BYTES and not state.stop.is_set():
        conn.sendall(chunk)
        sent += len(chunk)


def nested_json(conn: socket.socket, state: _State) -> None:
    """Documented paths answer 200 with JSON nested 100,000 deep; others a plain 404."""

    def answer(conn: socket.socket, method: str, path: str, headers: dict, n: int) -> bool:
        if path in API_PATHS:
            body = b"[" * NESTING + b"]" * NESTING
            _respond(conn, "200 OK", body, "application/json")
        else:
            _respond(conn, "404 Not Found", b"not found", "text/plain")
        return True

    _serve_keepalive(conn, state, answer)


def probe_then_hang(conn: socket.socket, state: _State) -> None:
    """The first request gets a quick 200; every later one hangs."""

    def answer(conn: socket.socket, method: str, path: str, headers: dict, n: int) -> bool:
        if n == 1:
            _respond(conn, "200 OK", b"hello", "text/plain")
            return True
        _wait(state)
        return False

    _serve_keepalive(conn, state, answer)


def redirect_loop(conn: socket.socket, state: _State) -> None:
    def answer(conn: socket.socket, method: str, path: str, headers: dict, n: int) -> bool:
        _respond(conn, "302 Found", b"", "text/html", f"Location: {path}\r\n")
        return True

    _serve_keepalive(conn, state, answer)


def _api_like(conn: socket.socket, method: str, path: str, n: int) -> None:
    """An answer shaped like the API's refusals: JSON envelope 400, JSON 404 elsewhere."""
    if path in API_PATHS:
        body = b'{"status": {"code": 400, "name": "BAD_REQUEST"}, "data": {}}'
        _respond(conn, "400 Bad Request", body, "application/json")
    else:
        body = b'{"status": {"code": 404, "name": "NOT_FOUND"}, "data": {}}'
        _respond(conn, "404 Not Found", body, "application/json")


def dies_mid_run(conn: socket.socket, state: _State) -> None:
    """Looks like the API for the first 20 requests, then never answers again."""

    def answer(conn: socket.socket, method: str, path: str, headers: dict, n: int) -> bool:
        if n > 20:
            _wait(state)
            return False
        _api_like(conn, method, path, n)
        return True

    _serve_keepalive(conn, state, answer)


def slow_api(conn: socket.socket, state: _State) -> None:
    """Looks like the API, but every answer takes half a second."""

    def answer(conn: socket.socket, method: str, path: str, headers: dict, n: int) -> bool:
        if state.stop.wait(0.5):
            return False
        _api_like(conn, method, path, n)
        return True

    _serve_keepalive(conn, state, answer)


def slow_to_fuzzing(conn: socket.socket, state: _State) -> None:
    """Looks like the API at once, except to Schemathesis, which waits 2 s per answer."""

    def answer(conn: socket.socket, method: str, path: str, headers: dict, n: int) -> bool:
        if "schemathesis" in headers.get("user-agent", "").lower() and state.stop.wait(2.0):
            return False
        _api_like(conn, method, path, n)
        return True

    _serve_keepalive(conn, state, answer)


# Sets a terminal's title, rings its bell and wipes its line, if printed raw.
CONTROL_BYTES = b"\x1b]0;owned\x07\x1b[2K\x00\x85"
# Every answer to a generated request (not the fingerprint's, not the checks'): 200 MB.
FUZZ_BODY_BYTES = 200 * 1024**2


def control_bytes(conn: socket.socket, state: _State) -> None:
    """Looks like the API, but every API answer is a 500 whose body holds raw control bytes."""

    def answer(conn: socket.socket, method: str, path: str, headers: dict, n: int) -> bool:
        if path in API_PATHS:
            body = b'{"status": {"code": 500, "name": "' + CONTROL_BYTES + b'"}, "data": {}}'
            _respond(conn, "500 Internal Server Error", body, "application/json")
        else:
            _api_like(conn, method, path, n)
        return True

    _serve_keepalive(conn, state, answer)


def odd_header(conn: socket.socket, state: _State) -> None:
    """Looks like the API; every answer has a header value with a raw 0xE9 byte (obs-text)."""

    def answer(conn: socket.socket, method: str, path: str, headers: dict, n: int) -> bool:
        status = "400 Bad Request" if path in API_PATHS else "404 Not Found"
        body = b'{"status": {"code": 400, "name": "BAD_REQUEST"}, "data": {}}'
        head = (
            f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n"
        ).encode()
        conn.sendall(head + b"X-Note: caf\xe9\r\n\r\n" + body)
        return True

    _serve_keepalive(conn, state, answer)


def huge_to_fuzzing(conn: socket.socket, state: _State) -> None:
    """Looks like the API, except to Schemathesis: to it, 200 and a 200 MB body, streamed."""

    def answer(conn: socket.socket, method: str, path: str, headers: dict, n: int) -> bool:
        if "schemathesis" not in headers.get("user-agent", "").lower():
            _api_like(conn, method, path, n)
            return True
        conn.sendall(
            f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            f"Content-Length: {FUZZ_BODY_BYTES}\r\n\r\n".encode()
        )
        chunk = b" " * 65536
        sent = 0
        while sent < FUZZ_BODY_BYTES and not state.stop.is_set():
            conn.sendall(chunk)
            sent += len(chunk)
        return True

    _serve_keepalive(conn, state, answer)


HANDLERS: dict[str, Callable[[socket.socket, _State], None]] = {
    "control_bytes": control_bytes,
    "odd_header": odd_header,
    "huge_to_fuzzing": huge_to_fuzzing,
    "never_answers": never_answers,
    "closes_at_once": closes_at_once,
    "garbage": garbage,
    "drip": drip,
    "huge_body": huge_body,
    "nested_json": nested_json,
    "probe_then_hang": probe_then_hang,
    "redirect_loop": redirect_loop,
    "dies_mid_run": dies_mid_run,
    "slow_api": slow_api,
    "slow_to_fuzzing": slow_to_fuzzing,
}


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextmanager
def serving(name: str) -> Iterator[str]:
    """Run the hostile server ``name`` on a free loopback port; yield its base URL."""
    state = _State()
    behave = HANDLERS[name]

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            # The checker hanging up is exactly what a bounded client should do.
            with contextlib.suppress(OSError):
                behave(self.request, state)

    with _Server(("127.0.0.1", 0), Handler) as server:
        yield from _run(server, state.stop)


@contextmanager
def static_files(root: Path) -> Iterator[str]:
    """A plain static file server (http.server) over ``root``: not the API at all."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    handler = partial(Quiet, directory=str(root))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        yield from _run(server, threading.Event())


def _run(server: Any, stop: threading.Event) -> Iterator[str]:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.daemon = True
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}"
    finally:
        stop.set()
        server.shutdown()
        thread.join(timeout=5)
        time.sleep(0)
