"""The lean HTTP client (load.users.wire) and the local stats row, without Locust.

A small threaded socket server plays each kind of answer a login server may give: a
Content-Length body, chunked transfer coding, a body ended by closing, a kept-alive
connection the server closes between requests, and no answer at all.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from load.process.server import free_port
from load.stats.localrow import LocalRow
from load.users.wire import (
    MAX_BODY_BYTES,
    ConnectionPool,
    WireError,
    lean_target,
    request_bytes,
)

Reply = Callable[[socket.socket, bytes], bool]  # (connection, request) -> keep it open


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
    while len(body) < length:
        body += conn.recv(65536)
    return head + b"\r\n\r\n" + body


@contextlib.contextmanager
def serving(reply: Reply) -> Iterator[tuple[str, list[bytes], list[int]]]:
    """A loopback server calling ``reply`` per request; yields (URL, requests, connections)."""
    listener = socket.create_server(("127.0.0.1", 0))
    requests: list[bytes] = []
    connections: list[int] = []

    def handle(conn: socket.socket) -> None:
        with conn:
            while request := _read_request(conn):
                requests.append(request)
                if not reply(conn, request):
                    return

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            connections.append(1)
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", requests, connections
    finally:
        listener.close()


def _send(conn: socket.socket, data: bytes, keep: bool = True) -> bool:
    conn.sendall(data)
    return keep


def _pool(url: str, **options) -> ConnectionPool:
    target = lean_target(url)
    assert target is not None
    return ConnectionPool(target, **options)


def _post(pool: ConnectionPool, body: bytes = b'{"a": 1}'):
    headers = {"Content-Type": "application/json"}
    return pool.exchange(request_bytes(pool.target, "POST", "/login", headers, body))


def test_a_content_length_answer_and_a_kept_connection():
    answer = b'HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n{"x":1}'
    with serving(lambda conn, _: _send(conn, answer)) as (url, requests, connections):
        pool = _pool(url)
        first, second = _post(pool), _post(pool)
    assert (first.status_code, first.content, first.json()) == (200, b'{"x":1}', {"x": 1})
    assert second.content == b'{"x":1}'
    assert len(connections) == 1  # the second login reused the first one's connection
    head = requests[0].split(b"\r\n\r\n")[0].decode()
    assert head.startswith("POST /login HTTP/1.1\r\nHost: 127.0.0.1:")
    assert "Content-Length: 8" in head and requests[0].endswith(b'{"a": 1}')


def test_a_chunked_answer_is_decoded():
    answer = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n"
    )
    with serving(lambda conn, _: _send(conn, answer)) as (url, _, connections):
        pool = _pool(url)
        assert _post(pool).content == b"abcde"
        assert _post(pool).content == b"abcde"
    assert len(connections) == 1


def test_an_answer_ended_by_closing_and_connection_close():
    closing = b"HTTP/1.0 422 Unprocessable\r\n\r\nno length"
    with serving(lambda conn, _: _send(conn, closing, keep=False)) as (url, _, connections):
        pool = _pool(url)
        assert (_post(pool).status_code, _post(pool).content) == (422, b"no length")
    assert len(connections) >= 2  # a new connection each time: the server closed them


def test_a_connection_the_server_closed_meanwhile_is_replaced_once():
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    # Keep-alive in the head, then closed anyway: the next request finds it closed.
    with serving(lambda conn, _: _send(conn, answer, keep=False)) as (url, requests, _):
        pool = _pool(url)
        assert _post(pool).content == b"ok"
        time.sleep(0.05)
        assert _post(pool).content == b"ok"
    assert len(requests) == 2


def test_no_server_and_no_answer_are_wire_errors():
    with (
        serving(lambda conn, _: False) as (url, _, _),
        pytest.raises(WireError, match="closed before any answer"),
    ):
        _post(_pool(url))
    with pytest.raises(WireError, match="cannot connect"):
        _post(_pool(f"http://127.0.0.1:{free_port()}"))


@pytest.mark.parametrize(
    "head",
    [
        f"Content-Length: {MAX_BODY_BYTES + 1}\r\n".encode(),  # declared too long
        b"Connection: close\r\n",  # ended by closing, after more than the cap
        b"Transfer-Encoding: chunked\r\n",  # chunks adding up past the cap
    ],
    ids=["declared", "until-close", "chunked"],
)
def test_an_answer_over_the_cap_fails_instead_of_filling_memory(head: bytes):
    chunk = b"x" * 65536
    body = (b"%x\r\n" % len(chunk) + chunk + b"\r\n") if b"chunked" in head else chunk
    cap_chunks = MAX_BODY_BYTES // len(chunk) + 2

    def flood(conn: socket.socket, _: bytes) -> bool:
        with contextlib.suppress(OSError):
            conn.sendall(b"HTTP/1.1 200 OK\r\n" + head + b"\r\n")
            for _ in range(cap_chunks):  # bounded: just past the cap, then the server stops
                conn.sendall(body)
        return False

    with serving(flood) as (url, _, _), pytest.raises(WireError, match="over 1024 KiB"):
        _post(_pool(url))


def test_a_request_older_than_the_timeout_is_expired():
    """Sockets without a read timeout (as under Locust) rely on ``expire``."""
    release = threading.Event()
    with serving(lambda conn, _: release.wait(5) and False) as (url, _, _):
        pool = _pool(url, timeout=0.2, read_timeout=None)
        expirer = threading.Timer(0.5, lambda: pool.expire(time.monotonic()))
        expirer.start()
        try:
            with pytest.raises(WireError, match=r"no answer within 0\.2 s"):
                _post(pool)
        finally:
            release.set()
            expirer.cancel()


def test_https_and_credentials_in_the_url_are_left_to_fasthttp():
    assert lean_target("https://example.com") is None
    assert lean_target("http://user:pw@example.com") is None
    target = lean_target("http://example.com:8080/api")
    assert target is not None and (target.port, target.prefix) == (8080, "/api")


def test_the_local_row_hands_over_one_batch_per_second():
    batches: list[dict] = []
    now = [100.2]
    row = LocalRow(batches.append, clock=lambda: now[0])
    for ms in (0.02, 0.03, 150.0):
        row.record(ms, 700)
    assert batches == []  # still the same second
    now[0] = 101.1
    row.record(0.04)
    (first,) = batches
    assert first["num_requests"] == 3 and first["num_reqs_per_sec"] == {100: 3}
    assert first["response_times"] == {0: 2, 150: 1}  # Locust's own rounding
    assert first["min_response_time"] == 0.02 and first["max_response_time"] == 150.0
    assert first["total_response_time"] == pytest.approx(150.05)
    assert first["total_content_length"] == 2100
    row.flush()
    assert batches[1]["num_requests"] == 1 and batches[1]["num_reqs_per_sec"] == {101: 1}
    row.flush()
    assert len(batches) == 2  # nothing recorded since: no empty batch
