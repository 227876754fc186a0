"""Short headless Locust runs of load/locustfile.py for the load tests, each bounded in time.

``counted_run`` ends a run on a count of requests (tests/stop_after.py), for claims about
what a run did rather than how fast: a busy machine makes it slower, never emptier.

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
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from load.process.server import free_port
from load.stats.summary import Row, read_rows

__all__ = [
    "COUNTED",
    "LOCUSTFILE",
    "PROCESS_TIMEOUT",
    "ROOT",
    "SCHEDULE_RUNS",
    "counted_run",
    "locust_command",
    "master_bind",
    "rows",
    "run",
    "stall_server",
    "stop",
    "write_credentials",
]

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = ROOT / "load" / "locustfile.py"
# Generous upper bound for one short run's process (start-up included); never a measurement.
PROCESS_TIMEOUT = 90
STOP_AFTER = ROOT / "tests" / "stop_after.py"
# A counted run's cap: far beyond what a run of a few dozen requests takes on a busy machine,
# reached only by a run that cannot make its count.
COUNTED_CAP_S = 45
COUNTED = ["--headless", "--only-summary", "-u", "5", "-r", "5", "-t", f"{COUNTED_CAP_S}s"]
# What the master (or the single process) logs when --max-logins ends an open-model run
# (load/users/arrival.py), and what Locust logs when -t ends it.
ENDED_ON_THE_COUNT = "every login of the limit sent and answered; the run ends"
# What each open-model process logs at its first answer (load/users/arrival.py: SCHEDULE_RUNS):
# the project's own sign that a process keeps its schedule.
SCHEDULE_RUNS = "had its first answer; its schedule runs"
RUN_TIME_REACHED = "--run-time limit reached"


def locust_command(*args: str, counted: bool = False, extra: Sequence[Path] = ()) -> list[str]:
    """``counted`` loads tests/stop_after.py beside the locustfile (``--stop-after``), and
    ``extra`` more Locust files of the tests'."""
    files = [LOCUSTFILE, *([STOP_AFTER] if counted else []), *extra]
    return [sys.executable, "-m", "locust", "-f", ",".join(map(str, files)), *args]


def run(command: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, capture_output=True, text=True, timeout=PROCESS_TIMEOUT, cwd=ROOT, check=False
    )


def counted_run(
    url: str, credentials: str | None, judged: tuple[str, ...], *extra: str, count: int = 10
) -> subprocess.CompletedProcess:
    """A headless run of five users until each of ``judged`` ("METHOD name") has ``count``
    requests (failures included), capped at COUNTED_CAP_S; class names go before ``--tags``."""
    login = ["--credentials", credentials] if credentials else []
    stop = ["--stop-after", str(count), "--stop-rows", ",".join(judged)]
    return run(locust_command(*COUNTED, "--host", url, *login, *stop, *extra, counted=True))


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
