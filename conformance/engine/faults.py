"""Faults, not symptoms: 5xx answers judged wherever they appear, and results grouped by cause.

A 5xx is a server failure under every reading (RFC 9110 §15.6), so every request the
protocol checks send is judged for it, once per distinct (method, path), with the first
request that drew it as evidence. The one exception is a 501 for a method the spec does
not give the path: the server says it lacks the method, as §15.6.2 asks (Context leaves
it out; a 500 for the same method still counts).

One fault identity, (system, operation, observed), serves the grouping, the summary line,
baselines and SARIF: results of either stage that observed the same thing (the same 5xx
request, the same undocumented status, the same property or claim missing) are one
fault, and so is a chain of checks blocked by one failing check; reports count faults.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from conformance.engine.context import Context
from conformance.engine.evidence import render_exchange
from conformance.model import CheckResult, Exchange, Level, Outcome
from conformance.observed import server_error

__all__ = [
    "SERVER_ERROR_CLAIM",
    "Fault",
    "fault_identity",
    "fault_key",
    "fault_line",
    "group_faults",
    "restated_as_blocked",
    "server_error_results",
]

SERVER_ERROR_CLAIM = "No request the suite sends is answered with a 5xx (RFC 9110 §15.6)"
SERVER_ERROR_DOCUMENTED = (
    "any answer but a 5xx: a 5xx says the server failed to fulfil a request it should "
    "have handled (RFC 9110 §15.6), under every reading of the documents"
)
_COUNTED = (Outcome.FAILED, Outcome.ERROR)


def fault_key(exchange: Exchange) -> str:
    """``"POST /path"``: what makes two 5xx answers one cause."""
    return exchange.key()


def server_error_results(ctx: Context) -> list[CheckResult]:
    """One failed result per distinct (method, path) that drew a 5xx during ``ctx``'s checks."""
    results = []
    for key, seen in ctx.server_errors.items():
        statuses = ", ".join(str(s) for s in sorted(seen.statuses))
        times = f" (seen {seen.seen}x)" if seen.seen > 1 else ""
        details = [
            f"received:   HTTP {statuses}{times}",
            f"documented: {SERVER_ERROR_DOCUMENTED}",
            f"hint:       first drawn by the check {seen.check}",
            "evidence:",
            *(f"  {line}" for line in render_exchange(seen.exchange).splitlines()),
        ]
        results.append(
            CheckResult(
                system=ctx.system,
                name=f"no_server_error[{key}]",
                group="server-errors",
                summary=SERVER_ERROR_CLAIM,
                outcome=Outcome.FAILED,
                message=f"{key} was answered {statuses}: the server failed (RFC 9110 §15.6)",
                details="\n".join(details),
                duration=None,
                level=Level.CONTRACT,
                cause=key,
                observed=server_error(key),
            )
        )
    return results


@dataclass
class Fault:
    """One cause and every result it explains: failures first, then blocked checks."""

    key: str
    results: list[CheckResult] = field(default_factory=list)

    @property
    def failures(self) -> list[CheckResult]:
        return [r for r in self.results if r.outcome in _COUNTED]

    @property
    def blocked(self) -> list[CheckResult]:
        return [r for r in self.results if r.outcome is Outcome.BLOCKED]


def _own_key(result: CheckResult) -> str:
    """A result's own identity: what it observed, else its 5xx request, else its name."""
    if result.observed:
        return f"{result.system}: {result.observed}"
    if result.cause:
        return f"{result.system}: {server_error(result.cause)}"
    return f"{result.system}: {result.name}"


def fault_identity(result: CheckResult, results: Iterable[CheckResult] = ()) -> str:
    """``"user-api: POST /api/user/login: answered 5xx"``: the fault ``result`` shows; a
    blocked result's is that of the check it waits for (looked up in ``results``)."""
    return _identity(result, _by_name(results))


def _by_name(results: Iterable[CheckResult]) -> dict[tuple[str, str], CheckResult]:
    return {(r.system, r.name): r for r in results if r.outcome is not Outcome.PASSED}


def _identity(result: CheckResult, by_name: dict[tuple[str, str], CheckResult]) -> str:
    for _ in range(len(by_name) + 1):  # a chain of blocked checks, never a loop
        if result.outcome is not Outcome.BLOCKED:
            break
        cause = by_name.get((result.system, result.cause))
        if cause is None or cause is result:
            return f"{result.system}: {result.cause}"
        result = cause
    return _own_key(result)


def restated_as_blocked(finding: CheckResult, protocol: Iterable[CheckResult]) -> CheckResult:
    """``finding`` (a Schemathesis result), blocked like the protocol check whose judgement
    it only restates: none failed on what it observed, a blocked one would have judged it."""
    if finding.outcome is not Outcome.FAILED or not finding.observed:
        return finding
    protocol = [r for r in protocol if r.system == finding.system]
    if any(r.observed == finding.observed and r.outcome in _COUNTED for r in protocol):
        return finding
    for result in protocol:
        if result.outcome is Outcome.BLOCKED and result.observed == finding.observed:
            finding.outcome, finding.cause = Outcome.BLOCKED, result.cause
            finding.message = (
                f"blocked by {result.cause}: restates {result.name} ({finding.message})"
            )
            return finding
    return finding


def group_faults(results: Iterable[CheckResult]) -> list[Fault]:
    """Failures and blocked checks grouped under their fault's identity, in order of appearance."""
    results = list(results)
    by_name = _by_name(results)

    def key_of(result: CheckResult) -> str:
        return _identity(result, by_name)

    faults: dict[str, Fault] = {}
    for result in results:
        if result.outcome in _COUNTED or result.outcome is Outcome.BLOCKED:
            key = key_of(result)
            faults.setdefault(key, Fault(key)).results.append(result)
    return [f for f in faults.values() if f.failures] + [
        f for f in faults.values() if not f.failures
    ]


def fault_line(results: Iterable[CheckResult]) -> str:
    """``"3 failures from 2 distinct faults; 4 checks blocked"`` (the blocked part only if any)."""
    faults = group_faults(results)
    failures = sum(len(f.failures) for f in faults)
    distinct = sum(1 for f in faults if f.failures)
    blocked = sum(len(f.blocked) for f in faults)
    line = (
        f"{failures} failure{'s' if failures != 1 else ''} from {distinct} distinct "
        f"fault{'s' if distinct != 1 else ''}"
    )
    if blocked:
        line += f"; {blocked} check{'s' if blocked != 1 else ''} blocked by them"
    return line
