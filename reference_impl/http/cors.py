"""Opt-in CORS, so a browser page on another origin (the site's API explorer) may call the server.

Off unless ``authconform serve --cors-origin ORIGIN`` names the origins. Only those exact
origins get ``Access-Control-Allow-Origin``; anyone else sees the server as before, and
a preflight from them is the usual 405. The documents say nothing of CORS: this is a
convenience of the reference server, not part of any system's contract.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

__all__ = ["allow_origins", "parse_origin"]

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# Every method and request header the three systems' specs use.
ALLOWED_METHODS = "GET, POST, PATCH"
ALLOWED_HEADERS = "Authorization, Content-Type, X-Auth-Key"
# How long a browser may reuse a preflight answer.
PREFLIGHT_MAX_AGE_SECONDS = "600"


def parse_origin(text: str) -> str:
    """``scheme://host[:port]`` as browsers send it in ``Origin``; ValueError otherwise."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{text!r} is not an origin like http://127.0.0.1:8001")
    if parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc:
        raise ValueError(f"{text!r} is not an origin: no path, query or user part")
    return f"{parts.scheme}://{parts.netloc.lower()}"


def allow_origins(app: WSGIApp, origins: Iterable[str]) -> WSGIApp:
    """Wrap ``app`` so the given origins may call it from a browser."""
    allowed = frozenset(origins)

    def middleware(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        origin = environ.get("HTTP_ORIGIN")
        if origin not in allowed:
            return app(environ, start_response)
        granted = [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
        if environ.get("REQUEST_METHOD") == "OPTIONS" and environ.get(
            "HTTP_ACCESS_CONTROL_REQUEST_METHOD"
        ):
            start_response(
                "204 No Content",
                [
                    *granted,
                    ("Access-Control-Allow-Methods", ALLOWED_METHODS),
                    ("Access-Control-Allow-Headers", ALLOWED_HEADERS),
                    ("Access-Control-Max-Age", PREFLIGHT_MAX_AGE_SECONDS),
                    ("Content-Length", "0"),
                ],
            )
            return [b""]

        def start_with_cors(status: str, headers: list, exc_info: Any = None) -> Any:
            return start_response(status, [*headers, *granted], exc_info)

        return app(environ, start_with_cors)

    return middleware
