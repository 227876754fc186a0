"""``authconform serve``: the reference server under gunicorn, optionally with demo users.

Demo users are seeded in the master before workers fork; each worker then
builds its own app and opens its own SQLite connections. One line on stdout
says where the server listens, which gunicorn workers run, and where the
credentials went.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import sys
from typing import Any

from gunicorn.app.base import BaseApplication

from reference_impl.app import create_app
from reference_impl.cors import allow_origins, parse_origin
from reference_impl.demo import seed_demo_users
from reference_impl.store import Store

__all__ = ["configure", "main", "run"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_DB = "authconform.db"
# gthread: a login is mostly scrypt/Ed25519 work plus a short SQLite write, so a
# couple of processes with a few threads each keep two cores busy without
# many idle processes; the benchmarks may tune these.
DEFAULT_WORKERS = 2
DEFAULT_WORKER_CLASS = "gthread"
DEFAULT_THREADS = 4
# gunicorn quietly swaps a sync worker for gthread when threads > 1, so sync means one.
SYNC_THREADS = 1
WORKER_CLASSES = ("sync", "gthread")
# A worker stuck this long is restarted; shutdown waits this long for requests in flight.
WORKER_TIMEOUT = 30
GRACEFUL_TIMEOUT = 5


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help="address to bind (default: %(default)s)"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help="TCP port, 0 for any free one (default: %(default)s)",
    )
    parser.add_argument(
        "--workers",
        type=_positive,
        default=DEFAULT_WORKERS,
        help="gunicorn worker processes (default: %(default)s)",
    )
    parser.add_argument(
        "--worker-class",
        choices=WORKER_CLASSES,
        default=DEFAULT_WORKER_CLASS,
        help="gunicorn worker type: sync serves one request at a time per worker, "
        "gthread one per thread (default: %(default)s)",
    )
    parser.add_argument(
        "--threads",
        type=_positive,
        default=None,
        help=f"threads per gthread worker (default: {DEFAULT_THREADS}); sync workers run "
        f"{SYNC_THREADS}, and --threads above {SYNC_THREADS} with --worker-class sync is "
        "refused",
    )
    parser.add_argument(
        "--db", default=DEFAULT_DB, help="SQLite file; created if missing (default: %(default)s)"
    )
    parser.add_argument(
        "--demo-users",
        type=_non_negative,
        metavar="N",
        help="seed alice plus N demo users per system before starting",
    )
    parser.add_argument(
        "--credentials-out", metavar="FILE", help="write the demo users' credentials here (JSON)"
    )
    parser.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="let a browser page on ORIGIN (e.g. http://127.0.0.1:8001, the site under "
        "`make serve-docs`) call the server; repeatable; off by default",
    )


def run(args: argparse.Namespace) -> int:
    if args.demo_users and not args.credentials_out:
        print("error: serve: --demo-users needs --credentials-out FILE", file=sys.stderr)
        return 2
    if not 0 <= args.port <= 65535:
        print(f"error: serve: --port {args.port} is not a TCP port", file=sys.stderr)
        return 2
    threads = worker_threads(args.worker_class, args.threads)
    if threads is None:
        print(
            f"error: serve: --threads {args.threads} with --worker-class sync: sync workers "
            f"run {SYNC_THREADS} thread (use --worker-class gthread for threads)",
            file=sys.stderr,
        )
        return 2
    args.threads = threads
    try:
        args.cors_origin = [parse_origin(origin) for origin in args.cors_origin]
    except ValueError as exc:
        print(f"error: serve: --cors-origin: {exc}", file=sys.stderr)
        return 2
    if not _is_loopback(args.host):
        print(f"warning: serving on {args.host}, reachable beyond this machine", file=sys.stderr)
    where = "no demo users seeded"
    if args.demo_users is not None:
        store = Store(args.db)
        credentials = seed_demo_users(store, args.demo_users)
        store.close()
        if args.credentials_out:
            _write_private_json(args.credentials_out, credentials)
            where = f"credentials in {args.credentials_out}"
    server = GunicornServer(args, banner=f"db {args.db}; {where}")
    try:
        server.run()
    except SystemExit as stop:  # the arbiter exits the process its own way
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    return 0


def worker_threads(worker_class: str, threads: int | None) -> int | None:
    """Threads per worker for ``worker_class``; None when ``threads`` contradicts it."""
    if worker_class == "sync":
        return SYNC_THREADS if threads in (None, SYNC_THREADS) else None
    return DEFAULT_THREADS if threads is None else threads


class GunicornServer(BaseApplication):
    """gunicorn's arbiter running ``create_app(db)`` in each worker."""

    def __init__(self, args: argparse.Namespace, *, banner: str) -> None:
        self._args = args
        self._banner = banner
        super().__init__()

    def load_config(self) -> None:
        args = self._args
        settings: dict[str, Any] = {
            "bind": f"{_bracket(args.host)}:{args.port}",
            "workers": args.workers,
            "worker_class": args.worker_class,
            "threads": args.threads,
            "timeout": WORKER_TIMEOUT,
            "graceful_timeout": GRACEFUL_TIMEOUT,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "warning",
            "proc_name": "authconform-serve",
            "when_ready": self._announce,
        }
        for key, value in settings.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        app = create_app(self._args.db)
        return allow_origins(app, self._args.cors_origin) if self._args.cors_origin else app

    def _announce(self, arbiter: Any) -> None:
        # The class gunicorn will fork workers from, after its own sync -> gthread swap.
        kind = arbiter.worker_class.__module__.rpartition(".")[2]
        workers = _describe_workers(kind, arbiter.cfg.workers, arbiter.cfg.threads)
        for listener in arbiter.LISTENERS:
            host, port = listener.getsockname()[:2]
            where = f"http://{_bracket(host)}:{port}"
            print(f"serving on {where} ({workers}; {self._banner})", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reference_impl", description=__doc__)
    configure(parser)
    return run(parser.parse_args(argv))


def _describe_workers(kind: str, workers: int, threads: int) -> str:
    """The startup line's account of the workers, e.g. ``2 sync workers``."""
    plural = "s" if workers != 1 else ""
    if kind == "gthread":
        return f"{workers} gthread worker{plural}, {threads} threads each"
    return f"{workers} {kind} worker{plural}"


def _write_private_json(path: str, payload: Any) -> None:
    """Credentials hold keys and passwords: owner-only permissions from the start."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(payload, out, indent=2)
        out.write("\n")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value
