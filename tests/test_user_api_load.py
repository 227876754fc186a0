"""Locust runs of the User API users (load/users_user_api.py) against the reference server.

Locust runs in a child process (importing it here would patch this process with gevent);
the server runs in this one.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from load.summary import Row, read_rows
from reference_impl.embedded import Running, running_server

pytestmark = pytest.mark.load

ROOT = Path(__file__).resolve().parent.parent
# Generous upper bound for one short run's process (start-up included); never a measurement.
PROCESS_TIMEOUT = 60
RUN = ["--headless", "--only-summary", "-u", "3", "-r", "3", "-t", "3s"]


def locust(locustfile: str, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "locust", "-f", str(ROOT / "load" / locustfile), *args]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=PROCESS_TIMEOUT, cwd=ROOT, check=False
    )


def rows(prefix: Path) -> dict[tuple[str, str], Row]:
    return {(r.method, r.name): r for r in read_rows(f"{prefix}.json")}


@pytest.fixture(scope="module")
def server() -> Iterator[Running]:
    with running_server(demo_users=3) as running:
        yield running


@pytest.fixture
def credentials(server: Running, tmp_path: Path) -> Path:
    path = tmp_path / "credentials.json"
    path.write_text(json.dumps(server.credentials))
    return path


def test_user_api_logins_run_without_failures(server, credentials, tmp_path) -> None:
    out = tmp_path / "stats"
    result = locust(
        "users_user_api.py",
        *RUN,
        "--host",
        server.url,
        "--credentials",
        str(credentials),
        "--json-file",
        str(out),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found = rows(out)
    login = found[("POST", "user-api login")]
    assert login.requests > 0 and login.failures == 0
    assert ("POST", "user-api signup") not in found  # opt-in only


def test_user_api_signups_run_when_tagged(server, credentials, tmp_path) -> None:
    out = tmp_path / "stats"
    result = locust(
        "users_user_api.py",
        *RUN,
        "--tags",
        "signup",
        "--host",
        server.url,
        "--credentials",
        str(credentials),
        "--json-file",
        str(out),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    signup = rows(out)[("POST", "user-api signup")]
    assert signup.requests > 0 and signup.failures == 0
