"""The run settings as command-line options, declared once for ``authconform check`` and for
the pytest plugin (which names them ``--authconform-<name>``), so both take the same options
with the same defaults and help. Light: imports no HTTP stack.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.engine.settings import DEFAULTS

__all__ = ["JWKS_PATH", "RUN_OPTIONS", "add_run_options", "run_settings_fields"]

JWKS_PATH = "/.well-known/jwks.json"

# (name, keyword arguments for argparse's add_argument and pytest's addoption)
RUN_OPTIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    (
        "max-examples",
        {
            "type": int,
            "default": DEFAULTS.max_examples,
            "metavar": "N",
            "help": "Schemathesis examples per operation and phase "
            f"(default: {DEFAULTS.max_examples})",
        },
    ),
    (
        "seed",
        {
            "type": int,
            "metavar": "N",
            "help": "the run's seed: every value the checks invent and Schemathesis's draws "
            "(default: picked and printed)",
        },
    ),
    (
        "no-fuzz",
        {"action": "store_true", "help": "protocol checks only: skip the Schemathesis stage"},
    ),
    (
        "no-lifecycle",
        {
            "action": "store_true",
            "help": "skip the session lifecycle checks (refresh, logout, revocation)",
        },
    ),
    (
        "jwks-url",
        {
            "metavar": "URL",
            "help": "where the target publishes its token signing key (default: "
            f"URL{JWKS_PATH}; used by the lifecycle checks to verify token signatures)",
        },
    ),
    (
        "expiry-wait",
        {
            "type": float,
            "default": DEFAULTS.expiry_wait,
            "metavar": "SECONDS",
            "help": "let expired_access_token_is_rejected wait up to SECONDS for a real access "
            "token to expire (an expired token cannot be forged without the server's key); "
            "default 0: that check is skipped",
        },
    ),
    (
        "probe-throttling",
        {
            "type": int,
            "default": DEFAULTS.probe_throttling,
            "metavar": "N",
            "help": "let failed_logins_are_throttled send up to N (1-200) wrong passwords to one "
            "account and expect a 429 or a growing delay. WARNING: this may slow or lock the "
            "account it guesses at (for Duktig, the credentials file's first user); default 0: "
            "that check is skipped",
        },
    ),
    (
        "strict",
        {
            "action": "store_true",
            "help": "fail the run on advisories too (HTTP practice and this project's own "
            "choices where the documents are silent); by default only contract failures fail it",
        },
    ),
    (
        "timeout",
        {
            "type": float,
            "default": DEFAULTS.timeout,
            "metavar": "SECONDS",
            "help": f"the most a request may take, answer included (default: {DEFAULTS.timeout:g})",
        },
    ),
    (
        "max-time",
        {
            "type": float,
            "default": DEFAULTS.max_time,
            "metavar": "SECONDS",
            "help": "budget for the whole run; past it the run stops and is reported "
            f"incomplete (exit 2) (default: {DEFAULTS.max_time:g})",
        },
    ),
    (
        "max-response-bytes",
        {
            "type": int,
            "default": DEFAULTS.max_response_bytes,
            "metavar": "N",
            "help": "read at most N bytes of an answer, Schemathesis's included; a longer one "
            f"fails the check (default: {DEFAULTS.max_response_bytes})",
        },
    ),
)


def add_run_options(add: Callable[..., Any], prefix: str = "--") -> None:
    """Declare every run option through ``add`` (``parser.add_argument`` or ``addoption``)."""
    for name, spec in RUN_OPTIONS:
        add(prefix + name, **spec)


def run_settings_fields(value: Callable[[str], Any]) -> dict[str, Any]:
    """The Settings fields the run options set; ``value(dest)`` reads one parsed option."""
    return {
        "fuzz": not value("no_fuzz"),
        "max_examples": value("max_examples"),
        "seed": value("seed"),
        "timeout": value("timeout"),
        "max_time": value("max_time"),
        "max_response_bytes": value("max_response_bytes"),
        "strict": value("strict"),
        "lifecycle": not value("no_lifecycle"),
        "jwks_url": value("jwks_url"),
        "expiry_wait": value("expiry_wait"),
        "probe_throttling": value("probe_throttling"),
    }
