"""The ``locust`` command line an ``authconform load`` run amounts to, and its output folder.

Shared by the command and the capacity search, which both run Locust as a child process.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from load.process.server import free_port

__all__ = ["LOCUSTFILE", "clear_outputs", "locust_command"]

LOCUSTFILE = Path(__file__).resolve().parent.parent / "locustfile.py"
# What one run writes into --report; removed first, so a failed run never shows an old one.
# How long a master waits for its remote workers before the run fails (Locust exits 1).
EXPECT_WORKERS_WAIT_S = 60
OUTPUTS = (
    "report.html",
    "stats.json",
    "stats_*.csv",
    "latency.*",
    "capacity.*",
    "baseline.*",
    "steps",
)


def locust_command(
    args: argparse.Namespace, url: str, credentials: str | None, *, report: Path | None = None
) -> list[str]:
    """The ``locust`` command line this run amounts to (also what the guide shows)."""
    report = Path(args.report) if report is None else report
    rate = getattr(args, "rate", None)
    # Open model: one scheduling user per process; the rate, not users, sets the load.
    workers = getattr(args, "expect_workers", None)
    users = max(1, workers or args.processes or 1) if rate else args.users
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--host", url,
        "--headless", "--only-summary",
        "-u", str(users), "-r", str(users if rate else args.spawn_rate or users),
        "-t", args.run_time,
        "--html", str(report / "report.html"),
        "--csv", str(report / "stats"),
        "--json-file", str(report / "stats"),
    ]  # fmt: skip
    if credentials:
        command += ["--credentials", credentials]
    every = getattr(args, "check_tokens_every", None)
    if every is not None:
        command += ["--check-tokens-every", str(every)]
    client = getattr(args, "http_client", None)
    if client:
        command += ["--http-client", client]
    if rate:
        command += ["--arrival-rate", f"{rate:g}", "--arrival", args.arrival]
        command += ["--latency-file", str(report / "latency")]
        limit = getattr(args, "arrival_limit", None)
        if limit:
            command += ["--arrival-limit", str(limit)]
    if args.processes:
        # Local workers only: bind the master to loopback on a free port, not Locust's
        # all-interfaces 5557, which a second run on the machine would already hold.
        port = str(free_port())
        command += ["--processes", str(args.processes), "--master-bind-host", "127.0.0.1"]
        command += ["--master-bind-port", port, "--master-port", port]
    if workers:
        # Remote workers: they connect to this address; the run waits for all of them.
        command += ["--master", "--expect-workers", str(workers)]
        command += ["--expect-workers-max-wait", str(EXPECT_WORKERS_WAIT_S)]
        command += ["--master-bind-host", args.master_bind_host]
        command += ["--master-bind-port", str(args.master_bind_port)]
    if args.max_fail_ratio is not None:
        command += ["--max-fail-ratio", str(args.max_fail_ratio)]
    if args.max_p95_ms is not None:
        command += ["--max-p95-ms", str(args.max_p95_ms)]
    # Class names before --tags: Locust would read a class name after it as a tag.
    command += args.scenario
    if args.tags:
        command += ["--tags", *args.tags]
    return command


def clear_outputs(report: Path) -> None:
    """Remove a previous run's files, so that only this run's results are ever shown."""
    for pattern in OUTPUTS:
        for old in report.glob(pattern):
            if old.is_dir():
                shutil.rmtree(old)
            else:
                old.unlink()
