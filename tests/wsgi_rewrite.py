"""WSGI middleware that rewrites the reference app's JSON answers, for the broken variants.

One faulty answer is easier to prove against than a second server: each variant states
only what it changes, and everything else stays the reference's own behaviour.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
# (environ, request body, status, parsed response or None) -> (status, response) or None
Rewrite = Callable[[dict, bytes, int, Any], "tuple[int, Any] | None"]


def read_body(environ: dict) -> bytes:
    """The request body, put back so the inner app can still read it."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def respond(
    start_response: Callable,
    status: int,
    payload: Any,
    headers: Iterable[tuple[str, str]] = (),
) -> list[bytes]:
    """Answer ``payload`` as JSON with ``status`` and its standard reason phrase."""
    data = json.dumps(payload).encode()
    start_response(
        f"{status} {HTTPStatus(status).phrase}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(data))), *headers],
    )
    return [data]


def request_fields(request_body: bytes) -> dict[str, Any] | None:
    """The request's JSON object, or None when it is not one."""
    try:
        body = json.loads(request_body)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def rewriting(rewrite: Rewrite) -> Callable[[WSGIApp], WSGIApp]:
    """Middleware that lets ``rewrite`` replace any response of the inner app."""

    def wrap(app: WSGIApp) -> WSGIApp:
        def middleware(environ: dict, start_response: Callable) -> Iterable[bytes]:
            request_body = read_body(environ)
            captured: dict[str, Any] = {}

            def capture(status: str, headers: list, exc_info: Any = None) -> Callable:
                captured["status"], captured["headers"] = status, headers
                return lambda _data: None

            chunks = app(environ, capture)
            try:
                body = b"".join(chunks)
            finally:
                getattr(chunks, "close", lambda: None)()
            status = int(captured["status"].split()[0])
            try:
                parsed = json.loads(body) if body else None
            except ValueError:
                parsed = None
            changed = rewrite(environ, request_body, status, parsed)
            if changed is not None:
                answer = respond(start_response, *changed)
                # RFC 9110 §9.3.2: a rewritten answer to HEAD carries no content either.
                return [] if environ.get("REQUEST_METHOD") == "HEAD" else answer
            start_response(captured["status"], captured["headers"])
            return [body]

        return middleware

    return wrap
