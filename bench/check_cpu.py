"""CPU seconds of one protocol-check run, the checker's and the server's apart.

The test suite runs a few hundred check runs, so what one costs counts many times over.
Serves the reference in a child process (``load.process.server.reference_server``: one
Granian worker, 2 demo users, ``--password-cost light`` unless told), then runs
``authconform check URL --api SYSTEM --no-fuzz`` in this process ``--rounds`` times per
system, after one warm-up run per system that pays for the imports. Prints one JSON object:
per system, this process's CPU seconds per run (the checker) and the server's (its process
tree, read with psutil), and the wall seconds per run.

    .venv/bin/python bench/check_cpu.py --rounds 5
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import tempfile
import time
from pathlib import Path

import psutil

from conformance.cli.main import main as authconform
from load.process.server import reference_server
from reference_impl.auth.passwords import COSTS

SYSTEMS = ("fib", "user-api", "duktig")


def _server_cpu(pid: int) -> float:
    processes = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    return sum(p.cpu_times().user + p.cpu_times().system for p in processes)


def _check(url: str, system: str, credentials: Path) -> None:
    args = ["check", url, "--api", system, "--no-fuzz", "--credentials", str(credentials)]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = authconform(args)
    if code != 0:
        raise SystemExit(f"check --api {system} exited {code}: the reference should pass")


def measure(rounds: int, password_cost: str) -> dict[str, dict[str, float]]:
    result = {}
    with (
        tempfile.TemporaryDirectory(prefix="authconform-bench-") as work,
        reference_server(Path(work), demo_users=2, password_cost=password_cost) as served,
    ):
        for system in SYSTEMS:
            _check(served.url, system, served.credentials)  # warm-up: imports, first connects
            cpu, server, wall = time.process_time(), _server_cpu(served.pid), time.perf_counter()
            for _ in range(rounds):
                _check(served.url, system, served.credentials)
            result[system] = {
                "checker_cpu_s": round((time.process_time() - cpu) / rounds, 3),
                "server_cpu_s": round((_server_cpu(served.pid) - server) / rounds, 3),
                "wall_s": round((time.perf_counter() - wall) / rounds, 3),
            }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--password-cost", choices=sorted(COSTS), default="light")
    args = parser.parse_args()
    print(json.dumps(measure(args.rounds, args.password_cost), indent=2))


if __name__ == "__main__":
    main()
