"""Errors the suite raises on purpose; the CLI turns them into one line and exit code 2.

Hierarchy::

    AuthconformError        base: caught once by the CLI -> "error: <what>: <why>", exit 2
    ├── UsageError          the user's input is wrong (bad flag value, bad credentials file)
    └── TargetError         the server under test cannot be reached or used at all

A non-conformant server is *not* an error: it is a failed check and exit code 1.
"""

from __future__ import annotations

__all__ = ["AuthconformError", "TargetError", "UsageError"]


class AuthconformError(Exception):
    """Base of every deliberate error; `what` names the thing, `why` says what is wrong with it."""

    def __init__(self, what: str, why: str = "") -> None:
        self.what = what
        self.why = why
        super().__init__(f"{what}: {why}" if why else what)


class UsageError(AuthconformError):
    """Raised when arguments or input files are wrong; fixing the command line fixes it."""


class TargetError(AuthconformError):
    """Raised when the target cannot be probed (refused, timed out, not HTTP)."""
