"""``authconform serve``: the reference server under Granian, optionally with demo users.

Demo users are seeded in the main process before the workers start; each worker then
builds its own app and opens its own SQLite connections. One line on stdout says
where the server listens, what runs (Granian's version, workers, threads), and where
the credentials went.
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from reference_impl.app import create_app
from reference_impl.auth import passwords
from reference_impl.auth.login_limits import DEFAULT_LIMITS, FailedLogins, LoginLimits
from reference_impl.http.cors import allow_origins, parse_origin
from reference_impl.serving.demo import seed_demo_users
from reference_impl.serving.granian_server import (
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_HEADER_TIMEOUT,
    GranianSettings,
    WSGIApp,
    bind,
    describe,
    serve,
)
from reference_impl.serving.private_files import write_private_json
from reference_impl.store import Store

__all__ = ["AppSettings", "build_app", "configure", "main", "run"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_DB = "authconform.db"
# Two processes keep two cores busy. A request reaches a Python thread only once its body
# is in (serving.rsgi_bridge), so threads are for work, not for waiting on clients; the
# CPU- and memory-heavy part, scrypt, has its own smaller limit (passwords.KDF_CONCURRENCY).
DEFAULT_WORKERS = 2
DEFAULT_THREADS = 32
# Requests in flight per worker, those whose body is still arriving included (each costs a
# coroutine until its body deadline); more wait in Granian's runtime.
DEFAULT_BACKPRESSURE = 1024
PASSWORD_COSTS = passwords.COSTS


@dataclass(frozen=True, slots=True)
class AppSettings:
    """Everything a worker needs to build its app; plain data, built once per worker."""

    db: str
    cors_origins: tuple[str, ...] = ()
    password_cost: passwords.ScryptCost = passwords.OWASP
    login_limits: LoginLimits = DEFAULT_LIMITS


def build_app(settings: AppSettings) -> WSGIApp:
    """The reference app for one worker, as ``settings`` describe it."""
    app = create_app(
        settings.db,
        password_cost=settings.password_cost,
        login_limiter=FailedLogins(settings.login_limits),
    )
    return allow_origins(app, list(settings.cors_origins)) if settings.cors_origins else app


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
        help="worker processes; a worker that dies is started again (default: %(default)s)",
    )
    parser.add_argument(
        "--threads",
        type=_positive,
        default=DEFAULT_THREADS,
        help="Python threads per worker running requests; idle connections and bodies "
        "still arriving are held by the event loop, not by these (default: %(default)s)",
    )
    parser.add_argument(
        "--backpressure",
        type=_positive,
        default=DEFAULT_BACKPRESSURE,
        help="requests in flight per worker, bodies still arriving included; more wait "
        "in Granian's runtime (default: %(default)s)",
    )
    parser.add_argument(
        "--header-timeout",
        type=_seconds(1, 60),
        default=DEFAULT_HEADER_TIMEOUT,
        metavar="SECONDS",
        help="disconnect a client whose request headers are not in after this long, "
        "1 to 60 (default: %(default)s)",
    )
    parser.add_argument(
        "--body-timeout",
        type=_seconds(0.1, 600),
        default=DEFAULT_BODY_TIMEOUT,
        metavar="SECONDS",
        help="answer 408 to a request whose body is not in this long after its headers "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--db",
        default=DEFAULT_DB,
        help="SQLite file; created 0600 if missing (default: %(default)s)",
    )
    parser.add_argument(
        "--demo-users",
        type=_non_negative,
        metavar="N",
        help="seed alice plus N demo users per system before starting",
    )
    parser.add_argument(
        "--credentials-out",
        metavar="FILE",
        help="write the demo users' credentials here (JSON, 0600, replaced atomically)",
    )
    parser.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="let a browser page on ORIGIN (e.g. http://127.0.0.1:8001, the site under "
        "`make serve-docs`) call the server; repeatable; off by default",
    )
    parser.add_argument(
        "--password-cost",
        choices=sorted(PASSWORD_COSTS),
        default="owasp",
        help="scrypt cost of new password hashes: owasp (N=2^17, r=8, p=1) or light "
        "(N=2^10, for tests and demos only) (default: %(default)s)",
    )
    parser.add_argument(
        "--max-failed-logins-per-account",
        type=_non_negative,
        default=DEFAULT_LIMITS.per_account,
        metavar="N",
        help="failed password logins for one email per window before each further try "
        "waits (429, Retry-After, doubling); 0: no limit (default: %(default)s)",
    )
    parser.add_argument(
        "--max-failed-logins-per-address",
        type=_non_negative,
        default=DEFAULT_LIMITS.per_address,
        metavar="N",
        help="failed password logins from one client address per window before each "
        "further try waits; 0: no limit (default: %(default)s)",
    )
    parser.add_argument(
        "--failed-login-window",
        type=_positive,
        default=DEFAULT_LIMITS.window,
        metavar="SECONDS",
        help="the window those limits count in (default: %(default)s)",
    )
    parser.add_argument(
        "--failed-login-max-delay",
        type=_positive,
        default=int(DEFAULT_LIMITS.max_delay),
        metavar="SECONDS",
        help="the longest wait past a limit; the first is 1 s and each failure doubles it "
        "(default: %(default)s)",
    )


def run(args: argparse.Namespace) -> int:
    if args.demo_users and not args.credentials_out:
        return _usage("--demo-users needs --credentials-out FILE")
    if not 0 <= args.port <= 65535:
        return _usage(f"--port {args.port} is not a TCP port")
    try:
        cors_origins = tuple(parse_origin(origin) for origin in args.cors_origin)
    except ValueError as exc:
        return _usage(f"--cors-origin: {exc}")
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        reason = "address already in use" if exc.errno == errno.EADDRINUSE else exc.strerror
        return _usage(f"cannot listen on {_bracket(args.host)}:{args.port}: {reason}")
    with sock:
        if not _is_loopback(args.host):
            print(f"warning: serving on {args.host}, reachable from elsewhere", file=sys.stderr)
        where = "no demo users seeded"
        if args.demo_users is not None:
            store = Store(args.db)
            credentials = seed_demo_users(
                store, args.demo_users, PASSWORD_COSTS[args.password_cost]
            )
            store.close()
            if args.credentials_out:
                write_private_json(args.credentials_out, credentials)
                where = f"credentials in {args.credentials_out}"
        settings = AppSettings(
            db=os.path.abspath(args.db),
            cors_origins=cors_origins,
            password_cost=PASSWORD_COSTS[args.password_cost],
            login_limits=LoginLimits(
                per_account=args.max_failed_logins_per_account,
                per_address=args.max_failed_logins_per_address,
                window=args.failed_login_window,
                max_delay=args.failed_login_max_delay,
            ),
        )
        server = GranianSettings(
            workers=args.workers,
            threads=args.threads,
            backpressure=args.backpressure,
            header_timeout=args.header_timeout,
            body_timeout=args.body_timeout,
        )
        host, port = sock.getsockname()[:2]
        print(
            f"serving on http://{_bracket(host)}:{port} ({describe(server)}; "
            f"passwords {args.password_cost}; db {args.db}; {where})",
            flush=True,
        )
        return serve(sock, server, partial(build_app, settings))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reference_impl", description=__doc__)
    configure(parser)
    return run(parser.parse_args(argv))


def _usage(why: str) -> int:
    print(f"error: serve: {why}", file=sys.stderr)
    return 2


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


def _seconds(low: float, high: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is not between {low:g} and {high:g}")
        return value

    return parse
