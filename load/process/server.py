"""The reference server as a child process, for ``authconform load`` with no URL.

It runs the server that ``python -m reference_impl`` (``authconform serve``) starts, so the
load run measures a real WSGI server, not a thread inside the process driving the load.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from conformance.errors import TargetError

__all__ = ["Served", "child_server", "free_port", "reference_server", "wait_until_serving"]

# Start-up includes key generation for the demo users; generous, but bounded.
STARTUP_SECONDS = 30.0
# The server publishes its key here; any HTTP answer means it is up.
PROBE_PATH = "/.well-known/jwks.json"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen | None = None) -> None:
    """Poll until the server answers HTTP; TargetError if it dies or never does."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise TargetError("reference server", f"exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url + PROBE_PATH, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise TargetError("reference server", f"not answering at {url} after {STARTUP_SECONDS:g}s")


@contextlib.contextmanager
def child_server(
    command: list[str], *, port: int, log_path: Path, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen]:
    """Run a server process listening on loopback ``port`` until the block ends.

    Its output goes to ``log_path``; it is stopped (SIGTERM, then SIGKILL) however the
    block exits.
    """
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            wait_until_serving(f"http://127.0.0.1:{port}", process)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class Served(NamedTuple):
    url: str
    credentials: Path
    pid: int  # the server's main process; its workers are its children


@contextlib.contextmanager
def reference_server(
    workdir: Path, *, demo_users: int, workers: int = 1, password_cost: str | None = None
) -> Iterator[Served]:
    """Serve the reference implementation on a free loopback port until the block ends
    (``password_cost``: its ``--password-cost``, the server's default when None)."""
    port = free_port()
    credentials = workdir / "credentials.json"
    command = [
        sys.executable, "-m", "reference_impl",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--db", str(workdir / "reference.sqlite3"),
        "--demo-users", str(demo_users), "--credentials-out", str(credentials),
        *(["--password-cost", password_cost] if password_cost else []),
    ]  # fmt: skip
    with child_server(command, port=port, log_path=workdir / "server.log") as process:
        yield Served(f"http://127.0.0.1:{port}", credentials, process.pid)
