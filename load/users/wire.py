"""A lean keep-alive HTTP/1.1 client for the load users' requests, free of Locust.

FastHttpUser's client spent about 125 us of generator CPU on each login here (URL parsing,
cookie jar, header objects, a timeout object per request), more than the signing it
carries. This client sends bytes built from a few strings and reads the answer with
``Content-Length``, chunked transfer coding, or read-to-close; nothing else. It serves plain
``http://`` targets; ``load.users.base`` falls back to FastHttpUser's client for the rest.
Under Locust the process is patched by gevent, so these sockets yield like any other.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

__all__ = [
    "HTTP_CLIENTS",
    "Answer",
    "ConnectionPool",
    "WireError",
    "lean_target",
    "request_bytes",
    "request_head",
]

# --http-client: this client for http:// targets (the default), or FastHttpUser's own for
# every request.
HTTP_CLIENTS = ("lean", "fasthttp")

# As FastHttpUser's defaults: a request may wait this long for a connection or a read.
TIMEOUT_S = 60.0
# One login answer fits in one read; larger answers take a few.
READ_BYTES = 65536
# An answer's head larger than this is not an answer worth waiting for.
MAX_HEAD_BYTES = 65536
# Nor is a body larger than this (a login answer is under a kilobyte): the request fails
# and its connection is closed, so a target cannot grow a generator's memory without end.
MAX_BODY_BYTES = 1024 * 1024
USER_AGENT = "authconform-load"


class WireError(Exception):
    """No complete HTTP answer: refused, reset, timed out, or not HTTP at all."""


class _Stale(Exception):
    """A kept-alive connection closed before a byte of the answer came: retry on a new one."""


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer's status and body, with the two methods the scenarios use."""

    status_code: int
    content: bytes

    def json(self) -> Any:
        return json.loads(self.content)


@dataclass(frozen=True, slots=True)
class Target:
    host: str
    port: int
    host_header: str
    prefix: str  # the base URL's path, put before each request's path (as FastHttpUser does)


def lean_target(base_url: str | None) -> Target | None:
    """Where this client can send, or None for a URL it leaves to FastHttpUser's client
    (https, credentials in the URL, a query)."""
    if not base_url:
        return None
    parts = urllib.parse.urlsplit(base_url)
    if parts.scheme != "http" or parts.username or parts.password or parts.query:
        return None
    if not parts.hostname:
        return None
    port = parts.port or 80
    return Target(parts.hostname, port, parts.netloc, parts.path)


def request_head(
    target: Target, method: str, path: str, headers: dict[str, str] | None, length: int
) -> bytes:
    """A request's bytes up to its body, which is ``length`` bytes long."""
    lines = [f"{method} {target.prefix}{path} HTTP/1.1", f"Host: {target.host_header}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    lines += [f"User-Agent: {USER_AGENT}", f"Content-Length: {length}", "", ""]
    return "\r\n".join(lines).encode("latin-1")


def request_bytes(
    target: Target, method: str, path: str, headers: dict[str, str] | None, body: bytes | None
) -> bytes:
    """One request's bytes; the body's length is always sent, so the server never guesses."""
    body = body or b""
    return request_head(target, method, path, headers, len(body)) + body


class ConnectionPool:
    """Kept-alive connections to one target: one per request in flight, reused after.

    ``read_timeout`` bounds each wait for the server; None leaves the connections without
    one (under gevent a socket timeout costs a timer per wait, about 5 us a login), and
    then ``expire``, called now and then, closes those whose request is older than
    ``timeout``: the request fails as a timed-out one would.
    """

    def __init__(
        self, target: Target, *, timeout: float = TIMEOUT_S, read_timeout: float | None = TIMEOUT_S
    ) -> None:
        self.target = target
        self.timeout = timeout
        self.read_timeout = read_timeout
        self._idle: list[socket.socket] = []
        self._busy: dict[socket.socket, float] = {}  # connection -> when its request began

    def exchange(self, request: bytes) -> Answer:
        """Send ``request`` and read its answer; WireError when none came.

        A kept-alive connection that the server closed meanwhile (nothing of the answer
        read) is replaced once, as any HTTP client does.
        """
        if self._idle:
            sock = self._idle.pop()
            try:
                return self._on(sock, request)
            except _Stale:
                pass
        try:
            sock = self._connect()
        except OSError as exc:
            raise WireError(f"cannot connect: {exc!r}") from exc
        try:
            return self._on(sock, request)
        except _Stale as exc:
            raise WireError("the connection closed before any answer") from exc

    def close(self) -> None:
        while self._idle:
            self._idle.pop().close()

    def expire(self, now: float) -> int:
        """Close the connections whose request began more than ``timeout`` before ``now``
        (``time.monotonic``); how many."""
        late = [sock for sock, began in self._busy.items() if now - began > self.timeout]
        for sock in late:
            self._busy.pop(sock, None)
            # shutdown wakes a read blocked on it in a thread too, where close alone does not;
            # the request waiting on it then fails: WireError.
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        return len(late)

    def _connect(self) -> socket.socket:
        sock = socket.create_connection((self.target.host, self.target.port), self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(self.read_timeout)
        return sock

    def _on(self, sock: socket.socket, request: bytes) -> Answer:
        self._busy[sock] = time.monotonic()
        try:
            answer, keep = _exchange(sock, request)
        except (WireError, _Stale) as exc:
            sock.close()
            if self._busy.pop(sock, None) is None:  # expire() closed it
                raise WireError(f"no answer within {self.timeout:g} s") from exc
            raise
        except BaseException:  # the user was stopped: the connection's state is unknown
            self._busy.pop(sock, None)
            sock.close()
            raise
        del self._busy[sock]
        if keep:
            self._idle.append(sock)
        else:
            sock.close()
        return answer


def _exchange(sock: socket.socket, request: bytes) -> tuple[Answer, bool]:
    """(answer, whether the connection may carry another request)."""
    try:
        # send, not sendall: gevent's sendall asks the kernel for the buffer size first.
        sent = sock.send(request)
        while sent < len(request):
            sent += sock.send(request[sent:])
        _until_readable(sock)
        data = sock.recv(READ_BYTES)
    except (BrokenPipeError, ConnectionResetError) as exc:
        raise _Stale from exc
    except OSError as exc:
        raise WireError(repr(exc)) from exc
    if not data:
        raise _Stale
    try:
        return _read_answer(sock, data)
    except OSError as exc:
        raise WireError(repr(exc)) from exc


def _until_readable(sock: socket.socket) -> None:
    """Under gevent, wait for the answer before the first read of it.

    gevent's ``recv`` reads first and waits only after that fails, and right after a
    request it nearly always fails (the answer is not there yet): a system call and an
    exception built and caught, about 10 us a login against a server that takes its time
    (``docs/benchmarks.md``). Its socket's own wait, with the socket's timeout, is used
    when it has one; a plain socket (threads, the tests) just reads.
    """
    wait = getattr(sock, "_wait", None)
    event = getattr(sock, "_read_event", None)
    if wait is not None and event is not None:
        wait(event)


def _read_answer(sock: socket.socket, data: bytes) -> tuple[Answer, bool]:
    while True:
        end = data.find(b"\r\n\r\n")
        while end < 0:
            if len(data) > MAX_HEAD_BYTES:
                raise WireError("an answer head over 64 KiB")
            searched = len(data)
            data += _more(sock)
            end = data.find(b"\r\n\r\n", max(0, searched - 3))
        head, rest = data[:end], data[end + 4 :]
        if not head.startswith(b"HTTP/1.") or len(head) < 12 or not head[9:12].isdigit():
            raise WireError(f"not an HTTP/1.x answer: {head[:40]!r}")
        status = int(head[9:12])
        if 100 <= status < 200:  # an interim answer: the final one follows
            data = rest if rest else _more(sock)
            continue
        break
    fields = head.lower()
    keep = head[7:8] == b"1" and b"\r\nconnection: close" not in fields
    if status in (204, 304):
        return Answer(status, b""), keep
    if b"\r\ntransfer-encoding:" in fields and b"chunked" in _field(fields, b"transfer-encoding"):
        body, rest = _chunked(sock, rest)
        return Answer(status, body), keep
    length = _field(fields, b"content-length")
    if not length:  # the body ends where the connection does
        while chunk := sock.recv(READ_BYTES):
            rest += chunk
            _within_cap(len(rest))
        return Answer(status, rest), False
    try:
        size = int(length)
    except ValueError as exc:
        raise WireError(f"a Content-Length that is not a number: {length!r}") from exc
    _within_cap(size)
    while len(rest) < size:
        rest += _more(sock)
    return Answer(status, rest[:size]), keep


def _field(fields: bytes, name: bytes) -> bytes:
    """The value of header ``name`` in the lower-cased head (empty when absent)."""
    start = fields.find(b"\r\n" + name + b":")
    if start < 0:
        return b""
    start += len(name) + 3
    end = fields.find(b"\r\n", start)
    return fields[start : end if end >= 0 else len(fields)].strip()


def _within_cap(size: int) -> None:
    if size > MAX_BODY_BYTES:
        raise WireError(f"an answer body over {MAX_BODY_BYTES // 1024} KiB")


def _more(sock: socket.socket) -> bytes:
    chunk = sock.recv(READ_BYTES)
    if not chunk:
        raise WireError("the connection closed in the middle of an answer")
    return chunk


def _chunked(sock: socket.socket, data: bytes) -> tuple[bytes, bytes]:
    """The decoded body of a chunked answer, and what followed it."""
    body = bytearray()
    while True:
        while b"\r\n" not in data:
            _within_cap(len(data))  # a chunk-size line without end
            data += _more(sock)
        line, _, data = data.partition(b"\r\n")
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError as exc:
            raise WireError(f"a chunk size that is not hex: {line[:20]!r}") from exc
        _within_cap(len(body) + size)
        if size == 0:
            while not (data.startswith(b"\r\n") or b"\r\n\r\n" in data):
                _within_cap(len(data))  # trailer fields count against the cap too
                data += _more(sock)  # trailer fields, then the blank line
            end = 2 if data.startswith(b"\r\n") else data.index(b"\r\n\r\n") + 4
            return bytes(body), data[end:]
        while len(data) < size + 2:
            data += _more(sock)
        body += data[:size]
        data = data[size + 2 :]
