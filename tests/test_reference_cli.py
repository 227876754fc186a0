"""``python -m reference_impl``: what Granian runs, which port it takes, and its usage errors.

Each server is a real child process on loopback; the workers are counted with psutil.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from subprocesses import START_TIMEOUT, children, running, server_process

REFERENCE = [sys.executable, "-m", "reference_impl"]


def _serving_line(log: Path) -> str:
    (line,) = [x for x in log.read_text().splitlines() if x.startswith("serving on ")]
    return line


def test_startup_line_names_granian_and_the_workers_that_run(free_port, tmp_path):
    db, log = tmp_path / "w.db", tmp_path / "w.log"
    args = ("--workers", "2", "--threads", "3", "--password-cost", "light")
    with server_process(free_port(), db, *args, log=log) as (url, proc):
        assert httpx.get(url + "/.well-known/jwks.json", timeout=5).status_code == 200
        workers = children(proc.pid)
        assert len(workers) == 2
        # The loop the line names is the one the workers run: uvloop's module is mapped.
        for worker in workers:
            maps = Path(f"/proc/{worker}/maps").read_text()
            assert "/uvloop/loop." in maps, worker
    line = _serving_line(log)
    assert line.startswith(f"serving on {url} (granian 2.8.")
    assert (
        "RSGI to WSGI on uvloop, 2 workers x 3 threads, backpressure 1024, headers within 10 s, "
        "bodies within 10 s, failed workers respawned;"
    ) in line
    assert f"passwords light; db {db};" in line


def test_port_zero_serves_on_the_port_the_line_names(tmp_path):
    log = tmp_path / "zero.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [*REFERENCE, "--port", "0", "--db", str(tmp_path / "zero.db"), "--workers", "2"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while "serving on" not in log.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            time.sleep(0.1)
        found = re.search(r"serving on (http://127\.0\.0\.1:(\d+)) ", log.read_text())
        assert found and found.group(2) != "0", log.read_text()
        # Both workers share the one socket: several new connections all reach a worker.
        for _ in range(6):
            got = httpx.get(found.group(1) + "/.well-known/jwks.json", timeout=START_TIMEOUT)
            assert got.status_code == 200
    finally:
        proc.terminate()
        proc.wait(10)
    assert proc.returncode == 0, log.read_text()


def test_port_in_use_is_one_error_line_and_exit_2(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [*REFERENCE, "--port", str(port), "--db", str(tmp_path / "x.db")],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert result.returncode == 2
    assert result.stderr == (
        f"error: serve: cannot listen on 127.0.0.1:{port}: address already in use\n"
    )
    assert "Traceback" not in result.stdout


def test_failed_login_limit_is_a_serve_option(free_port, tmp_path):
    db, creds = tmp_path / "limit.db", tmp_path / "creds.json"
    args = (
        "--demo-users", "1", "--credentials-out", str(creds), "--password-cost", "light",
        "--workers", "1", "--max-failed-logins-per-account", "2",
    )  # fmt: skip
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [*REFERENCE, "--port", str(port), "--db", str(db), *args]
    with running(command, url, db.with_suffix(".log")):
        user = json.loads(creds.read_text())["user-api"]["users"][0]
        wrong = {"email": user["email"], "password": "not-the-password"}
        statuses = [httpx.post(url + "/api/user/login", json=wrong).status_code for _ in range(2)]
        limited = httpx.post(url + "/api/user/login", json={**wrong, "password": user["password"]})
    assert statuses == [401, 401]
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 600
    assert limited.json()["error"] == "too_many_requests"


def test_help_says_what_threads_and_workers_do():
    result = subprocess.run(
        [*REFERENCE, "--help"], capture_output=True, text=True, timeout=30, check=False
    )
    text = " ".join(result.stdout.split())
    assert result.returncode == 0
    assert "a worker that dies is started again" in text
    assert "bodies still arriving are held by the event loop, not by these" in text
    assert "--body-timeout SECONDS" in text and "--header-timeout SECONDS" in text
    assert "--worker-class" not in text
