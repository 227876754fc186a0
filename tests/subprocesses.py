"""The project's own commands in real child processes, every wait bounded.

``authconform`` runs the CLI as a user would; ``serving`` runs ``python -m reference_impl``
(or a script with the same flags) under Granian and stops it with SIGTERM; ``server_process``
does the same and also yields the process; ``running`` serves any other command line.
``children`` finds a process's workers (psutil).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil

REFERENCE = (sys.executable, "-m", "reference_impl")
READY_PATH = "/.well-known/jwks.json"
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0


def authconform(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``authconform ARGS`` in a fresh interpreter, output captured, never raising on exit."""
    return subprocess.run(
        [sys.executable, "-m", "conformance.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@contextmanager
def serving(
    port: int,
    db: Path,
    *args: str,
    command: Sequence[str] = REFERENCE,
    log: Path | None = None,
    require_clean_exit: bool = False,
) -> Iterator[str]:
    """Serve ``command --port PORT --db DB ARGS``; yield its URL once the JWKS answers 200.

    Output goes to ``log`` (default: next to ``db``), appended so a restart keeps the first
    run's lines. ``require_clean_exit`` also asserts exit status 0 after SIGTERM.
    """
    with server_process(
        port, db, *args, command=command, log=log, require_clean_exit=require_clean_exit
    ) as (url, _):
        yield url


@contextmanager
def server_process(
    port: int,
    db: Path,
    *args: str,
    command: Sequence[str] = REFERENCE,
    log: Path | None = None,
    require_clean_exit: bool = False,
) -> Iterator[tuple[str, subprocess.Popen]]:
    """As ``serving``, yielding ``(url, process)`` for tests that signal the server."""
    log = log or db.with_suffix(f".{port}.log")
    with running(
        [*command, "--port", str(port), "--db", str(db), *args],
        f"http://127.0.0.1:{port}",
        log,
        cwd=db.parent,
        require_clean_exit=require_clean_exit,
    ) as proc:
        yield f"http://127.0.0.1:{port}", proc


@contextmanager
def running(
    argv: Sequence[str],
    url: str,
    log: Path,
    *,
    cwd: Path | None = None,
    require_clean_exit: bool = False,
) -> Iterator[subprocess.Popen]:
    """Run ``argv`` until the block ends; ready once ``url`` + the JWKS path answers 200."""
    with log.open("ab") as out:
        proc = subprocess.Popen(list(argv), stdout=out, stderr=subprocess.STDOUT, cwd=cwd)
    try:
        _wait_ready(proc, url, log)
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(STOP_TIMEOUT)
    if require_clean_exit:
        assert proc.returncode == 0, log.read_text()


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (unreaped ones included); none once it is gone."""
    try:
        return [child.pid for child in psutil.Process(pid).children()]
    except psutil.NoSuchProcess:
        return []


def _wait_ready(proc: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url + READY_PATH, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"server not ready within {START_TIMEOUT} s:\n{log.read_text()}")
