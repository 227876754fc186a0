"""The response a handler returns: a status, raw bytes, headers. Nothing else."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Response", "WSGIEnviron"]

WSGIEnviron = dict[str, Any]


@dataclass(slots=True)
class Response:
    """Status code, raw body, and headers (``jsonio.json_response`` fills Content-Type/Length)."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
