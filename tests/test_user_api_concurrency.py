"""Ten simultaneous signups of one email against Granian (two worker processes) make one user.

The real server in a subprocess, real sockets, a real SQLite file: the UNIQUE email
constraint, not a check-then-insert in Python, must decide the race.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from subprocesses import serving

SIGNUP = "/api/user/signup"
CLIENTS = 10
REQUEST_TIMEOUT = 30.0
# Two workers; the light scrypt cost, since the race, not the hashing, is under test.
SERVER_ARGS = ("--workers", "2", "--password-cost", "light")


def signup_all_at_once(url: str, body: dict[str, str]) -> list[int]:
    """Send ``CLIENTS`` signups released together by a barrier; return their statuses."""
    barrier = threading.Barrier(CLIENTS)
    statuses: list[int] = []
    lock = threading.Lock()

    def one() -> None:
        with httpx.Client(timeout=REQUEST_TIMEOUT) as client:
            client.get(url + SIGNUP)  # open the connection before the race starts
            barrier.wait(REQUEST_TIMEOUT)
            status = client.post(url + SIGNUP, json=body).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=one) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(REQUEST_TIMEOUT * 2)
    return statuses


@pytest.mark.slow
def test_ten_concurrent_signups_of_one_email_create_one_user(
    tmp_path: Path, free_port: Callable[[], int]
) -> None:
    db = tmp_path / "race.db"
    body = {"name": "racer", "email": "race@example.com", "password": "Race-pass-1"}
    with serving(free_port(), db, *SERVER_ARGS, log=tmp_path / "server.log") as url:
        statuses = signup_all_at_once(url, body)
        login = httpx.post(url + "/api/user/login", json=body, timeout=REQUEST_TIMEOUT)
    with sqlite3.connect(db) as conn:
        (rows,) = conn.execute(
            "SELECT COUNT(*) FROM api_users WHERE email = ?", (body["email"],)
        ).fetchone()
    assert sorted(statuses) == [200] + [409] * (CLIENTS - 1)
    assert rows == 1
    assert login.status_code == 200
