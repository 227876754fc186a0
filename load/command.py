"""``authconform load [URL]``: a short headless Locust run with reports, in a child process.

Locust patches the whole process with gevent, so it never runs inside the CLI: this module
builds the ``locust`` command line, runs it, and reads back its JSON stats. With no URL it
starts the reference server (gunicorn, demo users) for the length of the run.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

from conformance.errors import TargetError, UsageError
from load.server import free_port, reference_server
from load.summary import format_rows, read_rows

__all__ = ["configure", "locust_command", "run"]

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
# Locust's own exit codes: 0 clean, 1 failures or broken thresholds; anything else is ours to
# report as a usage or target problem (2).
LOCUST_FAILED = 1


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "url", nargs="?", help="server to load (default: the reference server, started here)"
    )
    parser.add_argument("--credentials", help="credentials file with the accounts (with a URL)")
    parser.add_argument("-u", "--users", type=int, default=10, help="simulated users (10)")
    parser.add_argument("-r", "--spawn-rate", type=float, help="users started per second (all)")
    parser.add_argument("-t", "--run-time", default="10s", help="run length, e.g. 30s, 2m (10s)")
    parser.add_argument("--processes", type=int, help="Locust worker processes on this machine")
    parser.add_argument(
        "--scenario",
        action="append",
        default=[],
        metavar="CLASS",
        help="user class to run, repeatable (default: each system's default scenario)",
    )
    parser.add_argument(
        "--tags", action="append", metavar="TAG", help="run only tasks with this tag, repeatable"
    )
    parser.add_argument("--max-fail-ratio", type=float, help="exit 1 above this failure ratio")
    parser.add_argument("--max-p95-ms", type=float, help="exit 1 above this p95 (ms)")
    parser.add_argument(
        "--report", default="load-report", help="folder for the HTML/CSV/JSON reports"
    )
    parser.add_argument(
        "--demo-users", type=int, default=20, help="accounts on the reference server (20)"
    )


def locust_command(args: argparse.Namespace, url: str, credentials: str | None) -> list[str]:
    """The ``locust`` command line this run amounts to (also what the guide shows)."""
    report = Path(args.report)
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--host",
        url,
        "--headless",
        "--only-summary",
        "-u",
        str(args.users),
        "-r",
        str(args.spawn_rate or args.users),
        "-t",
        args.run_time,
        "--html",
        str(report / "report.html"),
        "--csv",
        str(report / "stats"),
        "--json-file",
        str(report / "stats"),
    ]
    if credentials:
        command += ["--credentials", credentials]
    if args.processes:
        # Local workers only: bind the master to loopback on a free port, not Locust's
        # all-interfaces 5557, which a second run on the machine would already hold.
        port = str(free_port())
        command += ["--processes", str(args.processes), "--master-bind-host", "127.0.0.1"]
        command += ["--master-bind-port", port, "--master-port", port]
    if args.max_fail_ratio is not None:
        command += ["--max-fail-ratio", str(args.max_fail_ratio)]
    if args.max_p95_ms is not None:
        command += ["--max-p95-ms", str(args.max_p95_ms)]
    # Class names before --tags: Locust would read a class name after it as a tag.
    command += args.scenario
    if args.tags:
        command += ["--tags", *args.tags]
    return command


def _check_reachable(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"URL {url!r}", "expected http://HOST[:PORT]")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname, port), timeout=5).close()
    except OSError as exc:
        raise TargetError(url, f"cannot connect ({exc.strerror or exc})") from exc


def _run_locust(args: argparse.Namespace, url: str, credentials: str | None) -> int:
    Path(args.report).mkdir(parents=True, exist_ok=True)
    code = subprocess.run(locust_command(args, url, credentials), check=False).returncode
    stats = Path(args.report) / "stats.json"
    if stats.exists():
        print(format_rows(read_rows(stats)))
        print(f"reports: {Path(args.report).resolve()}/ (report.html, stats*.csv, stats.json)")
    if code in (0, LOCUST_FAILED):
        return code
    raise UsageError("locust", f"exited with status {code} (see its messages above)")


def run(args: argparse.Namespace) -> int:
    if args.users < 1:
        raise UsageError("--users", "must be at least 1")
    if args.url:
        url = args.url.rstrip("/")
        _check_reachable(url)
        return _run_locust(args, url, args.credentials)
    if args.credentials:
        raise UsageError("--credentials", "only with a URL: the reference server makes its own")
    with (
        tempfile.TemporaryDirectory(prefix="authconform-load-") as workdir,
        reference_server(Path(workdir), demo_users=args.demo_users) as (url, credentials),
    ):
        print(f"reference server at {url} with {args.demo_users} demo users", flush=True)
        return _run_locust(args, url, str(credentials))
