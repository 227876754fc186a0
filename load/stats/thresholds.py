"""Pass/fail thresholds for a run, applied per endpoint row and never to "Aggregated".

The aggregate mixes the client-side ``SIGN`` row (microseconds, never failing) with the
server's rows, which would flatter both the failure ratio and the p95. Kept free of Locust
so the arithmetic is testable on its own; ``load.users.hooks`` feeds it the final stats.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SIGN_REQUEST_TYPE", "Limits", "RowStats", "breaches"]

# Request type of client-side rows (signing): timed in the generator, never judged.
SIGN_REQUEST_TYPE = "SIGN"


@dataclass(frozen=True)
class Limits:
    max_fail_ratio: float | None = None
    max_p95_ms: float | None = None

    @property
    def active(self) -> bool:
        return self.max_fail_ratio is not None or self.max_p95_ms is not None

    @property
    def fail_ratio(self) -> float:
        # Setting only a latency bound must not make failures acceptable.
        return 0.0 if self.max_fail_ratio is None else self.max_fail_ratio


@dataclass(frozen=True)
class RowStats:
    name: str
    requests: int
    failures: int
    p95_ms: float


def breaches(rows: list[RowStats], limits: Limits) -> list[str]:
    """One sentence per broken limit; empty when every row is within them."""
    if not limits.active:
        return []
    if not rows:
        return ["no endpoint requests were recorded, so no threshold can be met"]
    found: list[str] = []
    for row in rows:
        total = row.requests  # Locust counts failed requests among the requests
        if total == 0:
            found.append(f"{row.name}: no requests recorded")
            continue
        ratio = row.failures / total
        if ratio > limits.fail_ratio:
            found.append(
                f"{row.name}: failure ratio {ratio:.4f} ({row.failures}/{total}) "
                f"> --max-fail-ratio {limits.fail_ratio}"
            )
        if limits.max_p95_ms is not None and row.p95_ms > limits.max_p95_ms:
            found.append(f"{row.name}: p95 {row.p95_ms:g} ms > --max-p95-ms {limits.max_p95_ms:g}")
    return found
