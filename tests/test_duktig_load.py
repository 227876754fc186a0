"""Locust runs of the Duktig user (load/users_duktig.py) against the reference server.

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


def test_duktig_sign_ins_run_without_failures(server, credentials, tmp_path) -> None:
    out = tmp_path / "stats"
    result = locust(
        "users_duktig.py",
        *RUN,
        "--host",
        server.url,
        "--credentials",
        str(credentials),
        "--json-file",
        str(out),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    token = rows(out)[("POST", "duktig token")]
    assert token.requests > 0 and token.failures == 0


def test_duktig_run_with_a_wrong_auth_key_fails(server, tmp_path) -> None:
    wrong = {"duktig": {**server.credentials["duktig"], "authKey": "not-the-key"}}
    path = tmp_path / "wrong.json"
    path.write_text(json.dumps(wrong))
    out = tmp_path / "stats"
    result = locust(
        "users_duktig.py",
        *RUN,
        "--host",
        server.url,
        "--credentials",
        str(path),
        "--json-file",
        str(out),
    )
    assert result.returncode == 1, result.stderr[-3000:]
    token = rows(out)[("POST", "duktig token")]
    assert token.requests > 0 and token.failures == token.requests
