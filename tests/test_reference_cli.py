"""``python -m reference_impl --worker-class ...``: gunicorn really runs the asked-for workers.

gunicorn swaps a sync worker for gthread whenever threads > 1, and ``serve`` defaults to
4 threads; these runs show that ``--worker-class sync`` still gets sync workers, from the
startup line and from the worker processes themselves (their thread counts in /proc).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from subprocesses import serving

REFERENCE = [sys.executable, "-m", "reference_impl"]
# Requests before counting threads: a gthread worker has started its pool threads by then.
REQUESTS = 4
PROC = Path("/proc")

needs_proc = pytest.mark.skipif(not (PROC / "self" / "stat").exists(), reason="needs /proc")


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid``."""
    found = []
    for stat in PROC.glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # exited meanwhile
        # ppid is the second field after the parenthesised command name (which may hold spaces).
        if int(text.rpartition(")")[2].split()[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _command_line(pid: int) -> str:
    return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()


def _threads(pid: int) -> int:
    for line in (PROC / str(pid) / "status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise AssertionError(f"no thread count for {pid}")


def _worker_threads(url: str, db: Path) -> list[int]:
    """Thread counts of the gunicorn workers serving ``db``, after a few requests."""
    for _ in range(REQUESTS):
        assert httpx.get(url + "/.well-known/jwks.json", timeout=5).status_code == 200
    (arbiter,) = [pid for pid in _children(os.getpid()) if str(db) in _command_line(pid)]
    return sorted(_threads(pid) for pid in _children(arbiter))


def _serving_line(log: Path, url: str) -> str:
    (line,) = [x for x in log.read_text().splitlines() if x.startswith(f"serving on {url} ")]
    return line


@needs_proc
def test_sync_worker_class_runs_sync_workers(free_port, tmp_path):
    db, log = tmp_path / "sync.db", tmp_path / "sync.log"
    with serving(free_port(), db, "--worker-class", "sync", "--workers", "2", log=log) as url:
        # A sync worker is a single-threaded process; gthread would have added its pool.
        assert _worker_threads(url, db) == [1, 1]
    assert f"(2 sync workers; db {db};" in _serving_line(log, url)


@needs_proc
def test_gthread_workers_show_their_threads(free_port, tmp_path):
    """The contrast that makes the sync test meaningful: gthread workers do run threads."""
    db, log = tmp_path / "gthread.db", tmp_path / "gthread.log"
    args = ("--worker-class", "gthread", "--threads", "3", "--workers", "1")
    with serving(free_port(), db, *args, log=log) as url:
        (threads,) = _worker_threads(url, db)
        assert threads > 1
    assert "(1 gthread worker, 3 threads each;" in _serving_line(log, url)


def test_sync_with_one_thread_is_accepted_as_the_bench_passes_it(free_port, tmp_path):
    log = tmp_path / "one.log"
    args = ("--worker-class", "sync", "--threads", "1", "--workers", "1")
    with serving(free_port(), tmp_path / "one.db", *args, log=log, require_clean_exit=True) as url:
        pass
    assert "(1 sync worker;" in _serving_line(log, url)


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


def test_help_says_what_threads_do_for_each_worker_class():
    result = subprocess.run(
        [*REFERENCE, "--help"], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0
    assert "sync workers run 1" in " ".join(result.stdout.split())
