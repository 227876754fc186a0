"""Locust runs of load/locustfile.py against the reference server, each bounded to seconds.

The server runs in this process (reference_impl.embedded); Locust always runs in a child
process, since importing it here would patch the test process with gevent.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.signing import generate_keypair
from load.server import free_port
from load.summary import Row, read_rows
from reference_impl.embedded import running_server

pytestmark = pytest.mark.load

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = ROOT / "load" / "locustfile.py"
# Generous upper bound for one short run's process (start-up included); never a measurement.
PROCESS_TIMEOUT = 60
RUN = ["--headless", "--only-summary", "-u", "5", "-r", "5", "-t", "3s"]


def _locust(*args: str) -> list[str]:
    return [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), *args]


def _run(command: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, capture_output=True, text=True, timeout=PROCESS_TIMEOUT, cwd=ROOT, check=False
    )


def _short_run(url: str, credentials: str | None, *extra: str) -> subprocess.CompletedProcess:
    """A headless run of RUN's size against ``url``."""
    login = ["--credentials", credentials] if credentials else []
    return _run(_locust(*RUN, "--host", url, *login, *extra))


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _rows(prefix: Path) -> dict[tuple[str, str], Row]:
    return {(r.method, r.name): r for r in read_rows(f"{prefix}.json")}


@pytest.fixture(scope="module")
def server() -> Iterator:
    with running_server(demo_users=3) as running:
        yield running


@pytest.fixture
def credentials(server, tmp_path) -> str:
    path = tmp_path / "credentials.json"
    path.write_text(json.dumps(server.credentials))
    return str(path)


@pytest.fixture
def wrong_keys(server, tmp_path) -> str:
    """The server's accounts with keys it does not know: every login is a 422."""
    users = [
        {"email": u["email"], "privateKeyHex": generate_keypair().private_key_hex}
        for u in server.credentials["fib"]["users"]
    ]
    path = tmp_path / "wrong-keys.json"
    path.write_text(json.dumps({"fib": {"users": users}}))
    return str(path)


def _malformed_200(app):
    """Middleware: a well-formed-looking 200 whose tokens are not JWTs."""

    def broken(environ, start_response):
        for _ in app(environ, lambda *a, **k: None):
            pass
        body = json.dumps(
            {"status": {"code": 200, "name": "OK"}, "data": {"accessToken": "not-a-jwt"}}
        ).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]

    return broken


def test_a_short_run_signs_and_logs_in_without_failures(server, credentials, tmp_path):
    out = tmp_path / "stats"
    result = _short_run(server.url, credentials, "--json-file", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    rows = _rows(out)
    sign, login = rows[("SIGN", "fib sign email")], rows[("POST", "fib login")]
    assert sign.requests > 0 and login.requests > 0
    assert login.failures == 0 and sign.failures == 0
    # Every login was preceded by its own signature.
    assert sign.requests >= login.requests
    # The session flow is opt-in: absent from a plain run.
    assert ("PATCH", "fib refresh") not in rows


def test_a_server_answering_malformed_tokens_fails_the_run(credentials, tmp_path):
    out = tmp_path / "stats"
    with running_server(demo_users=3, wrap=_malformed_200) as broken:
        result = _short_run(broken.url, credentials, "--json-file", str(out))
    assert result.returncode != 0
    login = _rows(out)[("POST", "fib login")]
    assert login.requests > 0 and login.failures == login.requests
    assert "accessToken is not a compact JWT" in result.stdout + result.stderr


def test_a_server_rejecting_every_login_fails_the_run(server, wrong_keys):
    result = _short_run(server.url, wrong_keys)
    assert result.returncode != 0
    # The failure reason names the status the server gave.
    assert "HTTP 422" in result.stdout + result.stderr


def test_an_unmeetable_p95_threshold_fails_an_otherwise_clean_run(server, credentials, tmp_path):
    out = tmp_path / "stats"
    result = _short_run(server.url, credentials, "--max-p95-ms", "0.001", "--json-file", str(out))
    assert result.returncode == 1
    assert _rows(out)[("POST", "fib login")].failures == 0
    assert "threshold broken: POST fib login: p95" in result.stderr


def test_a_tolerant_fail_ratio_lets_a_failing_run_pass(server, wrong_keys):
    # Every login fails (422); --max-fail-ratio 1 accepts that, Locust's own rule would not.
    result = _short_run(server.url, wrong_keys, "--max-fail-ratio", "1.0")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "thresholds met" in result.stderr


def test_the_session_flow_runs_by_tag(server, credentials, tmp_path):
    out = tmp_path / "stats"
    result = _short_run(server.url, credentials, "--json-file", str(out), "--tags", "session")
    assert result.returncode == 0, result.stderr[-3000:]
    rows = _rows(out)
    for key in [("POST", "fib login"), ("PATCH", "fib refresh"), ("POST", "fib logout")]:
        assert rows[key].requests > 0 and rows[key].failures == 0, key
    assert "user classes: FibSessionUser" in result.stderr


def test_a_run_without_credentials_stops_with_usage_status(server):
    result = _short_run(server.url, None)
    assert result.returncode == 2
    assert "--credentials" in result.stderr


def test_master_and_two_workers_share_the_run(server, credentials, tmp_path):
    port = str(free_port())
    out = tmp_path / "stats"
    master = subprocess.Popen(
        _locust(
            *RUN,
            "--host",
            server.url,
            "--credentials",
            credentials,
            "--json-file",
            str(out),
            "--master",
            "--master-bind-host",
            "127.0.0.1",
            "--master-bind-port",
            port,
            "--expect-workers",
            "2",
            "--expect-workers-max-wait",
            "30",
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    workers = [
        subprocess.Popen(
            _locust("--worker", "--master-host", "127.0.0.1", "--master-port", port),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
        )
        for _ in range(2)
    ]
    try:
        _, err = master.communicate(timeout=PROCESS_TIMEOUT)
        for worker in workers:
            worker.wait(timeout=15)
    finally:
        for process in [master, *workers]:
            _stop(process)
    assert master.returncode == 0, err[-3000:]
    login = _rows(out)[("POST", "fib login")]
    assert login.requests > 0 and login.failures == 0
    (tally,) = [line for line in err.splitlines() if "endpoint requests by worker" in line]
    counts = dict(part.strip().split(": ") for part in tally.split("worker:")[-1].split(","))
    assert set(counts) == {"worker 0", "worker 1"}
    assert all(int(n) > 0 for n in counts.values())


def test_local_processes_split_the_accounts(server, credentials, tmp_path):
    if not hasattr(os, "fork"):
        pytest.skip("--processes needs fork")
    out = tmp_path / "stats"
    result = _short_run(server.url, credentials, "--json-file", str(out), "--processes", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    assert _rows(out)[("POST", "fib login")].failures == 0
    assert "worker 0:" in result.stderr and "worker 1:" in result.stderr


def _lines_until(process: subprocess.Popen, wanted: int, seconds: float) -> list[list[str]]:
    """Tab-separated output rows of ``process`` until ``wanted`` login rows or the deadline."""
    rows: list[list[str]] = []
    deadline = time.monotonic() + seconds
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                break
            line = process.stdout.readline()
            if not line:
                break
            rows.append([cell.strip() for cell in line.split("\t")])
            if sum(cells[:2] == ["POST", "fib login"] for cells in rows) >= wanted:
                break
    return rows


def test_running_the_locustfile_debugs_one_user(server, credentials):
    """``python load/locustfile.py`` runs one FibLoginUser until stopped, printing requests."""
    process = subprocess.Popen(
        [sys.executable, str(LOCUSTFILE), "--host", server.url, "--credentials", credentials],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    try:
        rows = _lines_until(process, wanted=3, seconds=PROCESS_TIMEOUT)
    finally:
        _stop(process)
    logins = [cells for cells in rows if cells[:2] == ["POST", "fib login"]]
    assert len(logins) == 3, rows[-20:]
    # The exception column stays empty for a good login.
    assert all(len(cells) > 3 and not cells[3] for cells in logins)
