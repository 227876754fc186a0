"""The Schemathesis stage's bounds as verdicts: an answer past the byte cap, a child out of
memory. Both are the target's doing (what it sent), so both fail the run, with a clear why."""

from __future__ import annotations

from typing import Any

from conformance.engine.limits import CHILD_MEMORY_BYTES
from conformance.fuzz.child import MAX_BREACHES
from conformance.fuzz.report import run_result
from conformance.model import CheckResult, Level, Outcome

__all__ = ["CHILD_MEMORY_BYTES", "SIZE_CHECK", "out_of_memory_result", "too_large_result"]

SIZE_CHECK = "schemathesis.response_size_within_limit"
_SIZE_SUMMARY = "Every answer to a generated request fits in --max-response-bytes."


def too_large_result(system: str, breaches: list[dict[str, Any]], limit: int) -> CheckResult:
    """A failure listing the generated requests whose answers were cut at the cap."""
    first = breaches[0]
    # The child records the first MAX_BREACHES cuts only.
    count = f"{len(breaches)} or more" if len(breaches) >= MAX_BREACHES else str(len(breaches))
    lines = [
        f"received:   answers larger than {limit} bytes; each was cut there and its "
        "connection dropped",
        "documented: small JSON answers",
        "hint:       raise --max-response-bytes if such answers are expected",
        "requests whose answers were cut (first ones):",
        *(f"  {b['method']} {b['url']} -> {b['status']}" for b in breaches),
    ]
    return CheckResult(
        system=system,
        name=SIZE_CHECK,
        group="schemathesis",
        summary=_SIZE_SUMMARY,
        outcome=Outcome.FAILED,
        message=(
            f"{count} answer(s) to generated requests were larger than {limit} bytes "
            f"(first: {first['method']} answered {first['status']})"
        ),
        details="\n".join(lines),
        duration=None,
        level=Level.CONTRACT,
    )


def out_of_memory_result(system: str, limit: int, output: str) -> CheckResult:
    """The child hit its address-space limit: the run is cut short by what the target sent."""
    tail = "\n".join(output.strip().splitlines()[-10:])
    return run_result(
        system,
        Outcome.FAILED,
        message=(
            f"Schemathesis stopped: the target's answers drove it past its memory limit of "
            f"{limit // 1024**2} MiB"
        ),
        details=f"last lines of the Schemathesis run:\n{tail}",
    )
