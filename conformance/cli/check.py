"""`authconform check`: check a target (or the embedded reference server) against the docs."""

from __future__ import annotations

import argparse
import contextlib
import shlex
import sys
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from conformance.engine.credentials import load_credentials
from conformance.engine.run_options import add_run_options, run_settings_fields
from conformance.engine.runner import run_suite
from conformance.engine.settings import DEFAULTS, EMBEDDED_USERS, NO_CREDENTIALS_FILE, Settings
from conformance.engine.target import choose_profiles, probe
from conformance.errors import UsageError
from conformance.fixloop import hooks as fixloop
from conformance.fixloop.coverage import observing
from conformance.model import CheckResult, RunResult
from conformance.output.console import format_summary, progress_line
from conformance.profiles import discover_profiles

__all__ = ["configure", "run", "seed_line", "settings_from_args"]

EMBEDDED_DEMO_USERS = 3


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

Limits: each request must be fully answered within --timeout seconds (a server
dripping bytes does not keep it alive) and in at most --max-response-bytes; redirects
are never followed. The whole run stops after --max-time seconds, or when the target
fails to answer 3 requests in a row, and reports what ran as INCOMPLETE (exit 2).
Before the checks, a few requests make sure the target looks like each chosen API.

exit status: 0 conformant, 1 not conformant (a contract check failed, a check broke,
or an advisory under --strict), 2 usage error, unreachable target, a target that is
not the API, or an incomplete run."""
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
        "(default: all without a URL; with a URL, every system the --credentials file has "
        "a section for, or fib without a file)",
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
        help="write junit.xml, report.md, report.json, report.html (one self-contained "
        "page), report.sarif (code scanning) and report.summary.md (a CI job summary) into "
        "DIR (created if missing)",
    )
    add_run_options(parser.add_argument)  # the settings' options, shared with the plugin
    parser.add_argument(
        "--show-secrets",
        action="store_true",
        help="local debugging only: leave credentials, tokens and signatures in clear in "
        "the output and the reports (warned on every run; never publish such reports)",
    )
    fixloop.configure(parser)  # fix loop: --baseline, --fail-on, --min-coverage


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
        from reference_impl.serving.embedded import running_server
    except ModuleNotFoundError as exc:
        raise UsageError(
            "embedded reference server", f"{exc.name} is not available; give a URL to check"
        ) from exc
    with running_server(demo_users=EMBEDDED_DEMO_USERS) as server:
        _progress(f"started the reference server at {server.url}")
        yield server.url, server.credentials


def _warn_secrets_shown() -> None:
    print(
        "warning: --show-secrets: this output and its reports hold usable credentials, "
        "tokens and login signatures; do not publish them",
        file=sys.stderr,
        flush=True,
    )


def _progress(event: str | CheckResult) -> None:
    """Print the engine's progress as it comes: its notes, and one line per finished check."""
    print(progress_line(event), flush=True)


def _default_api(args: argparse.Namespace, credentials: dict[str, Any]) -> str:
    """With a URL and no --api: the systems the credentials file has a section for, else fib."""
    if not args.url:
        return "all"
    keys = {p.credentials_key: name for name, p in discover_profiles().items()}
    chosen = [keys[k] for k in credentials if k in keys]
    if not chosen:
        return "fib"
    _progress(
        f"checking {', '.join(chosen)}: the systems {args.credentials} has a section for "
        "(--api to choose)"
    )
    return ",".join(chosen)


def seed_line(settings: Settings, source: str | None = None) -> str:
    """Which seed the run uses (``source``: where it came from; None: picked now), its tag."""
    how = source or f"picked; --seed {settings.seed} repeats the run"
    return f"seed {settings.seed} ({how}); run tag {settings.run_tag} in invented emails"


def _command_line(args: argparse.Namespace, api: str) -> str:
    """The `authconform check` command that repeats this run (minus --seed)."""
    words = ["authconform", "check"]
    if args.url:
        words.append(args.url)
    words += ["--api", "all" if api == "all" else api]
    if args.credentials:
        words += ["--credentials", args.credentials]
    if args.max_examples != DEFAULTS.max_examples:
        words += ["--max-examples", str(args.max_examples)]
    return shlex.join(words)


def settings_from_args(args: argparse.Namespace, seed: int | None) -> Settings:
    """The run's settings from the flags, validated before anything starts."""
    fields = run_settings_fields(lambda dest: getattr(args, dest))
    return Settings(
        **{**fields, "seed": seed},
        # Skip reasons tell "no file given" from "no section in the file".
        credentials_file=(args.credentials or NO_CREDENTIALS_FILE) if args.url else EMBEDDED_USERS,
        show_secrets=args.show_secrets,
    )


def run(args: argparse.Namespace) -> int:
    # fix loop: a seed always, so that a replay invents the same values and repeats the
    # Schemathesis stage exactly; a fresh tag keeps this run's accounts apart from earlier ones.
    settings = settings_from_args(args, args.seed).identified()
    if args.api:
        choose_profiles(args.api, subject="--api")  # a bad --api is reported before anything starts
    baseline = fixloop.validate(args)  # fix loop
    with _target(args) as (url, credentials):
        api = args.api or _default_api(args, credentials)
        profiles = choose_profiles(api, subject="--api")
        settings = replace(settings, command=_command_line(args, api))
        if args.show_secrets:
            _warn_secrets_shown()
        _progress(seed_line(settings, None if args.seed is None else "given"))
        with observing() as seen:  # fix loop: documented-answer coverage
            result: RunResult = run_suite(url, profiles, credentials, settings, _progress)
        block = fixloop.settings_block(settings, api, args)
    extra_lines = fixloop.after_run(result, args, block, seen, baseline)
    print(format_summary(result))
    print("\n".join(extra_lines))
    if args.report:
        from conformance.output.report import write_reports

        paths = write_reports(result, args.report)
        print(f"reports: {', '.join(str(p) for p in paths)}")
    if args.show_secrets:
        _warn_secrets_shown()
    if result.incomplete:
        print(f"error: run incomplete: {result.incomplete}", file=sys.stderr)
        return 2
    status, why = fixloop.exit_status(result, args)  # fix loop: --fail-on, --min-coverage
    for line in why:
        print(line)
    return status
