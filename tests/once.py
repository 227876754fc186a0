"""Build something once per test run, shared by every pytest-xdist worker of that run.

The site and the wheel take tens of seconds each; tests only read what they built. The
first worker to ask builds under an exclusive file lock in the run's shared temporary
folder; the others wait on the lock and then reuse the folder (or the same failure).
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

__all__ = ["built_once"]


def shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run's temporary folder: a worker's own base folder sits inside it under xdist."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]
) -> Path:
    """``build(folder)`` the first time ``name`` is asked for in this run; ``folder`` after.

    A build that raised is not retried: later callers fail with its message.
    """
    root = shared_root(tmp_path_factory)
    folder, done, failed = root / name, root / f"{name}.done", root / f"{name}.failed"
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if failed.exists():
            pytest.fail(f"building {name} failed earlier in this run:\n{failed.read_text()}")
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            try:
                build(folder)
            except BaseException as exc:
                failed.write_text(f"{type(exc).__name__}: {exc}", encoding="utf-8")
                raise
            done.touch()
    return folder
