"""What a handler reads of a request: method, path, headers, and the JSON body."""

from __future__ import annotations

from typing import Any

from reference_impl.http.body import read_json
from reference_impl.http.messages import WSGIEnviron

__all__ = ["Request"]


class Request:
    """A WSGI environ with the few accessors handlers need; the body is read only by ``json()``."""

    __slots__ = ("environ",)

    def __init__(self, environ: WSGIEnviron) -> None:
        self.environ = environ

    @property
    def method(self) -> str:
        return str(self.environ.get("REQUEST_METHOD", "GET")).upper()

    @property
    def path(self) -> str:
        return str(self.environ.get("PATH_INFO", "") or "/")

    def header(self, name: str) -> str | None:
        """A request header by its HTTP name (``"X-Auth-Key"``), or None when absent."""
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            return self.environ.get(key)
        return self.environ.get(f"HTTP_{key}")

    def json(self) -> Any:
        """The body parsed as JSON under ``http.body``'s rules (413, 415, 400)."""
        return read_json(self.environ)
