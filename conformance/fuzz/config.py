"""Turns a profile's ``schemathesis`` settings into a ``schemathesis.toml`` for one run.

The keys a profile may set are listed in :mod:`conformance.fuzz.run`; anything else is
refused here, so a typo in a profile fails loudly instead of silently testing less.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import tomli_w

from conformance.errors import UsageError
from conformance.sources import parse_sources

__all__ = [
    "ALL_CHECKS",
    "CHECK_ALIASES",
    "DEFAULT_LEVELS",
    "DEFAULT_SOURCES",
    "DOCUMENTED_AUTH_CHECK",
    "PHASES",
    "STATUS_CHECKS",
    "FuzzPlan",
    "build_plan",
    "to_toml",
]

# Every check Schemathesis 4.32 runs by default (max_response_time is off unless given a limit).
ALL_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
    "object_level_authorization",
)
# Checks that judge a response by a list of expected status codes.
STATUS_CHECKS = (
    "not_a_server_error",
    "positive_data_acceptance",
    "negative_data_rejection",
    "missing_required_header",
)
PHASES = ("examples", "coverage", "fuzzing", "stateful")
# The run's own ignored_auth (conformance.fuzz.hooks), used where a profile gives the
# documents' refusal statuses ("auth_refusals"): Schemathesis's own takes only 401/403 and
# has no setting for others. Its verdicts are ignored_auth's.
DOCUMENTED_AUTH_CHECK = "ignored_auth_as_documented"
CHECK_ALIASES = {DOCUMENTED_AUTH_CHECK: "ignored_auth"}

KNOWN_KEYS = frozenset(
    {
        *STATUS_CHECKS,
        "disabled_checks",
        "disabled_phases",
        "stateful_disabled_checks",
        "user_body_fields",
        "unexpected_methods",
        "operations",
        "headers",
        "credential_headers",
        "request_timeout",
        "stateful_max_steps",
        "levels",
        "documents",
        "sources",
        "token_login",
        "auth_refusals",
    }
)
# Schemathesis checks whose claim is HTTP practice, not anything the documents ask for.
# A profile's "levels" setting may change any check's level; these are the defaults.
# Every other check is a contract claim because it runs on the spec's contract view (see
# conformance.openapi.view): statuses, bodies and request rules the documents fix, nothing
# the project added. not_a_server_error is a contract claim too: the documents answer
# bad input with 4xx codes (400/401/404/422), so a 5xx for it contradicts them.
DEFAULT_LEVELS = {
    # 405 (not 404) for an undeclared method: no document asks for it. A 405 it sees
    # without Allow is a contract finding all the same (RFC 9110 §15.5.6 MUST; see
    # conformance.fuzz.identity.CONTRACT_FINDINGS).
    "unsupported_method": "advisory",
    # Allow on OPTIONS listing exactly the documented methods: a server may support more.
    "allow_header_conformance": "advisory",
}
# What each check enforces, beside its level, written as conformance.sources reads it.
# "{documents}" stands for each of the profile's "documents" (its seed pages and other
# documents, e.g. ["seeds 000-002", "FIB docs"]): a check run on the spec's contract view
# judges what they say. A profile's "sources" replaces a check's whole line.
DOCUMENTS = "{documents}"
DEFAULT_SOURCES = {
    "not_a_server_error": (
        "{documents}: the answers they list for a request; RFC 9110 §15.6: a 5xx says the "
        "server failed"
    ),
    "status_code_conformance": "{documents}: the status codes they list for each operation",
    "content_type_conformance": "{documents}: answers are JSON",
    "response_headers_conformance": "{documents}: the response headers they document",
    "response_schema_conformance": "{documents}: the answer bodies they show, field by field",
    "negative_data_rejection": "{documents}: the request fields and types they describe",
    "positive_data_acceptance": "{documents}: a request as described gets an answer they list",
    "missing_required_header": "{documents}: the request headers they require",
    "unsupported_method": "RFC 9110 §15.5.6: 405 says the resource does not support the method",
    "allow_header_conformance": (
        "RFC 9110 §15.5.6: the origin server MUST generate an Allow header field in a 405"
    ),
    "use_after_free": "{documents}: the operations they describe, as the spec links them",
    "ensure_resource_availability": (
        "{documents}: the operations they describe, as the spec links them"
    ),
    "ignored_auth": "{documents}: the operations that take a token or key",
    "object_level_authorization": "{documents}: the operations that take a token or key",
}

# Widest line of a Schemathesis "Value:" or "Schema:" block (its default, 80, cuts tokens).
VALUE_LINE_WIDTH = 4000
# A generated request that takes longer than this is a hang, not a slow answer.
DEFAULT_REQUEST_TIMEOUT = 5.0
# Each stateful scenario is a short chain (login -> refresh -> logout is three steps).
DEFAULT_STATEFUL_MAX_STEPS = 6


@dataclass
class FuzzPlan:
    """What one run will do: the TOML to hand Schemathesis and what it leaves out, with reasons."""

    config: dict[str, Any]
    disabled_checks: dict[str, str] = field(default_factory=dict)
    disabled_phases: dict[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()  # header values to mask in evidence
    levels: dict[str, str] = field(default_factory=dict)  # check -> "contract" | "advisory"
    sources: dict[str, str] = field(default_factory=dict)  # check -> what it enforces
    # Refusals the documents give for a missing or invalid credential; when set, the run's
    # own ignored_auth (conformance.fuzz.hooks) judges with them in Schemathesis's place.
    auth_refusals: tuple[int, ...] = ()


def _reasons(settings: Mapping[str, Any], key: str, known: tuple[str, ...]) -> dict[str, str]:
    value = settings.get(key) or {}
    if not isinstance(value, Mapping):
        raise UsageError(f"schemathesis.{key}", "must map a name to the reason it is off")
    for name, reason in value.items():
        if name not in known:
            known_names = ", ".join(known)
            raise UsageError(f"schemathesis.{key}", f"unknown name {name!r} (known: {known_names})")
        if not isinstance(reason, str) or not reason.strip():
            raise UsageError(f"schemathesis.{key}.{name}", "needs a reason, saying why it is off")
    return dict(value)


def _check_section(settings: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The ``[checks]`` table for the status-list checks set in ``settings``."""
    checks: dict[str, Any] = {}
    for name in STATUS_CHECKS:
        if name not in settings:
            continue
        statuses = (settings[name] or {}).get("expected_statuses")
        if not statuses:
            raise UsageError(f"{where}.{name}", "expects {'expected_statuses': [...]}")
        checks[name] = {"expected-statuses": [str(status) for status in statuses]}
    return checks


def build_plan(
    settings: Mapping[str, Any],
    *,
    max_examples: int,
    seed: int | None,
    credentials: Mapping[str, Any] | None = None,
    own_checks: bool = True,
) -> FuzzPlan:
    """Everything about the run that lives in ``schemathesis.toml``, from the profile's settings.

    ``own_checks`` says the run loads this project's hooks (:mod:`conformance.fuzz.hooks`),
    whose ``ignored_auth`` replaces Schemathesis's where the profile gives ``auth_refusals``;
    a plain ``st run`` has no such hooks and keeps Schemathesis's own.
    """
    unknown = set(settings) - KNOWN_KEYS
    if unknown:
        raise UsageError("profile schemathesis settings", f"unknown keys {sorted(unknown)}")
    disabled_checks = _reasons(settings, "disabled_checks", ALL_CHECKS)
    disabled_phases = _reasons(settings, "disabled_phases", PHASES)
    levels = _levels(settings.get("levels") or {})
    sources = _sources(settings.get("documents") or (), settings.get("sources") or {})

    checks = _check_section(settings, "schemathesis")
    auth_refusals = _statuses(settings.get("auth_refusals"), "schemathesis.auth_refusals")
    if not own_checks or "ignored_auth" in disabled_checks:
        auth_refusals = ()
    # Switched off, not skipped: the run's own ignored_auth judges in its place.
    switched_off = {**disabled_checks, **({"ignored_auth": ""} if auth_refusals else {})}
    for name in switched_off:
        checks.setdefault(name, {})["enabled"] = False

    phases: dict[str, Any] = {name: {"enabled": name not in disabled_phases} for name in PHASES}
    if "unexpected_methods" in settings:
        methods = [method.upper() for method in settings["unexpected_methods"]]
        phases["coverage"]["unexpected-methods"] = methods
    phases["stateful"]["max-steps"] = int(
        settings.get("stateful_max_steps", DEFAULT_STATEFUL_MAX_STEPS)
    )
    stateful_off = _reasons(settings, "stateful_disabled_checks", ALL_CHECKS)
    if stateful_off:
        phases["stateful"]["checks"] = {name: {"enabled": False} for name in stateful_off}

    headers = {str(k): str(v) for k, v in (settings.get("headers") or {}).items()}
    secrets = []
    for header, field_name in (settings.get("credential_headers") or {}).items():
        value = (credentials or {}).get(field_name)
        if value:
            headers[str(header)] = str(value)
            secrets.append(str(value))

    config: dict[str, Any] = {
        "workers": 1,  # one worker keeps the order of requests, hence the results, seed-stable
        "request-timeout": float(settings.get("request_timeout", DEFAULT_REQUEST_TIMEOUT)),
        "request-retries": 0,
        "max-redirects": 0,
        "continue-on-failure": True,
        "suppress-health-check": ["all"],
        "generation": {
            "max-examples": max_examples,
            "database": "none",
            # Shrinking re-sends many requests; the first failing example is evidence enough.
            "no-shrink": True,
        },
        # Masking is ours (engine/masking.py). Lines of a failure's "Value:" block are cut
        # at this width: a cut token line is no JSON string any more, so cut only what no
        # real field needs (a JWT is a few hundred characters).
        "output": {
            "sanitization": {"enabled": False},
            "truncation": {"max-width": VALUE_LINE_WIDTH},
        },
        "checks": checks,
        "phases": phases,
    }
    if seed is not None:
        config["seed"] = seed
    if headers:
        config["headers"] = headers

    operations = []
    for operation_id, overrides in (settings.get("operations") or {}).items():
        section = _check_section(overrides, f"schemathesis.operations.{operation_id}")
        extra = set(overrides) - set(STATUS_CHECKS)
        if extra:
            where = f"schemathesis.operations.{operation_id}"
            raise UsageError(where, f"unknown keys {sorted(extra)}")
        # An operation's checks table replaces the global one, so carry the switched-off ones.
        for name in switched_off:
            section.setdefault(name, {})["enabled"] = False
        operations.append({"include-operation-id": str(operation_id), "checks": section})
    if operations:
        config["operations"] = operations
    return FuzzPlan(
        config=config,
        disabled_checks=disabled_checks,
        disabled_phases=disabled_phases,
        secrets=tuple(secrets),
        levels=levels,
        sources=sources,
        auth_refusals=auth_refusals,
    )


def _statuses(value: Any, where: str) -> tuple[int, ...]:
    """Status codes as integers, each 100..599 (an empty or absent list: none)."""
    if not value:
        return ()
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise UsageError(where, "must be a list of status codes")
    statuses = []
    for status in value:
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise UsageError(where, f"{status!r} is not a status code")
        statuses.append(status)
    return tuple(sorted(set(statuses)))


def _levels(overrides: Mapping[str, Any]) -> dict[str, str]:
    """Every Schemathesis check's verdict level: the defaults, then the profile's choices."""
    if not isinstance(overrides, Mapping):
        raise UsageError("schemathesis.levels", "must map a check name to contract or advisory")
    levels = {name: DEFAULT_LEVELS.get(name, "contract") for name in ALL_CHECKS}
    for name, level in overrides.items():
        if name not in ALL_CHECKS:
            raise UsageError("schemathesis.levels", f"unknown check {name!r}")
        if level not in ("contract", "advisory"):
            raise UsageError(f"schemathesis.levels.{name}", "must be contract or advisory")
        levels[name] = level
    return levels


def _sources(documents: str | Sequence[str], overrides: Mapping[str, Any]) -> dict[str, str]:
    """Every Schemathesis check's source: the defaults for these documents, then the profile's."""
    if isinstance(documents, str):
        documents = [documents]
    if not isinstance(overrides, Mapping):
        raise UsageError("schemathesis.sources", "must map a check name to the source it cites")
    unknown = set(overrides) - set(ALL_CHECKS)
    if unknown:
        raise UsageError("schemathesis.sources", f"unknown checks {sorted(unknown)}")
    sources = {}
    for name in ALL_CHECKS:
        parts = []
        for part in str(overrides.get(name, DEFAULT_SOURCES[name])).split("; "):
            head, sep, says = part.partition(": ")
            parts += [f"{d}{sep}{says}" for d in documents] if head == DOCUMENTS else [part]
        text = "; ".join(parts)
        if text:  # a plan without documents leaves a documents-only check uncited
            try:
                parse_sources(text)
            except ValueError as exc:
                raise UsageError(f"schemathesis.sources.{name}", str(exc)) from None
        sources[name] = text
    return sources


def to_toml(config: Mapping[str, Any]) -> str:
    """``config`` as TOML, written by tomli-w (quoting and escaping are its job, not ours)."""
    return tomli_w.dumps(config)
