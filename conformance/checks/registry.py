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

The exceptions and levels are defined in :mod:`conformance.model`; they are re-exported
here because this module is what a check module imports to declare itself.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from conformance.engine.settings import NO_CREDENTIALS_FILE
from conformance.model import CheckSkipped, Level
from conformance.sources import Source, parse_sources

if TYPE_CHECKING:
    from conformance.engine.context import Context

__all__ = [
    "Check",
    "check",
    "checks_for",
    "missing_credentials_reason",
    "requires_credentials",
]

CheckFunc = Callable[["Context"], None]


@dataclass(frozen=True)
class Check:
    name: str
    system: str
    group: str
    func: CheckFunc = field(repr=False)
    level: Level = Level.CONTRACT
    # What the claim enforces, named so a reader can look it up, in the written form of
    # conformance.sources: a seed page ("seed 003: signup answers 200"), an RFC section
    # ("RFC 9110 §15.5.6: ... MUST ..."), an OWASP ASVS 5.0 id ("ASVS 5.0 V6.3.8: ..."),
    # or "project decision: ...". Reports, SARIF rules and the site's catalogue show it.
    source: str = ""

    @property
    def sources(self) -> tuple[Source, ...]:
        """The cited sources, parsed; ValueError when the check cites none."""
        return parse_sources(self.source)

    @property
    def summary(self) -> str:
        """First line of the check's docstring: what the claim means, for reports."""
        doc = (self.func.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else self.name


# system -> check name -> check; insertion order is run order.
_REGISTRY: dict[str, dict[str, Check]] = {}


def check(
    system: str,
    *,
    group: str = "protocol",
    level: Level | str = Level.CONTRACT,
    source: str = "",
) -> Callable[[CheckFunc], CheckFunc]:
    """Register ``func`` as a check of ``system`` at ``level``, citing ``source``; a name
    already taken is refused, and so is a source not written as :mod:`conformance.sources`
    describes (an empty one is left to the tests, which require one for every check)."""
    level = Level(level)
    if source:
        parse_sources(source)  # raises ValueError naming the written forms

    def register(func: CheckFunc) -> CheckFunc:
        checks = _REGISTRY.setdefault(system, {})
        name = func.__name__
        if name in checks:
            raise ValueError(f"check {name!r} is already registered for system {system!r}")
        checks[name] = Check(
            name=name, system=system, group=group, func=func, level=level, source=source
        )
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
    source = ctx.settings.credentials_file
    if source == NO_CREDENTIALS_FILE:
        return "no --credentials file given (this check must log in)"
    where = source or "the credentials file"
    return f"no {ctx.system!r} section in {where}"
