"""Ten simultaneous signups of one email against gunicorn (two worker processes) make one user.

The real server in a subprocess, real sockets, a real SQLite file: the UNIQUE email
constraint, not a check-then-insert in Python, must decide the race.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

SIGNUP = "/api/user/signup"
CLIENTS = 10
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
REQUEST_TIMEOUT = 30.0


@contextmanager
def gunicorn(port: int, db: Path, log: Path) -> Iterator[str]:
    """``python -m reference_impl --workers 2``; yields its URL once it answers, stops it after."""
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "reference_impl", "--workers", "2"]
    command += ["--port", str(port), "--db", str(db)]
    with log.open("ab") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                httpx.get(url + SIGNUP, timeout=1)  # any answer (405) means it is serving
                break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"server did not start:\n{log.read_text()}"
            time.sleep(0.1)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(STOP_TIMEOUT)


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
    with gunicorn(free_port(), db, tmp_path / "server.log") as url:
        statuses = signup_all_at_once(url, body)
        login = httpx.post(url + "/api/user/login", json=body, timeout=REQUEST_TIMEOUT)
    with sqlite3.connect(db) as conn:
        (rows,) = conn.execute(
            "SELECT COUNT(*) FROM api_users WHERE email = ?", (body["email"],)
        ).fetchone()
    assert sorted(statuses) == [200] + [409] * (CLIENTS - 1)
    assert rows == 1
    assert login.status_code == 200
