"""``authconform load --worker``: a Locust worker that serves one master run after another.

A Locust worker exits when its master's run ends; a capacity search is one master run per
step, so the worker starts again for the next one, a bounded number of times.
"""

from __future__ import annotations

import subprocess
import sys
import time

from load.process.locust import LOCUSTFILE

__all__ = ["serve_master", "worker_command"]

# A Locust worker waits for its master without limit, and exits when the master's run ends
# (or 60 s after its heartbeats stop). A run that ended this quickly cannot have served a
# master (it failed to start): the loop stops rather than spin.
NO_MASTER_S = 1.0


def worker_command(master_host: str, master_port: int) -> list[str]:
    """The ``locust`` worker command line (the same a worker host runs by hand)."""
    return [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--worker",
        "--master-host", master_host, "--master-port", str(master_port),
    ]  # fmt: skip


def serve_master(master_host: str, master_port: int, *, runs: int) -> int:
    """Run the worker ``runs`` times in a row; the first failing run's status, else 0."""
    for number in range(1, max(1, runs) + 1):
        print(f"worker run {number} of {runs}: master {master_host}:{master_port}", flush=True)
        started = time.monotonic()
        code = subprocess.run(worker_command(master_host, master_port), check=False).returncode
        if code != 0:
            return code
        if time.monotonic() - started < NO_MASTER_S:
            print("worker: the run ended at once; stopping", flush=True)
            return 1
    return 0
