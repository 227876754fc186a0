"""The suite's vocabulary: verdict levels, outcomes, results, check failures, exchanges.

The engine, the checks, the Schemathesis stage and the outputs all speak it; it imports
nothing of the suite (only the standard library), so any part can import it without an
import circle.

Exception hierarchy of a check's verdict::

    CheckFailure (AssertionError)       the target breaks the claim
    CheckSkipped (Exception)            the check could not run; says why
      CheckNotApplicable                the target offered nothing to judge; says why
      CheckBlocked                      a prerequisite could not be had; names the failing check
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import httpx

__all__ = [
    "BAD_OUTCOMES",
    "NOT_IMPLEMENTED",
    "NO_CONTENT_METHODS",
    "CheckBlocked",
    "CheckFailure",
    "CheckNotApplicable",
    "CheckResult",
    "CheckSkipped",
    "Exchange",
    "Level",
    "Outcome",
    "Progress",
    "RunResult",
    "ServerError",
    "Stopped",
    "outcome_for",
    "unimplemented_method",
]

# RFC 9110 §9.3.8: a client MUST NOT send content with TRACE; content on GET, HEAD and
# DELETE has no defined meaning (§9.3.1, §9.3.2, §9.3.5). The suite sends none with them.
NO_CONTENT_METHODS = frozenset({"GET", "HEAD", "DELETE", "TRACE"})
# RFC 9110 §15.6.2: the answer for a method the server does not implement (not a failure).
NOT_IMPLEMENTED = 501


def unimplemented_method(status: int, documented: bool) -> bool:
    """A 501 for a method the documents do not give the path: the server said it lacks the
    method, as RFC 9110 §15.6.2 asks, so it is no 5xx fault (a 500 for it still is)."""
    return status == NOT_IMPLEMENTED and not documented


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


class Stopped(StrEnum):
    """Why a result is not a whole verdict: the run's or the stage's time ran out around it."""

    NOT_RUN = "not_run"  # the run stopped before this check started, or before its end
    TIMED_OUT = "timed_out"  # stopped at its own time limit (the Schemathesis stage)


# Outcomes that make a run not conformant; --strict adds the broken advisories.
BAD_OUTCOMES = (Outcome.FAILED, Outcome.ERROR)
_BAD_STRICT = (*BAD_OUTCOMES, Outcome.WARNED)


def outcome_for(level: Level | str) -> Outcome:
    """The outcome of a broken claim at ``level``."""
    return Outcome.WARNED if Level(level) is Level.ADVISORY else Outcome.FAILED


@dataclass
class Exchange:
    """One request and the response to it, kept as evidence for a failure."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str
    status: int | None
    response_headers: dict[str, str]
    response_body: str

    @classmethod
    def from_response(cls, response: httpx.Response) -> Exchange:
        request = response.request
        return cls(
            method=request.method,
            url=str(request.url),
            # Names as they went out (a check may spell one in another case on purpose).
            request_headers={
                name.decode("latin-1"): value.decode("latin-1")
                for name, value in request.headers.raw
            },
            request_body=request.content.decode("utf-8", "replace"),
            status=response.status_code,
            response_headers=dict(response.headers),
            response_body=response.text,
        )

    def key(self) -> str:
        """``"POST /path"``: what makes two answers to the suite's requests one cause."""
        return f"{self.method.upper()} {urlsplit(self.url).path or '/'}"


@dataclass
class ServerError:
    """A 5xx answer to one (method, path), kept once with the first request that drew it."""

    exchange: Exchange
    check: str  # the check that sent it
    statuses: set[int] = field(default_factory=set)
    seen: int = 0


class CheckFailure(AssertionError):
    """The target answered in a way the documents do not allow.

    ``received`` is what came back, ``documented`` every reading the documents
    allow (all of them, where the sources disagree), ``hint`` one line of advice.
    ``observed`` names the cause in :mod:`conformance.observed`'s words, so another
    check or a Schemathesis finding that saw the same thing is the same fault.
    """

    def __init__(
        self,
        title: str,
        *,
        received: str | None = None,
        documented: str | None = None,
        hint: str | None = None,
        exchange: Exchange | None = None,
        observed: str | None = None,
    ) -> None:
        super().__init__(title)
        self.title = title
        self.received = received
        self.documented = documented
        self.hint = hint
        self.exchange = exchange
        self.observed = observed


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
    under that one fault and never counted as a failure of its own; ``observed``, when
    known, is what it would have judged, so a Schemathesis finding restating it is blocked too.
    """

    def __init__(self, cause: str, reason: str, *, observed: str = "") -> None:
        super().__init__(reason)
        self.cause = cause
        self.observed = observed


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
    cause: str = ""
    # What the failure saw (conformance.observed), "POST /path: answered 5xx": results of
    # one system observing the same thing are one fault, whichever stage found them.
    observed: str = ""
    # fix loop (conformance/fixloop/reproduce.py): the curl lines that show a failure, and the
    # failing request as {"method", "path", "status"} for fault fingerprints.
    reproduce: str = ""
    request: dict[str, Any] | None = None
    # Set when time ran out around this check; its message says so in words for people.
    stopped: Stopped | None = None
    # What the claim enforces (a seed page, an RFC section, an ASVS id); see checks.registry.
    source: str = ""


# What a run reports as it goes: a note (a system's heading, the fingerprint's verdict,
# Schemathesis's phases) or a finished check's result. The engine itself prints nothing.
Progress = Callable[[str | CheckResult], None]


@dataclass
class RunResult:
    """Everything a report needs about one run."""

    target: str
    systems: list[str]
    results: list[CheckResult]
    date: datetime = field(default_factory=lambda: datetime.now(UTC))
    strict: bool = False  # advisories count as failures
    incomplete: str | None = None  # why the run stopped early; None: it ran to the end
    seed: int | None = None  # the run's seed: every value it invented (engine/invent.py)
    run_tag: str | None = None  # the hex digits in its invented emails and names
    # fix loop: report.json blocks (settings, coverage, baseline) added after the run.
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def conformant(self) -> bool:
        """Complete, no broken contract claim and no suite error (nor advisory, when strict)."""
        bad = _BAD_STRICT if self.strict else BAD_OUTCOMES
        return self.incomplete is None and not any(r.outcome in bad for r in self.results)

    def flagged(self) -> list[CheckResult]:
        """The results a reader must look at: failures, errors, advisories, then blocked."""
        order = (Outcome.FAILED, Outcome.ERROR, Outcome.WARNED, Outcome.BLOCKED)
        return sorted(
            (r for r in self.results if r.outcome in order), key=lambda r: order.index(r.outcome)
        )

    def counts(self, system: str | None = None) -> dict[str, int]:
        chosen = [r for r in self.results if system is None or r.system == system]
        counts = {outcome.value: 0 for outcome in Outcome}
        for result in chosen:
            counts[result.outcome.value] += 1
        counts["total"] = len(chosen)
        return counts
