"""A refused body must not break the kept-alive connection, under Granian and under gunicorn.

One httpx connection sends a body over the 64 KiB limit (413, judged on Content-Length,
body unread by the handler), then ordinary requests. If the unread body stayed on the
socket, the server would parse it as the next request and the connection would break.
gunicorn does not skip unread bodies itself, so this shows the app's own draining.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from subprocesses import running, serving

pytestmark = pytest.mark.slow

LOGIN = "/api/user/login"
JWKS = "/.well-known/jwks.json"
OVERSIZED = b"x" * (100 * 1024)
JSON = "application/json"
ROUNDS = 5


def refused_then_served(url: str) -> list[tuple[int, int, int]]:
    """(413 status, next GET status, next bad-type POST status) per round, on one connection."""
    one = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    seen = []
    with httpx.Client(base_url=url, timeout=10.0, limits=one) as client:
        for _ in range(ROUNDS):
            big = client.post(LOGIN, content=OVERSIZED, headers={"Content-Type": JSON})
            after = client.get(JWKS)
            # A body refused before it is read (415): the same must hold.
            typed = client.post(LOGIN, content=b"x" * 2000, headers={"Content-Type": "text/plain"})
            seen.append((big.status_code, after.status_code, typed.status_code))
    return seen


def test_413_keeps_the_connection_under_granian(tmp_path: Path, free_port: Callable) -> None:
    with serving(free_port(), tmp_path / "g.db", "--workers", "1") as url:
        assert refused_then_served(url) == [(413, 200, 415)] * ROUNDS


def test_413_keeps_the_connection_under_gunicorn(tmp_path: Path, free_port: Callable) -> None:
    pytest.importorskip("gunicorn")
    port, db = free_port(), tmp_path / "gu.db"
    command = [
        sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
        "--worker-class", "gthread", "--threads", "2",
        f"reference_impl.app:create_app({str(db)!r})",
    ]  # fmt: skip
    with running(command, f"http://127.0.0.1:{port}", tmp_path / "gunicorn.log") as _:
        assert refused_then_served(f"http://127.0.0.1:{port}") == [(413, 200, 415)] * ROUNDS


def test_a_body_too_long_to_drain_closes_the_connection_under_granian(
    tmp_path: Path, free_port: Callable
) -> None:
    """Past 1 MiB the server stops reading: its 413 says ``Connection: close``, so the
    client opens a new connection instead of sending into the unread body."""
    huge = b"x" * (2 * 1024 * 1024)
    with (
        serving(free_port(), tmp_path / "h.db", "--workers", "1") as url,
        httpx.Client(base_url=url, timeout=10.0) as client,
    ):
        refused = client.post(LOGIN, content=huge, headers={"Content-Type": JSON})
        after = client.get(JWKS)
    assert refused.status_code == 413
    assert refused.headers.get("connection") == "close"
    assert after.status_code == 200
