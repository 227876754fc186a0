"""Short headless Locust runs of load/locustfile.py for the load tests, each bounded in time.

Locust always runs in a child process: importing it into pytest would patch the test process
with gevent. Runs with several Locust processes bind the master to a free loopback port, so
two runs on one machine never fight over Locust's default 5557.
"""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from load.process.server import free_port
from load.stats.summary import Row, read_rows

__all__ = [
    "LOCUSTFILE",
    "PROCESS_TIMEOUT",
    "ROOT",
    "RUN",
    "locust_command",
    "master_bind",
    "rows",
    "run",
    "short_run",
    "stall_server",
    "stop",
    "write_credentials",
]

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = ROOT / "load" / "locustfile.py"
# Generous upper bound for one short run's process (start-up included); never a measurement.
PROCESS_TIMEOUT = 60
RUN = ["--headless", "--only-summary", "-u", "5", "-r", "5", "-t", "3s"]


def locust_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), *args]


def run(command: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, capture_output=True, text=True, timeout=PROCESS_TIMEOUT, cwd=ROOT, check=False
    )


def short_run(url: str, credentials: str | None, *extra: str) -> subprocess.CompletedProcess:
    """A headless run of RUN's size against ``url``; class names go before ``--tags`` in extra."""
    login = ["--credentials", credentials] if credentials else []
    return run(locust_command(*RUN, "--host", url, *login, *extra))


def master_bind(port: int | None = None) -> list[str]:
    """Options binding a master (explicit or ``--processes``) to a free loopback port.

    ``--master-port`` is where ``--processes`` workers connect; a separately started worker
    takes the same port with ``--master-port``.
    """
    chosen = str(port or free_port())
    return [
        "--master-bind-host",
        "127.0.0.1",
        "--master-bind-port",
        chosen,
        "--master-port",
        chosen,
    ]


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after a bounded wait: never leaves the process behind."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def rows(prefix: Path) -> dict[tuple[str, str], Row]:
    """The ``--json-file`` rows of a run, by (method, name)."""
    return {(r.method, r.name): r for r in read_rows(f"{prefix}.json")}


def write_credentials(path: Path, credentials: dict[str, Any]) -> str:
    path.write_text(json.dumps(credentials))
    return str(path)


STALL_SERVER = ROOT / "tests" / "stall_server.py"


@contextlib.contextmanager
def stall_server(tmp_path: Path, *args: str) -> Iterator[str]:
    """tests/stall_server.py with ARGS on a free loopback port; yields its URL."""
    out = tmp_path / f"stall-{len(list(tmp_path.glob('stall-*')))}.out"
    with out.open("w") as sink:
        process = subprocess.Popen([sys.executable, str(STALL_SERVER), *args], stdout=sink)
    try:
        deadline = time.monotonic() + 10
        while not out.read_text().strip() and time.monotonic() < deadline:
            assert process.poll() is None, "the stall server exited"
            time.sleep(0.05)
        yield out.read_text().split()[0]
    finally:
        stop(process)
