"""The Python API: check a server from your own code and get every verdict back.

It runs the same suite as `authconform check`, and like the command and the pytest plugin
(``pytest --authconform-url URL``) it only turns its arguments into one
:class:`~conformance.engine.settings.Settings` and hands it to the engine::

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
from pathlib import Path
from typing import Any

from conformance.engine.catalog import SCHEMATHESIS_RUN, CheckInfo, list_checks, systems
from conformance.engine.limits import (
    DEFAULT_MAX_EXAMPLES,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_RUN_SECONDS,
    DEFAULT_TIMEOUT_SECONDS,
)
from conformance.engine.settings import DEFAULTS, Settings
from conformance.engine.target import check_target, require_url
from conformance.errors import AuthconformError, TargetError, UsageError
from conformance.model import CheckResult, Level, Outcome, RunResult
from conformance.output.console import format_summary, progress_line

__all__ = [
    "DEFAULT_MAX_EXAMPLES",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_RUN_SECONDS",
    "DEFAULT_TIMEOUT_SECONDS",
    "SCHEMATHESIS_RUN",
    "AuthconformError",
    "CheckInfo",
    "CheckResult",
    "Level",
    "Outcome",
    "RunResult",
    "Settings",
    "TargetError",
    "UsageError",
    "check_target",
    "format_summary",
    "list_checks",
    "run_checks",
    "systems",
]


def run_checks(
    url: str,
    *,
    api: str | Iterable[str] = "all",
    credentials: Mapping[str, Any] | str | Path | None = None,
    strict: bool = DEFAULTS.strict,
    fuzz: bool = DEFAULTS.fuzz,
    max_examples: int = DEFAULTS.max_examples,
    seed: int | None = DEFAULTS.seed,
    timeout: float = DEFAULTS.timeout,
    max_time: float = DEFAULTS.max_time,
    max_response_bytes: int = DEFAULTS.max_response_bytes,
    lifecycle: bool = DEFAULTS.lifecycle,
    jwks_url: str | None = DEFAULTS.jwks_url,
    expiry_wait: float = DEFAULTS.expiry_wait,
    probe_throttling: int = DEFAULTS.probe_throttling,
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
        probe_throttling: wrong passwords failed_logins_are_throttled may send to one
            account (0: skip it; it may slow or lock that account).
        progress: called with one line per finished check, as the CLI prints them.

    Returns:
        The :class:`RunResult`: ``results`` (one :class:`CheckResult` per check),
        ``conformant``, ``flagged()``, ``counts()``.

    Raises:
        UsageError: a bad argument or an unreadable/invalid credentials file.
        TargetError: nothing answers HTTP at ``url``.
        Raises:
        UsageError: a bad argument or an unreadable/invalid credentials file; a bad
            setting is named by its ``authconform check`` flag (``--max-examples``).
        TargetError: nothing answers HTTP at ``url``.
    """
    require_url(url)
    settings = Settings(
        fuzz=fuzz,
        max_examples=max_examples,
        seed=seed,
        timeout=timeout,
        max_time=max_time,
        max_response_bytes=max_response_bytes,
        strict=strict,
        lifecycle=lifecycle,
        jwks_url=jwks_url,
        expiry_wait=expiry_wait,
        probe_throttling=probe_throttling,
    )
    # The engine reports notes and results; the caller is promised the CLI's lines.
    lines = (lambda event: progress(progress_line(event))) if progress else None
    return check_target(url, settings, api=api, credentials=credentials, progress=lines)
