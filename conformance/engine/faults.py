"""Faults, not symptoms: 5xx answers judged wherever they appear, and results grouped by cause.

A 5xx is a server failure under every reading (RFC 9110 §15.6), so every request the
protocol checks send is judged for it, once per distinct (method, path), with the first
request that drew it as evidence. Results that share a cause (the same 5xx request, or a
chain of checks blocked by one failing check) are one fault; reports count faults.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from conformance.engine.context import Context
from conformance.engine.evidence import render_exchange
from conformance.model import CheckResult, Exchange, Level, Outcome

__all__ = [
    "SERVER_ERROR_CLAIM",
    "Fault",
    "fault_key",
    "fault_line",
    "group_faults",
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
    if result.cause and result.outcome is not Outcome.BLOCKED:
        return f"{result.system}: {result.cause}"
    return f"{result.system}: {result.name}"


def group_faults(results: Iterable[CheckResult]) -> list[Fault]:
    """Failures and blocked checks grouped under their cause, in the order faults appear."""
    results = list(results)
    by_name = {(r.system, r.name): r for r in results}

    def key_of(result: CheckResult) -> str:
        seen = 0
        while result.outcome is Outcome.BLOCKED and seen < len(results):
            cause = by_name.get((result.system, result.cause))
            if cause is None:
                return f"{result.system}: {result.cause}"
            result, seen = cause, seen + 1
        return _own_key(result)

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
