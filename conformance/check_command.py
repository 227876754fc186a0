"""`authconform check`: check a target (or the embedded reference server) against the docs."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx

from conformance.credentials import load_credentials
from conformance.errors import TargetError, UsageError
from conformance.profiles import Profile, discover_profiles
from conformance.runner import RunResult, RunSettings, format_summary, run_suite

__all__ = ["configure", "probe", "run"]

# Connecting is quick or it is not going to work: fail fast with a plain message.
PROBE_TIMEOUT_SECONDS = 5.0
EMBEDDED_DEMO_USERS = 3
JWKS_PATH = "/.well-known/jwks.json"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Check a login/session API against its documents: the protocol checks of each "
        "system (named claims such as correctly_signed_login_succeeds), then "
        "Schemathesis property-based tests generated from spec/<system>.openapi.yaml. "
        "With no URL, the reference server is started on a free loopback port with demo "
        "users, checked, and stopped."
    )
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = """\
examples:
  authconform check                        # embedded reference server, every system
  authconform check --no-fuzz --report out # protocol checks only, reports in out/
  authconform check http://127.0.0.1:8000 --credentials creds.json
  authconform check https://fib.example --api fib --no-lifecycle --seed 7

Checks that must log in read their users from --credentials (format: the
credentials file written by `authconform serve --credentials-out`); without
them they are reported as skipped, with the reason.

Verdict levels: a *contract* check enforces what the documents say (under every
reading they allow) and fails the run; an *advisory* check (HTTP practice, or this
project's own choice where the documents are silent) is shown as WARN and fails the
run only with --strict.

exit status: 0 conformant, 1 not conformant (a contract check failed, a check broke,
or an advisory under --strict), 2 usage error or unreachable target."""
    parser.add_argument(
        "url",
        nargs="?",
        metavar="URL",
        help="base URL of the server to check, e.g. http://127.0.0.1:8000 "
        "(default: start the embedded reference server)",
    )
    parser.add_argument(
        "--api",
        metavar="SYSTEM",
        help=f"which system to check: {', '.join(sorted(discover_profiles()))} or all "
        "(default: all without a URL, fib with a URL)",
    )
    parser.add_argument(
        "--credentials",
        metavar="FILE",
        help="JSON credentials file (users and keys the target knows; see `authconform serve "
        "--credentials-out`). Without it, checks that must log in are skipped. "
        "Only with a URL: the embedded server brings its own",
    )
    parser.add_argument(
        "--report",
        metavar="DIR",
        help="write junit.xml, report.md and report.json into DIR (created if missing)",
    )
    parser.add_argument(
        "--max-examples",
        type=int,
        default=20,
        metavar="N",
        help="Schemathesis examples per operation and phase (default: 20)",
    )
    parser.add_argument(
        "--seed", type=int, metavar="N", help="Schemathesis random seed, to repeat a run"
    )
    parser.add_argument(
        "--no-fuzz",
        action="store_true",
        help="protocol checks only: skip the Schemathesis stage",
    )
    parser.add_argument(
        "--no-lifecycle",
        action="store_true",
        help="skip the session lifecycle checks (refresh, logout, revocation)",
    )
    parser.add_argument(
        "--jwks-url",
        metavar="URL",
        help="where the target publishes its token signing key (default: "
        f"URL{JWKS_PATH}; used by the lifecycle checks to verify token signatures)",
    )
    parser.add_argument(
        "--expiry-wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="let expired_access_token_is_rejected wait up to SECONDS for a real access "
        "token to expire (an expired token cannot be forged without the server's key); "
        "default 0: that check is skipped",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="fail the run on advisories too (HTTP practice and this project's own choices "
        "where the documents are silent); by default only contract failures fail it",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="per-request timeout (default: 10)",
    )


def probe(url: str) -> None:
    """Make sure something answers HTTP at ``url``; any status will do."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"URL {url}", "expected http://host[:port] or https://host[:port]")
    try:
        httpx.get(url, timeout=PROBE_TIMEOUT_SECONDS, follow_redirects=False)
    except httpx.TimeoutException as exc:
        raise TargetError(f"target {url}", f"no answer within {PROBE_TIMEOUT_SECONDS:g} s") from exc
    except httpx.TransportError as exc:
        raise TargetError(f"target {url}", f"cannot connect ({exc or type(exc).__name__})") from exc


def _choose_profiles(api: str) -> list[Profile]:
    profiles = discover_profiles()
    if api == "all":
        return list(profiles.values())
    if api not in profiles:
        known = ", ".join([*sorted(profiles), "all"])
        raise UsageError(f"--api {api}", f"no such system (known: {known})")
    return [profiles[api]]


@contextlib.contextmanager
def _target(args: argparse.Namespace) -> Iterator[tuple[str, dict[str, Any]]]:
    """The base URL and credentials to check: the given URL, or the embedded server."""
    if args.url:
        url = args.url.rstrip("/")
        # The user's own mistakes first: a bad file is reported even if the target is down.
        credentials = load_credentials(args.credentials) if args.credentials else {}
        probe(url)
        yield url, credentials
        return
    if args.credentials:
        raise UsageError(
            "--credentials", "only used with a URL; the embedded server brings its own users"
        )
    try:
        from reference_impl.embedded import running_server
    except ModuleNotFoundError as exc:
        raise UsageError(
            "embedded reference server", f"{exc.name} is not available; give a URL to check"
        ) from exc
    with running_server(demo_users=EMBEDDED_DEMO_USERS) as server:
        _progress(f"started the reference server at {server.url}")
        yield server.url, server.credentials


def _progress(line: str) -> None:
    print(line, flush=True)


def run(args: argparse.Namespace) -> int:
    if args.max_examples < 1:
        raise UsageError("--max-examples", "must be at least 1")
    if args.timeout <= 0:
        raise UsageError("--timeout", "must be positive")
    if args.expiry_wait < 0:
        raise UsageError("--expiry-wait", "must be zero or more seconds")
    api = args.api or ("fib" if args.url else "all")
    profiles = _choose_profiles(api)
    with _target(args) as (url, credentials):
        settings = RunSettings(
            fuzz=not args.no_fuzz,
            max_examples=args.max_examples,
            seed=args.seed,
            timeout=args.timeout,
            strict=args.strict,
            options={
                "lifecycle": not args.no_lifecycle,
                # None: the lifecycle checks try URL/.well-known/jwks.json and say so.
                "jwks_url": args.jwks_url,
                "expiry_wait": args.expiry_wait,
            },
        )
        result: RunResult = run_suite(url, profiles, credentials, settings, _progress)
    print(format_summary(result))
    if args.report:
        from conformance.report import write_reports

        paths = write_reports(result, args.report)
        print(f"reports: {', '.join(str(p) for p in paths)}")
    return 0 if result.conformant else 1
