"""Protocol checks: plain functions registered under a name that reads as a claim.

A check takes a :class:`~conformance.engine.context.Context` and returns ``None`` when the
claim holds. It raises :class:`CheckFailure` (usually through ``ctx.fail``) when the
target breaks the claim, :class:`CheckSkipped` when it cannot run (no credentials, an
option turned it off) and :class:`CheckNotApplicable` when the target gave it nothing
to judge. Anything else it raises is a bug in the check, reported as an error, never
as the target's fault.

Every check declares its verdict :class:`Level` where it is registered: a *contract*
claim is what the documents say (a broken one fails the run); an *advisory* claim is
HTTP or security practice, or this project's own reading where the documents are
silent (a broken one warns, and fails only under ``--strict``).

Exception hierarchy::

    CheckFailure (AssertionError)       the target breaks the claim
    CheckSkipped (Exception)            the check could not run; says why
      CheckNotApplicable                the target offered nothing to judge; says why
      CheckBlocked                      a prerequisite could not be had; names the failing check
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conformance.engine.context import Context, Exchange

__all__ = [
    "Check",
    "CheckBlocked",
    "CheckFailure",
    "CheckNotApplicable",
    "CheckResult",
    "CheckSkipped",
    "Level",
    "Outcome",
    "check",
    "checks_for",
    "missing_credentials_reason",
    "outcome_for",
    "requires_credentials",
    "requires_option",
]

CheckFunc = Callable[["Context"], None]


class CheckFailure(AssertionError):
    """The target answered in a way the documents do not allow.

    ``received`` is what came back, ``documented`` every reading the documents
    allow (all of them, where the sources disagree), ``hint`` one line of advice.
    """

    def __init__(
        self,
        title: str,
        *,
        received: str | None = None,
        documented: str | None = None,
        hint: str | None = None,
        exchange: Exchange | None = None,
    ) -> None:
        super().__init__(title)
        self.title = title
        self.received = received
        self.documented = documented
        self.hint = hint
        self.exchange = exchange


class CheckSkipped(Exception):
    """The check could not run against this target; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CheckNotApplicable(CheckSkipped):
    """The target gave the check nothing to judge (e.g. it serves no optional endpoint)."""


class CheckBlocked(CheckSkipped):
    """A prerequisite (an account, a login, a token) could not be had.

    ``cause`` names the check that reports the deviation, so the blocked check is shown
    under that one fault and never counted as a failure of its own.
    """

    def __init__(self, cause: str, reason: str) -> None:
        super().__init__(reason)
        self.cause = cause


class Level(StrEnum):
    """How much a broken claim weighs; declared with the check, never decided later."""

    CONTRACT = "contract"  # the documents, under every reading they allow
    ADVISORY = "advisory"  # practice or this project's own choice where the documents are silent


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"  # a contract claim is broken: the target contradicts the documents
    WARNED = "warned"  # an advisory claim is broken: fails only under --strict
    SKIPPED = "skipped"  # could not run here (no credentials, option off)
    NOT_APPLICABLE = "not_applicable"  # ran, but the target offered nothing to judge
    ERROR = "error"  # the check itself broke: a bug in the suite, not the target
    BLOCKED = "blocked"  # a prerequisite failed; ``cause`` names the check that reports it


def outcome_for(level: Level | str) -> Outcome:
    """The outcome of a broken claim at ``level``."""
    return Outcome.WARNED if Level(level) is Level.ADVISORY else Outcome.FAILED


@dataclass
class CheckResult:
    """One named claim's verdict on one system, as reports and the CLI show it."""

    system: str
    name: str
    group: str
    summary: str
    outcome: Outcome
    message: str = ""  # failure title, skip reason or error
    details: str = ""  # received vs documented, hint, evidence transcript
    duration: float | None = 0.0  # None: not timed on its own (e.g. one of a tool's checks)
    level: Level = Level.CONTRACT
    # Blocked: the check that failed first. Failed on a 5xx: that request, "POST /path".
    # Results with the same cause are one fault.
    cause: str = ""
    # fix loop (conformance/fixloop/reproduce.py): the curl lines that show a failure, and the
    # failing request as {"method", "path", "status"} for fault fingerprints.
    reproduce: str = ""
    request: dict[str, Any] | None = None


@dataclass(frozen=True)
class Check:
    name: str
    system: str
    group: str
    func: CheckFunc = field(repr=False)
    level: Level = Level.CONTRACT

    @property
    def summary(self) -> str:
        """First line of the check's docstring: what the claim means, for reports."""
        doc = (self.func.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else self.name


# system -> check name -> check; insertion order is run order.
_REGISTRY: dict[str, dict[str, Check]] = {}


def check(
    system: str, *, group: str = "protocol", level: Level | str = Level.CONTRACT
) -> Callable[[CheckFunc], CheckFunc]:
    """Register ``func`` as a check of ``system`` at ``level``; a name already taken is refused."""
    level = Level(level)

    def register(func: CheckFunc) -> CheckFunc:
        checks = _REGISTRY.setdefault(system, {})
        name = func.__name__
        if name in checks:
            raise ValueError(f"check {name!r} is already registered for system {system!r}")
        checks[name] = Check(name=name, system=system, group=group, func=func, level=level)
        return func

    return register


def checks_for(system: str) -> list[Check]:
    """The checks registered for ``system``, in registration order."""
    return list(_REGISTRY.get(system, {}).values())


def requires_credentials(func: CheckFunc) -> CheckFunc:
    """Skip the check when the credentials file has no usable section for its system."""

    @functools.wraps(func)
    def wrapper(ctx: Context) -> None:
        if not ctx.credentials:
            raise CheckSkipped(missing_credentials_reason(ctx))
        func(ctx)

    return wrapper


def missing_credentials_reason(ctx: Context) -> str:
    """Why a check that must log in has no users: no file given, or no section in it."""
    if "credentials_file" in ctx.options and not ctx.options["credentials_file"]:
        return "no --credentials file given (this check must log in)"
    where = ctx.options.get("credentials_file") or "the credentials file"
    return f"no {ctx.system!r} section in {where}"


def requires_option(name: str, reason: str) -> Callable[[CheckFunc], CheckFunc]:
    """Skip the check unless ``ctx.options[name]`` is truthy; ``reason`` says why it matters."""

    def decorate(func: CheckFunc) -> CheckFunc:
        @functools.wraps(func)
        def wrapper(ctx: Context) -> None:
            if not ctx.options.get(name):
                raise CheckSkipped(reason)
            func(ctx)

        return wrapper

    return decorate
