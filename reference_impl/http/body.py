"""The one place request bodies are read and parsed as JSON.

Rules (each failure is an ``HTTPError`` with a sentence saying what was wrong):
the body is at most ``MAX_BODY_BYTES`` (413, judged on what actually arrives,
never reading more than the limit plus one byte); the content type must be
``application/json`` with no charset other than UTF-8 (415); the bytes must be
UTF-8 and one JSON value without NaN/Infinity or lone surrogates (400).

A body the app did not read to its end (a 413 judged on Content-Length, a request
refused before its body mattered) would be parsed as the next request on a kept-alive
connection by servers that do not skip it themselves (gunicorn does not); WSGI forbids
an app to say ``Connection: close``, so ``drain_unread`` reads and drops what is left,
up to ``MAX_DRAIN_BYTES``. Reading never waits past ``BODY_READ_SECONDS`` in total
between reads; a single read is bounded by the server (Granian hands the app bodies
it has already received; the embedded server times its sockets out).
"""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any

from reference_impl.http.errors import (
    BadRequest,
    PayloadTooLarge,
    RequestTimeout,
    UnsupportedMediaType,
)
from reference_impl.http.messages import JSON_MEDIA_TYPE, WSGIEnviron

__all__ = [
    "BODY_DONE",
    "BODY_TIMED_OUT",
    "MAX_BODY_BYTES",
    "MAX_DRAIN_BYTES",
    "drain_unread",
    "parse_json_bytes",
    "read_json",
]

# 64 KiB: a login body is a few hundred bytes; anything near this is abuse or a mistake.
MAX_BODY_BYTES = 64 * 1024
# Unread bodies up to this size are dropped so the connection stays in step; past it
# draining costs more than the client reconnecting.
MAX_DRAIN_BYTES = 1024 * 1024
# A body still arriving after this long (counted between reads) is refused as incomplete.
BODY_READ_SECONDS = 10.0
READ_CHUNK = 4096

# environ key: bytes of the body read so far, and whether its end was reached.
BODY_READ = "reference_impl.body_read"
BODY_DONE = "reference_impl.body_done"
# environ key set by a server that stopped waiting for the body (serving.rsgi_bridge): 408.
BODY_TIMED_OUT = "reference_impl.body_timed_out"


def read_json(environ: WSGIEnviron, *, limit: int = MAX_BODY_BYTES) -> Any:
    """Parse the request body; raises 413, 415 or 400 as described in the module docstring."""
    length = environ.get("CONTENT_LENGTH")
    stream = environ.get("wsgi.input")
    if (
        # PERF: the usual request (a small declared JSON body, in time), read as the
        # general path below would read it (one chunk) without re-checking each rule.
        type(length) is str
        and length.isdigit()
        and length.isascii()
        and stream is not None
        and environ.get("CONTENT_TYPE") == JSON_MEDIA_TYPE
        and not environ.get(BODY_TIMED_OUT)
    ):
        declared = int(length)
        if 0 < declared <= READ_CHUNK and declared <= limit:
            try:
                raw = stream.read(declared)  # the general loop's first (here only) read
            except OSError as exc:
                raise BadRequest("The request body ended before its Content-Length.") from exc
            environ[BODY_READ] = environ.get(BODY_READ, 0) + len(raw)
            if raw and len(raw) < declared:  # a short read: the rest as the loop reads it
                raw += _read_at_most(environ, stream, declared - len(raw))
            environ[BODY_DONE] = len(raw) >= declared
            return parse_json_bytes(raw)
    declared = _content_length(environ)
    if declared is not None and declared > limit:
        raise PayloadTooLarge(f"The request body must be at most {limit} bytes.")
    _require_json_content_type(environ.get("CONTENT_TYPE"))
    if environ.get(BODY_TIMED_OUT):
        environ[BODY_DONE] = True
        raise RequestTimeout("The request body did not arrive within the server's deadline.")
    raw = _read_body(environ, declared, limit)
    if len(raw) > limit:
        raise PayloadTooLarge(f"The request body must be at most {limit} bytes.")
    return parse_json_bytes(raw)


def parse_json_bytes(raw: bytes) -> Any:
    """Strict UTF-8 JSON to Python; every failure is a 400 that says why."""
    if not raw.strip():
        raise BadRequest("The request body is empty; a JSON object is required.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest("The request body is not valid UTF-8.") from exc
    try:
        value = _decode(text)
    except RecursionError as exc:
        raise BadRequest("The request body nests JSON too deeply.") from exc
    except ValueError as exc:  # JSONDecodeError, NaN/Infinity, over-long integers
        raise BadRequest(f"The request body is not valid JSON: {exc}.") from exc
    # PERF: strict UTF-8 decoding yields no surrogate; only a backslash-u escape can.
    if "\\u" in text and _has_lone_surrogate(value):
        raise BadRequest("The request body contains a string that is not valid Unicode.")
    return value


def _content_length(environ: WSGIEnviron) -> int | None:
    value = str(environ.get("CONTENT_LENGTH") or "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise BadRequest("The Content-Length header is not a number.")
    return int(value)


def _require_json_content_type(value: str | None) -> None:
    if value == JSON_MEDIA_TYPE:  # PERF: the usual header, nothing to take apart
        return
    media_type, _, params = (value or "").partition(";")
    if media_type.strip().lower() != JSON_MEDIA_TYPE:
        raise UnsupportedMediaType(
            f"The request body must be {JSON_MEDIA_TYPE}, got {media_type.strip() or 'no type'!r}."
        )
    for param in params.split(";"):
        name, _, charset = param.partition("=")
        charset = charset.strip(' "').lower()
        if name.strip().lower() == "charset" and charset not in ("utf-8", "utf8"):
            raise UnsupportedMediaType("JSON request bodies must be UTF-8.")


def _read_body(environ: WSGIEnviron, declared: int | None, limit: int) -> bytes:
    stream = environ.get("wsgi.input")
    if stream is None:
        environ[BODY_DONE] = True
        return b""
    if declared is not None:
        # NOTE: read what was declared (bounded above), never "until EOF": on a
        # kept-alive socket EOF would only come when the client gives up.
        raw = _read_at_most(environ, stream, declared)
        environ[BODY_DONE] = len(raw) >= declared
        return raw
    if environ.get("wsgi.input_terminated"):
        # The server decoded a chunked body and will end the stream for us;
        # one byte past the limit is enough to know it is too large.
        raw = _read_at_most(environ, stream, limit + 1)
        environ[BODY_DONE] = len(raw) <= limit
        return raw
    environ[BODY_DONE] = True
    return b""  # no length, no terminated stream: HTTP says there is no body


def drain_unread(environ: WSGIEnviron) -> None:
    """Read and drop what is left of the request body, if that is at most ``MAX_DRAIN_BYTES``."""
    if environ.get(BODY_DONE):
        return
    stream = environ.get("wsgi.input")
    if stream is None:
        return
    try:
        declared = _content_length(environ)
    except BadRequest:
        return
    already = environ.get(BODY_READ, 0)
    if declared is not None:
        left = declared - already
        if 0 < left <= MAX_DRAIN_BYTES:
            _drop(environ, stream, left)
    elif environ.get("wsgi.input_terminated"):
        _drop(environ, stream, MAX_DRAIN_BYTES)


def _drop(environ: WSGIEnviron, stream: Any, size: int) -> None:
    # A client that stopped sending has nothing left to keep in step.
    with contextlib.suppress(BadRequest):
        _read_at_most(environ, stream, size, keep=False)


def _read_at_most(environ: WSGIEnviron, stream: Any, size: int, *, keep: bool = True) -> bytes:
    chunks: list[bytes] = []
    remaining = size
    deadline = time.monotonic() + BODY_READ_SECONDS
    while remaining > 0:
        if time.monotonic() > deadline:
            raise BadRequest("The request body arrived too slowly.")
        try:
            chunk = stream.read(min(remaining, READ_CHUNK))
        except OSError as exc:  # the server's socket timeout: the client stopped sending
            raise BadRequest("The request body ended before its Content-Length.") from exc
        if not chunk:
            break
        environ[BODY_READ] = environ.get(BODY_READ, 0) + len(chunk)
        if keep:
            chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _has_lone_surrogate(value: Any) -> bool:
    """Walk iteratively: the parsed value may be as deep as the parser allowed."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _decode(text: str) -> Any:
    """``_DECODER.decode(text)``; PERF: a body with no surrounding whitespace goes straight
    to the C scanner, and anything it does not take whole is judged by ``decode`` itself
    (same value, same error message)."""
    if text and text[0] in "{[" and text[-1] in "}]":
        try:
            value, end = _SCAN(text, 0)
        except (StopIteration, ValueError):
            end = -1
        if end == len(text):
            return value
    return _DECODER.decode(text)


# PERF: built once; ``json.loads`` with arguments builds a decoder per call.
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
_SCAN = _DECODER.scan_once
