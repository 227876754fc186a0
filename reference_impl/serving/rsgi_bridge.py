"""A WSGI app behind Granian's RSGI interface, so a slow sender never holds a Python thread.

Under Granian's WSGI interface a request goes to a Python thread once its headers are
in, and ``wsgi.input.read`` then parks that thread until the body arrives: a few hundred
connections that send one body byte and wait take every thread, and other endpoints
stop answering. Here the body is awaited on the worker's event loop instead, within
``body_timeout`` seconds, keeping at most ``MAX_BODY_BYTES + 1`` bytes; only a request whose
body is complete (or judged: too slow, too large) goes to one of ``threads`` Python
threads, which run the unchanged WSGI app with the body in memory. A body that misses
its deadline reaches the app marked as such, and the app answers 408 in its system's
error shape. Headers have their own deadline in Granian (``header_timeout``).

A request the app calls quick (``App.quick``: the FIB routes, Ed25519 and short SQLite
statements, well under a millisecond) runs on the event loop itself once its body is in:
handing it to a thread and back costs more than the handler (docs/benchmarks.md,
"Served vs handler"). Password hashing, which takes the OWASP cost's tens to hundreds of
milliseconds, still goes to the threads, so it never holds the loop.
"""

from __future__ import annotations

import asyncio
import io
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import unquote

from reference_impl.http.body import BODY_TIMED_OUT, MAX_BODY_BYTES, MAX_DRAIN_BYTES

__all__ = ["RSGIBridge"]

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class RSGIBridge:
    """Granian's RSGI target wrapping one WSGI app; one per worker process."""

    def __init__(self, app: WSGIApp, *, threads: int, body_timeout: float) -> None:
        self.app = app
        self.body_timeout = body_timeout
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="app")
        self._quick: frozenset[tuple[str, str]] = getattr(app, "quick", frozenset())

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        if scope.proto != "http":
            return
        environ = _environ(scope)
        try:
            async with asyncio.timeout(self.body_timeout):
                body, whole = await _read_body(protocol, environ)
        except TimeoutError:
            body, whole, environ[BODY_TIMED_OUT] = b"", False, True
        except Exception:  # the client went away mid-body: nobody to answer
            return
        environ["wsgi.input"] = io.BytesIO(body)
        if (environ["REQUEST_METHOD"], environ["PATH_INFO"]) in self._quick:
            status, headers, payload = self._call(environ)
        else:
            loop = asyncio.get_running_loop()
            status, headers, payload = await loop.run_in_executor(self._pool, self._call, environ)
        if not whole:
            # The rest of the body is still on the socket: say this connection ends here,
            # or a client would send its next request into it.
            headers = [*headers, ("Connection", "close")]
        protocol.response_bytes(status, headers, payload)

    def __rsgi_del__(self, loop: Any) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _call(self, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            started[:] = [int(status.split(" ", 1)[0]), headers]

        chunks = self.app(environ, start_response)
        try:
            payload = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close:
                close()
        return started[0], started[1], payload


async def _read_body(protocol: Any, environ: dict[str, Any]) -> tuple[bytes, bool]:
    """The body, kept up to one byte past the app's limit (enough to judge 413), and
    whether it was read to its end.

    A longer body is still read to its end, up to ``MAX_DRAIN_BYTES``, and dropped, so a
    kept-alive connection stays in step after the 413; past that, nothing is read.
    """
    declared = str(environ.get("CONTENT_LENGTH") or "")
    length = int(declared) if declared.isdigit() else None
    if length is not None and length > MAX_DRAIN_BYTES:
        return b"", False
    if length is not None and length <= MAX_BODY_BYTES and not _chunked(environ):
        # PERF: a body declared within the limit is at most that long (the HTTP layer frames
        # it by its length): one await for all of it, not one per chunk.
        return await protocol(), True
    chunks, kept, seen = [], 0, 0
    async for chunk in protocol:
        seen += len(chunk)
        if kept <= MAX_BODY_BYTES:
            chunks.append(chunk)
            kept += len(chunk)
        if seen > MAX_DRAIN_BYTES:
            return b"".join(chunks), False
    return b"".join(chunks), True


def _chunked(environ: dict[str, Any]) -> bool:
    """Whether a transfer coding frames the body, so its declared length is not its bound."""
    return bool(environ.get("HTTP_TRANSFER_ENCODING"))


def _environ(scope: Any) -> dict[str, Any]:
    host, _, port = scope.server.rpartition(":")
    client = scope.client.rpartition(":")[0] if ":" in scope.client else scope.client
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote(scope.path, encoding="latin-1"),
        "QUERY_STRING": scope.query_string,
        "SERVER_NAME": host,
        "SERVER_PORT": port,
        "SERVER_PROTOCOL": f"HTTP/{scope.http_version}",
        "REMOTE_ADDR": client.strip("[]"),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.scheme,
        "wsgi.errors": sys.stderr,
        "wsgi.input_terminated": True,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in scope.headers.items():
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = f"HTTP_{key}"
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ
