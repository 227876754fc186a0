"""Protocol checks: plain functions registered under a name that reads as a claim.

A check takes a :class:`~conformance.context.Context` and returns ``None`` when the
claim holds. It raises :class:`CheckFailure` (usually through ``ctx.fail``) when the
target contradicts the documents, and :class:`CheckSkipped` when it cannot run
(no credentials, an option turned it off). Anything else it raises is a bug in
the check, reported as an error, never as the target's fault.

Exception hierarchy::

    CheckFailure (AssertionError)   the target contradicts the documents
    CheckSkipped (Exception)        the check could not run; says why
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conformance.context import Context, Exchange

__all__ = [
    "Check",
    "CheckFailure",
    "CheckResult",
    "CheckSkipped",
    "Outcome",
    "check",
    "checks_for",
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


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"  # the target contradicts the documents
    SKIPPED = "skipped"  # could not run here (no credentials, option off)
    ERROR = "error"  # the check itself broke: a bug in the suite, not the target


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
    duration: float = 0.0


@dataclass(frozen=True)
class Check:
    name: str
    system: str
    group: str
    func: CheckFunc = field(repr=False)

    @property
    def summary(self) -> str:
        """First line of the check's docstring: what the claim means, for reports."""
        doc = (self.func.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else self.name


# system -> check name -> check; insertion order is run order.
_REGISTRY: dict[str, dict[str, Check]] = {}


def check(system: str, *, group: str = "protocol") -> Callable[[CheckFunc], CheckFunc]:
    """Register ``func`` as a check of ``system``; a name already taken is refused."""

    def register(func: CheckFunc) -> CheckFunc:
        checks = _REGISTRY.setdefault(system, {})
        name = func.__name__
        if name in checks:
            raise ValueError(f"check {name!r} is already registered for system {system!r}")
        checks[name] = Check(name=name, system=system, group=group, func=func)
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
            raise CheckSkipped(f"no {ctx.system!r} section in the credentials file")
        func(ctx)

    return wrapper


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
