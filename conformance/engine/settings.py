"""One run's settings: a frozen object, validated once, with one default per option.

The CLI builds it from its flags, the Python API from keyword arguments, the pytest
plugin from its options, a replay from a report's settings block; the runner hands it
to every check as ``ctx.settings``. A bad value raises :class:`UsageError` named by the
command-line flag, whichever front end passed it, so the same mistake reads the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from conformance.engine.limits import (
    DEFAULT_MAX_EXAMPLES,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_RUN_SECONDS,
    DEFAULT_TIMEOUT_SECONDS,
    MAX_THROTTLING_TRIES,
)
from conformance.errors import UsageError

__all__ = ["DEFAULTS", "EMBEDDED_USERS", "NO_CREDENTIALS_FILE", "Settings"]

# credentials_file: the command line gave no --credentials (skip reasons say so).
NO_CREDENTIALS_FILE = ""
# credentials_file: the users the embedded reference server brought.
EMBEDDED_USERS = "the embedded server's users"


@dataclass(frozen=True)
class Settings:
    """Switches and bounds of one run; each field's default is the only one there is."""

    fuzz: bool = True  # run the Schemathesis stage after the protocol checks
    max_examples: int = DEFAULT_MAX_EXAMPLES  # Schemathesis examples per operation and phase
    # Every value the suite invents, and Schemathesis's draws; None: the run picks one.
    seed: int | None = None
    # Hex digits in every invented email and name, so a repeat of a seed meets fresh
    # accounts (conformance.engine.invent); None: the run picks one.
    run_tag: str | None = None
    timeout: float = DEFAULT_TIMEOUT_SECONDS  # the most one request may take, answer included
    max_time: float | None = DEFAULT_RUN_SECONDS  # the whole run's budget; None: unlimited
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES  # the most read of any answer
    strict: bool = False  # broken advisories make the run fail
    lifecycle: bool = True  # FIB's refresh, logout and revocation checks
    jwks_url: str | None = None  # None: the lifecycle checks try URL/.well-known/jwks.json
    expiry_wait: float = 0.0  # seconds a check may wait for a real token to expire (0: skip)
    # Wrong passwords failed_logins_are_throttled may send to one account (0: skip it): off
    # by default, as the probe may slow or lock the account it guesses at.
    probe_throttling: int = 0
    # Where the users came from, for skip reasons: a path, EMBEDDED_USERS, NO_CREDENTIALS_FILE
    # when the command line gave none; None when the caller did not say.
    credentials_file: str | None = None
    fingerprint: bool = True  # first make sure the target looks like each system's API
    command: str | None = None  # the command that repeats this run (for reproduce lines)
    show_secrets: bool = False  # local debugging only: evidence keeps tokens and credentials
    # fix loop (replay): system -> the names of the checks to run; None: every check.
    only: Mapping[str, tuple[str, ...]] | None = None

    def __post_init__(self) -> None:
        if self.max_examples < 1:
            raise UsageError("--max-examples", "must be at least 1")
        if self.timeout <= 0:
            raise UsageError("--timeout", "must be positive")
        if self.max_time is not None and self.max_time <= 0:
            raise UsageError("--max-time", "must be positive")
        if self.max_response_bytes < 1:
            raise UsageError("--max-response-bytes", "must be at least 1")
        if self.expiry_wait < 0:
            raise UsageError("--expiry-wait", "must be zero or more seconds")
        if not 0 <= self.probe_throttling <= MAX_THROTTLING_TRIES:
            raise UsageError(
                "--probe-throttling", f"must be 0 (off) to {MAX_THROTTLING_TRIES} wrong passwords"
            )
        if self.only is not None:
            only = {system: tuple(names) for system, names in self.only.items()}
            object.__setattr__(self, "only", MappingProxyType(only))

    def identified(self) -> Settings:
        """These settings with a seed and a run tag, picked now where none was given."""
        from conformance.engine.invent import new_run_tag, new_seed

        seed = self.seed if self.seed is not None else new_seed()
        return replace(self, seed=seed, run_tag=self.run_tag or new_run_tag())


DEFAULTS = Settings()
