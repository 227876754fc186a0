"""No acknowledged signup is lost when Granian's processes are killed, worker then main.

30 signups against ``serve`` with two workers: a worker is SIGKILLed halfway (Granian
starts another), then the main process is SIGKILLed (its workers notice and stop), and
the server is started again on the same database. Every signup answered 200 before the
crash must log in afterwards and be one row in the file.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil
import pytest
from subprocesses import children, server_process, serving

pytestmark = pytest.mark.slow

SIGNUPS = 30
SERVER_ARGS = ("--workers", "2", "--password-cost", "light")
ORPHAN_WAIT = 10.0  # workers poll for their parent once a second


def _signup(url: str, i: int) -> tuple[dict[str, str], bool]:
    body = {"name": f"crash{i}", "email": f"crash{i}@example.com", "password": "Crash-pass-1"}
    try:
        answer = httpx.post(url + "/api/user/signup", json=body, timeout=10)
    except httpx.TransportError:
        return body, False  # not acknowledged: the test claims nothing about it
    return body, answer.status_code == 200


def _alive(pid: int) -> bool:
    """Running, or at least not a zombie waiting to be reaped."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_acknowledged_signups_survive_killing_a_worker_then_the_main_process(
    tmp_path: Path, free_port: Callable[[], int]
) -> None:
    db = tmp_path / "crash.db"
    acknowledged = []
    with server_process(free_port(), db, *SERVER_ARGS) as (url, proc):
        workers = children(proc.pid)
        assert len(workers) == 2
        for i in range(SIGNUPS):
            if i == SIGNUPS // 2:
                os.kill(workers[0], signal.SIGKILL)
            body, ok = _signup(url, i)
            if ok:
                acknowledged.append(body)
        # Granian starts a worker in place of the killed one.
        deadline = time.monotonic() + ORPHAN_WAIT
        while len(live_workers := children(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(live_workers) == 2 and workers[0] not in live_workers
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + ORPHAN_WAIT
        while any(_alive(pid) for pid in live_workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        orphans = [pid for pid in live_workers if _alive(pid)]
        for pid in orphans:  # never leave one behind, even when the claim below fails
            os.kill(pid, signal.SIGKILL)
    assert orphans == [], "workers kept running after their main process was killed"
    # Most signups went through; the claim is about those that did.
    assert len(acknowledged) >= SIGNUPS // 2

    with serving(free_port(), db, *SERVER_ARGS) as url:
        logins = [
            httpx.post(
                url + "/api/user/login",
                json={"email": b["email"], "password": b["password"]},
                timeout=10,
            ).status_code
            for b in acknowledged
        ]
    assert logins == [200] * len(acknowledged)
    with sqlite3.connect(db) as conn:
        emails = {row[0] for row in conn.execute("SELECT email FROM api_users")}
    assert {b["email"] for b in acknowledged} <= emails
