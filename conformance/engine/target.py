"""What a run checks, made sure of before it starts: the systems, the users, a target that
answers HTTP. The caller's own mistakes are found first, then the target's."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from conformance.engine.bounded import BoundedClient
from conformance.engine.settings import Settings
from conformance.errors import TargetError, UsageError
from conformance.model import Progress, RunResult
from conformance.profiles import Profile, discover_profiles

__all__ = [
    "PROBE_TIMEOUT_SECONDS",
    "check_target",
    "choose_profiles",
    "probe",
    "read_credentials",
    "require_url",
]

# Connecting is quick or it is not going to work: fail fast with a plain message.
PROBE_TIMEOUT_SECONDS = 5.0


def probe(url: str) -> None:
    """Make sure something answers HTTP at ``url``; any status will do, the body is not read."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"URL {url}", "expected http://host[:port] or https://host[:port]")
    try:
        with BoundedClient(timeout=PROBE_TIMEOUT_SECONDS, max_failures=None) as client:
            client.request("GET", url, read_body=False)
    except httpx.TimeoutException as exc:
        raise TargetError(f"target {url}", f"no answer within {PROBE_TIMEOUT_SECONDS:g} s") from exc
    except httpx.ConnectError as exc:
        raise TargetError(f"target {url}", f"cannot connect ({exc or type(exc).__name__})") from exc
    except httpx.TransportError as exc:
        # Connected, then a reset, a hang-up or bytes that are not HTTP.
        why = f"connected, but got no HTTP answer ({exc or type(exc).__name__})"
        raise TargetError(f"target {url}", why) from exc


def require_url(url: Any) -> str:
    """``url`` without its trailing slash, or a UsageError when it is not a non-empty string."""
    if not isinstance(url, str) or not url:
        raise UsageError("url", "expected http://host[:port] or https://host[:port]")
    return url.rstrip("/")


def choose_profiles(api: str | Iterable[str], *, subject: str = "api") -> list[Profile]:
    """The profiles ``api`` names, each once, in order: ``"all"``, one system's name, several
    (a list, or a comma-separated string as ``--api`` takes). ``subject`` names the option in
    an error: ``--api`` on the command line, ``api`` in the Python API."""
    profiles = discover_profiles()
    given = api.split(",") if isinstance(api, str) else list(api)
    names: list[str] = []
    for name in (str(item).strip() for item in given):
        names += list(profiles) if name == "all" else [name]
    if not names or "" in names:
        raise UsageError(subject, "names no system" if not names else "an empty system name")
    unknown = [name for name in dict.fromkeys(names) if name not in profiles]
    if unknown:
        known = ", ".join([*sorted(profiles), "all"])
        raise UsageError(f"{subject} {', '.join(unknown)}", f"no such system (known: {known})")
    return [profiles[name] for name in dict.fromkeys(names)]


def read_credentials(credentials: Mapping[str, Any] | str | Path | None) -> dict[str, Any]:
    """The credentials as a validated mapping, from a mapping, a file path, or None (none)."""
    from conformance.engine.credentials import load_credentials, validate_credentials

    if credentials is None:
        return {}
    if isinstance(credentials, str | Path):
        return load_credentials(credentials)
    if isinstance(credentials, Mapping):
        return validate_credentials(dict(credentials), where="credentials argument")
    raise UsageError("credentials", "expected a mapping, a file path or None")


def check_target(
    url: str,
    settings: Settings,
    *,
    api: str | Iterable[str] = "all",
    credentials: Mapping[str, Any] | str | Path | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Check the server at ``url``: the systems and users first, then that it answers, then
    the run (what the Python API and the pytest plugin call)."""
    from conformance.engine.runner import run_suite

    url = require_url(url)
    profiles = choose_profiles(api)
    users = read_credentials(credentials)  # the caller's own mistakes first, then the target
    probe(url)
    return run_suite(url, profiles, users, settings, progress)
