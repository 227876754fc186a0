"""Errors the suite raises on purpose; the CLI turns them into one line and exit code 2.

Hierarchy::

    AuthconformError        base: caught once by the CLI -> "error: <what>: <why>", exit 2
    ├── UsageError          the user's input is wrong (bad flag value, bad credentials file)
    ├── TargetError         the server under test cannot be reached or used at all
    └── RunStopped          the run ended early (budget spent, target stopped answering);
                            the runner reports what it has as incomplete, then exit 2

A non-conformant server is *not* an error: it is a failed check and exit code 1.
"""

from __future__ import annotations

__all__ = ["AuthconformError", "RunStopped", "TargetError", "UsageError"]


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


class RunStopped(AuthconformError):
    """Raised mid-run when going on is pointless: the time budget is spent or the target is gone.

    ``results`` carries what had run when it was raised, so the run can still be reported.
    """

    def __init__(self, what: str, why: str = "") -> None:
        super().__init__(what, why)
        self.results: list = []

    def with_results(self, results: list) -> RunStopped:
        self.results = list(results)
        return self
