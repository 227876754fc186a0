"""The response a handler returns (a status, raw bytes, headers) and the JSON way to build one."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["JSON_MEDIA_TYPE", "Response", "WSGIEnviron", "json_response"]

JSON_MEDIA_TYPE = "application/json"
# PERF: one compact encoder, built once (``json.dumps`` with arguments builds one per call).
encode_json = json.JSONEncoder(separators=(",", ":")).encode

WSGIEnviron = dict[str, Any]


@dataclass(slots=True)
class Response:
    """Status code, raw body, and headers (``json_response`` fills Content-Type/Length)."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


def json_response(
    status: int, payload: Any, *, headers: Iterable[tuple[str, str]] = ()
) -> Response:
    body = encode_json(payload).encode("utf-8")
    out = [("Content-Type", JSON_MEDIA_TYPE), ("Content-Length", str(len(body)))]
    out.extend(headers)
    return Response(status, body, out)
