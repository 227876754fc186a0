"""``python -m reference_impl --worker-class ...``: gunicorn really runs the asked-for workers.

gunicorn swaps a sync worker for gthread whenever threads > 1, and ``serve`` defaults to
4 threads; these runs show that ``--worker-class sync`` still gets sync workers, from the
startup line and from the worker processes themselves.
"""

from __future__ import annotations

import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

REFERENCE = [sys.executable, "-m", "reference_impl"]
START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0
# Requests before counting threads: a gthread worker has started its pool threads by then.
REQUESTS = 4
PROC = Path("/proc")

needs_proc = pytest.mark.skipif(not (PROC / "self" / "stat").exists(), reason="needs /proc")


@contextmanager
def started(*args: str, tmp_path: Path) -> Iterator[tuple[subprocess.Popen, str]]:
    """Run the server until the block ends; yield it with its ``serving on`` line."""
    process = subprocess.Popen(
        [*REFERENCE, "--db", str(tmp_path / "serve.db"), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process, _serving_line(process)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT)


def _serving_line(process: subprocess.Popen) -> str:
    seen: list[str] = []
    deadline = time.monotonic() + START_TIMEOUT
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                break
            line = process.stdout.readline()
            if not line:
                break
            seen.append(line)
            if line.startswith("serving on "):
                return line.strip()
    raise AssertionError(f"no startup line within {START_TIMEOUT}s:\n{''.join(seen)[-3000:]}")


def _url(line: str) -> str:
    return line.split()[2]


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (gunicorn's workers, for the arbiter)."""
    found = []
    for stat in PROC.glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # exited meanwhile
        # Field 4 (ppid) follows the parenthesised command name, which may hold spaces.
        if int(text.rpartition(")")[2].split()[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _threads(pid: int) -> int:
    for line in (PROC / str(pid) / "status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise AssertionError(f"no thread count for {pid}")


def _worker_threads(process: subprocess.Popen, url: str) -> list[int]:
    for _ in range(REQUESTS):
        assert httpx.get(url + "/.well-known/jwks.json", timeout=5).status_code == 200
    return [_threads(pid) for pid in _children(process.pid)]


@needs_proc
def test_sync_worker_class_runs_sync_workers(free_port, tmp_path):
    port = free_port()
    with started(
        "--worker-class", "sync", "--workers", "2", "--port", str(port), tmp_path=tmp_path
    ) as (
        process,
        line,
    ):
        assert line.startswith(f"serving on http://127.0.0.1:{port} (2 sync workers;"), line
        # A sync worker is a single-threaded process; gthread would have added its pool.
        assert _worker_threads(process, _url(line)) == [1, 1]


@needs_proc
def test_gthread_worker_class_runs_its_threads(free_port, tmp_path):
    """The contrast that makes the sync test meaningful: gthread workers do show threads."""
    port = free_port()
    args = ("--worker-class", "gthread", "--threads", "3", "--workers", "1", "--port", str(port))
    with started(*args, tmp_path=tmp_path) as (process, line):
        assert "(1 gthread worker, 3 threads each;" in line, line
        (threads,) = _worker_threads(process, _url(line))
        assert threads > 1


def test_sync_with_more_threads_is_a_usage_error(tmp_path):
    result = subprocess.run(
        [*REFERENCE, "--db", str(tmp_path / "x.db"), "--worker-class", "sync", "--threads", "4"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: serve: --threads 4 with --worker-class sync")


def test_sync_with_one_thread_is_accepted_as_the_bench_passes_it(free_port, tmp_path):
    port = free_port()
    args = ("--worker-class", "sync", "--threads", "1", "--workers", "1", "--port", str(port))
    with started(*args, tmp_path=tmp_path) as (process, line):
        assert "(1 sync worker;" in line, line
        assert process.poll() is None


def test_help_says_what_threads_do_for_each_worker_class():
    result = subprocess.run(
        [*REFERENCE, "--help"], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0
    assert "sync workers run 1" in " ".join(result.stdout.split())
