"""What both benchmarks start from: seeded accounts and one pre-signed FIB login per account."""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conformance.signing import sign_email  # noqa: E402
from load.process.server import child_server, free_port  # noqa: E402
from reference_impl.serving.demo import seed_demo_users  # noqa: E402
from reference_impl.store import Store  # noqa: E402

# With two cores or more, servers run on core 0 and load generators on core 1.
SERVER_CORE, LOAD_CORE = "0", "1"
PIN = (os.cpu_count() or 1) >= 2 and shutil.which("taskset") is not None
# Enough accounts that logins do not queue on one row; wrk cycles through their bodies.
ACCOUNTS = 20


def prepare(workdir: Path) -> tuple[Path, Path, Path]:
    """A seeded database, its credentials file, and one pre-signed login body per account."""
    db = workdir / "bench.sqlite3"
    store = Store(db)
    credentials = seed_demo_users(store, ACCOUNTS)
    store.close()
    creds_path = workdir / "credentials.json"
    creds_path.write_text(json.dumps(credentials), encoding="utf-8")
    bodies = workdir / "bodies.jsonl"
    lines = [
        json.dumps(
            {
                "email": u["email"],
                "signature": sign_email(u["email"], u["privateKeyHex"]),
                "authPublicKeyHex": u["publicKeyHex"],
            }
        )
        for u in credentials["fib"]["users"]
    ]
    bodies.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return db, creds_path, bodies


def pinned(core: str, command: list[str]) -> list[str]:
    """``command`` run on ``core`` alone, where pinning is possible."""
    return ["taskset", "-c", core, *command] if PIN else command


class Server(NamedTuple):
    url: str
    pid: int  # the server's main process; its workers are its children


@contextlib.contextmanager
def serving(command: list[str], log: Path, env: dict | None = None) -> Iterator[Server]:
    """Run a server on the server core (taskset execs it: same pid); stop it afterwards.

    ``{port}`` in ``command`` becomes a free loopback port.
    """
    port = free_port()
    full = pinned(SERVER_CORE, [a.replace("{port}", str(port)) for a in command])
    with child_server(full, port=port, log_path=log, env=env) as process:
        yield Server(f"http://127.0.0.1:{port}", process.pid)


def measure_and_report(
    args: argparse.Namespace,
    measure: Callable[[argparse.Namespace, Path], dict],
    report: Callable[[dict, str], str],
    *,
    script: str,
    also: str,
) -> None:
    """Measure in a scratch folder, then print the report and keep it beside the raw figures.

    The report names the command that produced it: ``make bench``, or the script's own line.
    """
    args.out.mkdir(parents=True, exist_ok=True)
    command = (
        "make bench" if os.environ.get("MAKELEVEL") else f"python {script} {' '.join(sys.argv[1:])}"
    )
    with tempfile.TemporaryDirectory(prefix="authconform-bench-") as tmp:
        results = measure(args, Path(tmp))
    results["date"] = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = report(results, command.strip())
    (args.out / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    (args.out / "report.md").write_text(text + "\n", encoding="utf-8")
    print(text)
    print(f"\n(raw figures and {also} in {args.out})", file=sys.stderr)
