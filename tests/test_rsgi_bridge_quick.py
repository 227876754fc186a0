"""The RSGI bridge runs quick routes on the event loop and everything else on its threads.

A fake RSGI scope and protocol drive the bridge directly; the one app thread is held
by an event, so "answered while the thread is busy" needs no clock.
"""

from __future__ import annotations

import asyncio
import threading
from types import SimpleNamespace
from typing import Any

from reference_impl.app import create_app
from reference_impl.serving.rsgi_bridge import RSGIBridge

QUICK = ("POST", "/quick")


class _Protocol:
    """What Granian hands the bridge: the body (whole or in chunks) and an answer slot."""

    def __init__(self, body: bytes, chunks: list[bytes] | None = None) -> None:
        self.body, self.chunks, self.answer = body, chunks, None
        self.whole_reads = 0

    async def __call__(self) -> bytes:
        self.whole_reads += 1
        return self.body

    def __aiter__(self):
        return self._iterate()

    async def _iterate(self):
        for chunk in self.chunks if self.chunks is not None else [self.body]:
            yield chunk

    def response_bytes(self, status: int, headers: list, payload: bytes) -> None:
        self.answer = (status, payload)


def _scope(method: str, path: str, headers: dict[str, str]) -> Any:
    return SimpleNamespace(
        proto="http", method=method, path=path, query_string="", server="127.0.0.1:1",
        client="127.0.0.1:2", scheme="http", http_version="1.1", headers=headers,
    )  # fmt: skip


class _App:
    """A WSGI app that answers with the thread it ran on; ``/slow`` first waits for a gate."""

    quick = frozenset({QUICK})

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.bodies: list[bytes] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        self.bodies.append(environ["wsgi.input"].read())
        if environ["PATH_INFO"] == "/slow":
            self.gate.wait(30)
        start_response("200 OK", [])
        return [threading.current_thread().name.encode()]


async def _drive(bridge: RSGIBridge, app: _App) -> None:
    slow = _Protocol(b"")
    busy = asyncio.ensure_future(bridge.__rsgi__(_scope("POST", "/slow", {}), slow))
    while not app.bodies:  # the one app thread has taken the slow request
        await asyncio.sleep(0.001)
    quick = _Protocol(b'{"a": 1}')
    await bridge.__rsgi__(_scope(*QUICK, {"content-length": "8"}), quick)
    assert quick.answer == (200, threading.current_thread().name.encode())
    assert quick.whole_reads == 1  # a declared small body: one await, not one per chunk
    assert slow.answer is None  # still held: the quick one did not need its thread
    app.gate.set()
    await busy
    assert slow.answer is not None and slow.answer[1].startswith(b"app")


def test_a_quick_route_is_answered_on_the_loop_while_every_app_thread_is_busy() -> None:
    app = _App()
    bridge = RSGIBridge(app, threads=1, body_timeout=5)
    try:
        asyncio.run(asyncio.wait_for(_drive(bridge, app), 20))
    finally:
        app.gate.set()
        bridge.__rsgi_del__(None)


def test_a_chunked_body_is_read_chunk_by_chunk_whatever_length_it_declares() -> None:
    app = _App()
    bridge = RSGIBridge(app, threads=1, body_timeout=5)
    protocol = _Protocol(b"unused", chunks=[b'{"a"', b": 1}"])
    headers = {"content-length": "2", "transfer-encoding": "chunked"}
    try:
        asyncio.run(bridge.__rsgi__(_scope(*QUICK, headers), protocol))
    finally:
        bridge.__rsgi_del__(None)
    assert protocol.whole_reads == 0
    assert app.bodies == [b'{"a": 1}']


def test_the_reference_app_marks_exactly_the_fib_routes_quick(tmp_path) -> None:
    app = create_app(tmp_path / "q.sqlite3")
    paths = {path for _method, path in app.quick}
    assert paths and all("/auth/api/" in p or "jwks" in p for p in paths), paths
    rules = {(r.method, r.path): r.endpoint for r in app.router.rules()}
    assert {rules[pair].split(".")[0] for pair in app.quick} == {"fib"}
    assert any(endpoint.startswith("user_api.") for endpoint in rules.values())
