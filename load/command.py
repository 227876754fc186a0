"""``authconform load [URL]``: a short headless Locust run with reports, in a child process.

Locust patches the whole process with gevent, so it never runs inside the CLI: this module
builds the ``locust`` command line, runs it, and reads back its JSON stats. With no URL it
starts the reference server (demo users) for the length of the run. ``--rate`` runs the
open model (``load.users.arrival``); ``--find-capacity`` searches the rate
(``load.capacity.driver``).
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import tempfile
import urllib.parse
from pathlib import Path

from conformance.errors import TargetError, UsageError
from load.capacity.driver import find_capacity
from load.capacity.search import PRECISION
from load.process.locust import clear_outputs, locust_command
from load.process.server import reference_server
from load.process.worker import serve_master
from load.stats.compare import DEFAULT_MAX_REGRESSION_PCT, compare, format_comparison, has_run
from load.stats.comparepage import write_comparison
from load.stats.openreport import format_open, incomplete, locust_percentiles
from load.stats.summary import format_rows, read_rows
from load.users.schedule import ARRIVALS
from load.users.validate import CHECK_TOKENS_EVERY
from load.users.wire import HTTP_CLIENTS
from reference_impl.auth.passwords import COSTS as PASSWORD_COSTS

__all__ = ["configure", "run"]

# Locust's own exit codes: 0 clean, 1 failures or broken thresholds; anything else is ours to
# report as a usage or target problem (2).
LOCUST_FAILED = 1
LOGIN_ROW = "fib login"


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
        "--check-tokens-every",
        type=int,
        metavar="N",
        default=CHECK_TOKENS_EVERY,
        help="FIB: also decode the tokens of every N-th good login answer per user and check "
        "their claims (EdDSA, sub, exp, jti, acjti), the first included; every answer's "
        f"envelope and token shapes are checked whatever N; 0 = never ({CHECK_TOKENS_EVERY})",
    )
    parser.add_argument(
        "--http-client",
        choices=HTTP_CLIENTS,
        default=HTTP_CLIENTS[0],
        help="lean: authconform's keep-alive HTTP/1.1 client for http:// targets, half the "
        "generator CPU per login (https and URLs with credentials use FastHttpUser's); "
        "fasthttp: FastHttpUser's client for every request (cookies, compression) (lean)",
    )
    parser.add_argument(
        "--demo-users", type=int, default=20, help="accounts on the reference server (20)"
    )
    parser.add_argument(
        "--password-cost",
        choices=sorted(PASSWORD_COSTS),
        help="without a URL: the reference server's scrypt cost, as `authconform serve` takes "
        "it (owasp; light starts 20 demo users in a fraction of a second, for tests and demos)",
    )
    group = parser.add_argument_group("against a baseline")
    group.add_argument(
        "--baseline",
        metavar="OLD_REPORT_DIR",
        help="compare with the run whose --report folder this is: p50, p99, p99.9, max, "
        "achieved rate, failure ratio (HDR histograms when both runs have them)",
    )
    group.add_argument(
        "--max-regression-pct",
        type=float,
        metavar="PCT",
        default=DEFAULT_MAX_REGRESSION_PCT,
        help="with --baseline: exit 1 when a figure is this much worse "
        f"({DEFAULT_MAX_REGRESSION_PCT:g})",
    )
    group = parser.add_argument_group("open model (fixed arrival rate)")
    group.add_argument(
        "--rate",
        type=float,
        help="start this many FIB logins per second whatever the answers (replaces -u); "
        "latency is timed from each login's intended start",
    )
    group.add_argument(
        "--arrival", choices=ARRIVALS, default="constant", help="arrival spacing (constant)"
    )
    group.add_argument(
        "--max-logins",
        dest="arrival_limit",
        type=int,
        help="start no more than this many logins in all; the run ends once every one "
        "is answered, or at -t (those still unanswered then count as unfinished)",
    )
    group.add_argument(
        "--slo-p99-ms", type=float, help="latency objective: p99 from the intended start (ms)"
    )
    group = parser.add_argument_group("several machines (Locust master and remote workers)")
    group.add_argument(
        "--expect-workers",
        type=int,
        help="be the master of this many remote workers (`authconform load --worker`): wait "
        "for them, split users or the rate across them, merge their figures",
    )
    group.add_argument(
        "--master-bind-host", default="*", help="master: address the workers connect to (all)"
    )
    group.add_argument(
        "--master-bind-port", type=int, default=5557, help="master: port for the workers (5557)"
    )
    group.add_argument(
        "--worker", action="store_true", help="be a worker of the master at --master-host"
    )
    group.add_argument("--master-host", help="worker: the master's address")
    group.add_argument("--master-port", type=int, default=5557, help="worker: its port (5557)")
    group.add_argument(
        "--worker-runs",
        type=int,
        default=1,
        help="worker: serve this many runs of the master, one after another (a capacity "
        "search is one run per step) (1)",
    )
    group = parser.add_argument_group("capacity search")
    group.add_argument(
        "--find-capacity",
        action="store_true",
        help="find the highest rate meeting --slo-p99-ms and --max-fail-ratio, and the knee",
    )
    group.add_argument("--start-rate", type=float, default=100.0, help="first step (100/s)")
    group.add_argument("--max-rate", type=float, default=50_000.0, help="never above (50000/s)")
    group.add_argument("--step-time", type=float, default=5.0, help="seconds per step (5)")
    group.add_argument(
        "--step-requests", type=int, default=20_000, help="logins per step at most (20000)"
    )
    group.add_argument("--max-steps", type=int, default=16, help="steps at most (16)")
    group.add_argument(
        "--precision-pct",
        type=float,
        metavar="PCT",
        default=100 * (PRECISION - 1),
        help="stop when the lowest missing rate is within this many percent above the "
        f"highest passing one ({100 * (PRECISION - 1):g})",
    )
    group.add_argument(
        "--server-pid",
        type=int,
        help="the server's process on this machine: its CPU tells a busy server from a busy "
        "generator (given automatically for the reference server)",
    )


def _check_reachable(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"URL {url!r}", "expected http://HOST[:PORT]")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname, port), timeout=5).close()
    except OSError as exc:
        raise TargetError(url, f"cannot connect ({exc.strerror or exc})") from exc


def _open_outcome(args: argparse.Namespace, report: Path) -> int:
    """Print the open-model figures; 1 when they miss --slo-p99-ms, else 0."""
    latency = report / "latency.json"
    if not latency.exists():
        return 0
    summary = json.loads(latency.read_text(encoding="utf-8"))
    print(format_open(summary, locust_percentiles(report / "stats.json", LOGIN_ROW)))
    lost = incomplete(summary, args.expect_workers or args.processes or 1)
    if lost:
        print(f"INCOMPLETE: {lost}; the figures above miss part of the rate asked")
        return 1
    p99 = summary["corrected_ms"]["p99"]
    if args.slo_p99_ms is not None and p99 > args.slo_p99_ms:
        print(f"SLO missed: p99 {p99:.1f} ms > --slo-p99-ms {args.slo_p99_ms:g}")
        return 1
    return 0


def _baseline_outcome(args: argparse.Namespace, report: Path) -> int:
    """Print and write the comparison with --baseline; 1 past --max-regression-pct."""
    result = compare(args.baseline, report, max_regression_pct=args.max_regression_pct)
    print(format_comparison(result, args.baseline))
    write_comparison(result, args.baseline, report)
    print(f"comparison: {(report / 'baseline.html').resolve()} (also in report.html)")
    return 1 if result.regressions else 0


def _run_locust(args: argparse.Namespace, url: str, credentials: str | None) -> int:
    report = Path(args.report)
    report.mkdir(parents=True, exist_ok=True)
    clear_outputs(report)
    code = subprocess.run(locust_command(args, url, credentials), check=False).returncode
    stats = report / "stats.json"
    verdict = 0
    if stats.exists():
        print(format_rows(read_rows(stats)))
        if args.rate:
            verdict = _open_outcome(args, report)
        if args.baseline:
            verdict = max(verdict, _baseline_outcome(args, report))
        print(f"reports: {report.resolve()}/ (report.html, stats*.csv, stats.json)")
    if code in (0, LOCUST_FAILED):
        return max(code, verdict)
    raise UsageError("locust", f"exited with status {code} (see its messages above)")


def _validate(args: argparse.Namespace) -> None:
    if args.worker:
        if not args.master_host:
            raise UsageError("--worker", "needs --master-host (the master's address)")
        if args.url or args.rate or args.find_capacity or args.expect_workers or args.baseline:
            raise UsageError("--worker", "takes its run from the master: no URL, rate or search")
        return
    if args.baseline is not None:
        if args.find_capacity:
            raise UsageError("--baseline", "not with --find-capacity (compare single runs)")
        if not has_run(args.baseline):
            raise UsageError(
                f"--baseline {args.baseline}", "no load run's stats.json or latency.json there"
            )
        if Path(args.baseline).resolve() == Path(args.report).resolve():
            raise UsageError("--baseline", "is this run's --report folder, which it clears")
    if args.max_regression_pct < 0:
        raise UsageError("--max-regression-pct", "must be zero or more")
    if args.url and args.password_cost:
        raise UsageError("--password-cost", "only without a URL: it sets the reference server's")
    if args.expect_workers is not None and args.expect_workers < 1:
        raise UsageError("--expect-workers", "must be at least 1")
    if args.expect_workers and args.processes:
        raise UsageError("--processes", "not with --expect-workers (the workers are remote)")
    if args.users < 1:
        raise UsageError("--users", "must be at least 1")
    if args.check_tokens_every < 0:
        raise UsageError("--check-tokens-every", "must be zero (never) or more")
    if args.arrival_limit is not None and (args.arrival_limit < 1 or args.rate is None):
        raise UsageError("--max-logins", "needs --rate and must be at least 1")
    if args.rate is not None and args.rate <= 0:
        raise UsageError("--rate", "must be a positive number of logins per second")
    if args.find_capacity and args.slo_p99_ms is None:
        raise UsageError("--find-capacity", "needs --slo-p99-ms (the latency objective)")
    if args.precision_pct <= 0:
        raise UsageError("--precision-pct", "must be above zero")
    if args.find_capacity and args.rate is not None:
        raise UsageError("--rate", "not with --find-capacity, which picks the rates itself")


def _dispatch(args: argparse.Namespace, url: str, credentials: str | None, pid: int | None) -> int:
    if args.find_capacity:
        return find_capacity(args, url, credentials, server_pid=args.server_pid or pid)
    return _run_locust(args, url, credentials)


def run(args: argparse.Namespace) -> int:
    _validate(args)
    if args.worker:
        return serve_master(args.master_host, args.master_port, runs=args.worker_runs)
    if args.url:
        url = args.url.rstrip("/")
        _check_reachable(url)
        return _dispatch(args, url, args.credentials, None)
    if args.credentials:
        raise UsageError("--credentials", "only with a URL: the reference server makes its own")
    cost = args.password_cost
    with (
        tempfile.TemporaryDirectory(prefix="authconform-load-") as workdir,
        reference_server(Path(workdir), demo_users=args.demo_users, password_cost=cost) as served,
    ):
        hashed = f", passwords at the {cost} cost" if cost else ""
        print(f"reference server at {served.url} with {args.demo_users} demo users{hashed}",
              flush=True)  # fmt: skip
        return _dispatch(args, served.url, str(served.credentials), served.pid)
