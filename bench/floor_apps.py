"""Apps for bench/serving_floor.py: what Granian costs per request with nearly no app.

Each is a Granian target (``--factory``); ``BENCH_DB`` and ``BENCH_BODIES`` name the
prepared database and signed bodies. None of them is used by the project itself.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from typing import Any

from inprocess import floor_login

from reference_impl.app import create_app

ANSWER = b'{"accessToken":"a","refreshToken":"r"}'
HEADERS = [("content-type", "application/json")]


class _Rsgi:
    """An RSGI app that answers at once, after reading the body or not, after the floor or not."""

    def __init__(self, read_body: bool, work: Callable[[int], None] | None = None) -> None:
        self.read_body, self.work, self.count = read_body, work, 0

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        if self.read_body:
            await protocol()
        if self.work is not None:
            self.count += 1
            self.work(self.count)
        protocol.response_bytes(200, HEADERS, ANSWER)


def _wsgi_body(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    environ["wsgi.input"].read()
    start_response("200 OK", HEADERS)
    return [ANSWER]


def rsgi_empty() -> _Rsgi:
    return _Rsgi(read_body=False)


def rsgi_body() -> _Rsgi:
    return _Rsgi(read_body=True)


def rsgi_floor() -> _Rsgi:
    """The body read, then one login's cryptography (bench/inprocess.py's floor) inline."""
    with open(os.environ["BENCH_BODIES"], encoding="utf-8") as lines:
        bodies = [json.loads(line) for line in lines if line.strip()]
    return _Rsgi(read_body=True, work=floor_login(bodies))


def wsgi_body() -> Callable[..., Iterable[bytes]]:
    return _wsgi_body


def wsgi_reference() -> Any:
    """The reference app under Granian's own WSGI interface: no bridge, no body deadline."""
    return create_app(os.environ["BENCH_DB"])
