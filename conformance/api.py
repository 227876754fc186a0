"""The Python API: check a server from your own code and get every verdict back.

It runs the same suite as `authconform check`; the pytest plugin (``pytest --authconform-url
URL``) is built on it::

    from conformance.api import format_summary, run_checks

    result = run_checks("http://127.0.0.1:8000", api="fib", credentials="creds.json")
    for r in result.flagged():          # failures, suite errors, then advisories
        print(r.outcome, r.system, r.name, r.message)
    assert result.conformant, format_summary(result)

Errors (all subclasses of :class:`AuthconformError`, each with ``what`` and ``why``)::

    UsageError    a bad argument or credentials file: fixing the call fixes it
    TargetError   nothing answers HTTP at the URL

A server that breaks a check is not an error: the check's result says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.engine.limits import (
    DEFAULT_MAX_EXAMPLES,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_RUN_SECONDS,
    DEFAULT_TIMEOUT_SECONDS,
)
from conformance.errors import AuthconformError, TargetError, UsageError
from conformance.model import CheckResult, Level, Outcome, RunResult
from conformance.output.console import format_summary, progress_line

__all__ = [
    "DEFAULT_MAX_EXAMPLES",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_RUN_SECONDS",
    "DEFAULT_TIMEOUT_SECONDS",
    "AuthconformError",
    "CheckInfo",
    "CheckResult",
    "Level",
    "Outcome",
    "RunResult",
    "TargetError",
    "UsageError",
    "format_summary",
    "list_checks",
    "run_checks",
    "systems",
]

# Results of a Schemathesis stage that are not one of its checks: the run as a whole.
SCHEMATHESIS_RUN = "schemathesis.run"


@dataclass(frozen=True)
class CheckInfo:
    """One check a run will report, known before it runs (what the pytest plugin collects)."""

    system: str
    name: str
    group: str
    level: Level
    summary: str


def systems() -> list[str]:
    """The systems a run can check, e.g. ``["duktig", "fib", "user-api"]``."""
    from conformance.profiles import discover_profiles

    return sorted(discover_profiles())


def _profiles(api: str | Iterable[str]) -> list[Any]:
    from conformance.profiles import discover_profiles

    profiles = discover_profiles()
    names = list(profiles) if api == "all" else [api] if isinstance(api, str) else list(api)
    if not names:
        raise UsageError("api", "names no system")
    unknown = [name for name in names if name not in profiles]
    if unknown:
        known = ", ".join([*sorted(profiles), "all"])
        raise UsageError(f"api {', '.join(unknown)}", f"no such system (known: {known})")
    return [profiles[name] for name in dict.fromkeys(names)]


def list_checks(api: str | Iterable[str] = "all", *, fuzz: bool = True) -> list[CheckInfo]:
    """Every check a run of ``api`` reports on, in run order, without touching a server.

    With ``fuzz`` the Schemathesis stage's checks follow each system's protocol checks,
    named ``schemathesis.<check>``, then ``schemathesis.run`` (the stage as a whole).
    """
    from conformance.checks.registry import checks_for
    from conformance.profiles import load_checks

    found = []
    for profile in _profiles(api):
        load_checks(profile)
        found += [
            CheckInfo(chk.system, chk.name, chk.group, chk.level, chk.summary)
            for chk in checks_for(profile.name)
        ]
        if fuzz:
            found += _schemathesis_checks(profile)
    return found


def _schemathesis_checks(profile: Any) -> list[CheckInfo]:
    from conformance.fuzz.config import ALL_CHECKS, build_plan
    from conformance.fuzz.report import CHECK_SUMMARIES, GROUP, RUN_SUMMARY

    plan = build_plan(profile.schemathesis or {}, max_examples=1, seed=None)
    infos = [
        CheckInfo(
            profile.name,
            f"schemathesis.{name}",
            GROUP,
            Level(plan.levels.get(name, "contract")),
            CHECK_SUMMARIES.get(name, f"Schemathesis check {name} holds."),
        )
        for name in ALL_CHECKS
    ]
    infos.append(CheckInfo(profile.name, SCHEMATHESIS_RUN, GROUP, Level.CONTRACT, RUN_SUMMARY))
    return infos


def _credentials(credentials: Mapping[str, Any] | str | Path | None) -> dict[str, Any]:
    from conformance.engine.credentials import load_credentials, validate_credentials

    if credentials is None:
        return {}
    if isinstance(credentials, str | Path):
        return load_credentials(credentials)
    if isinstance(credentials, Mapping):
        return validate_credentials(dict(credentials), where="credentials argument")
    raise UsageError("credentials", "expected a mapping, a file path or None")


def run_checks(
    url: str,
    *,
    api: str | Iterable[str] = "all",
    credentials: Mapping[str, Any] | str | Path | None = None,
    strict: bool = False,
    fuzz: bool = True,
    max_examples: int = DEFAULT_MAX_EXAMPLES,
    seed: int | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    max_time: float = DEFAULT_RUN_SECONDS,
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    lifecycle: bool = True,
    jwks_url: str | None = None,
    expiry_wait: float = 0.0,
    progress: Callable[[str], None] | None = None,
) -> RunResult:
    """Check the server at ``url`` against the documents and return every verdict.

    Args:
        url: base URL of the server, e.g. ``http://127.0.0.1:8000``.
        api: ``"all"``, one system (``"fib"``, ``"user-api"``, ``"duktig"``) or a list of them.
        credentials: the credentials file's content as a mapping, its path, or None (checks
            that must log in are then skipped, with the reason).
        strict: broken advisories make ``result.conformant`` false (``check --strict``).
        fuzz: run the Schemathesis stage after the protocol checks.
        max_examples, seed: Schemathesis examples per operation and phase; its random seed.
        timeout: seconds per request, answer included (``check --timeout``).
        max_time: seconds for the whole run; past them it stops with ``result.incomplete``
            set (``check --max-time``).
        max_response_bytes: the most read of any answer, Schemathesis's included; a longer
            one fails its check (``check --max-response-bytes``).
        lifecycle: run FIB's refresh/logout/revocation checks.
        jwks_url: where the target publishes its token key (default ``url`` + JWKS path).
        expiry_wait: seconds a check may wait for a real access token to expire (0: skip it).
        progress: called with one line per finished check, as the CLI prints them.

    Returns:
        The :class:`RunResult`: ``results`` (one :class:`CheckResult` per check),
        ``conformant``, ``flagged()``, ``counts()``.

    Raises:
        UsageError: a bad argument or an unreadable/invalid credentials file.
        TargetError: nothing answers HTTP at ``url``.
    """
    from conformance.cli.check import probe
    from conformance.engine.runner import RunSettings, run_suite

    if not isinstance(url, str) or not url:
        raise UsageError("url", "expected http://host[:port] or https://host[:port]")
    if max_examples < 1:
        raise UsageError("max_examples", "must be at least 1")
    if timeout <= 0:
        raise UsageError("timeout", "must be positive")
    if max_time <= 0:
        raise UsageError("max_time", "must be positive")
    if max_response_bytes < 1:
        raise UsageError("max_response_bytes", "must be at least 1")
    if expiry_wait < 0:
        raise UsageError("expiry_wait", "must be zero or more seconds")
    profiles = _profiles(api)
    creds = _credentials(credentials)  # the caller's own mistakes first, then the target
    url = url.rstrip("/")
    probe(url)
    settings = RunSettings(
        fuzz=fuzz,
        max_examples=max_examples,
        seed=seed,
        timeout=timeout,
        strict=strict,
        options={"lifecycle": lifecycle, "jwks_url": jwks_url, "expiry_wait": expiry_wait},
        max_response_bytes=max_response_bytes,
        max_time=max_time,
    )
    # The engine reports notes and results; the caller is promised the CLI's lines.
    lines = (lambda event: progress(progress_line(event))) if progress else None
    return run_suite(url, profiles, creds, settings, lines)
