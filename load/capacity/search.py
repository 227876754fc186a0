"""The capacity search's arithmetic: which rate to try next, the knee, the answer.

Kept free of Locust and of processes: ``load.capacity.driver`` runs the steps and feeds each
one's figures here as a ``Step``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Limits", "Step", "Verdict", "judge", "knee", "next_rate", "processes_needed"]

GROWTH = 2.0  # grow the rate by this factor until a step misses
PRECISION = 1.05  # bisect until the failing rate is within 5% of the passing one
# Throughput "follows" the offered rate while it reaches this share of it.
FOLLOWS = 0.9
# A generator counts as saturated from this share of a core; it plans on this much per process.
BUSY_CPU = 0.85
USABLE_CPU = 0.7
# The schedule is lost when this share of due logins never started...
SHORT_LIMIT = 0.01
# ... or p99 of the start lag exceeds this share of the SLO, and the scheduling noise of a
# shared machine (a few milliseconds).
LAG_SHARE_OF_SLO = 0.5
LAG_FLOOR_MS = 5.0
# A server that left this share of what it was sent unanswered at the end was saturated.
UNANSWERED_LIMIT = 0.02
# ... as is one whose measured CPU reached this many cores' worth of a core, when known.
SERVER_BUSY_CPU = 0.9


@dataclass(frozen=True)
class Limits:
    slo_p99_ms: float
    max_fail_ratio: float = 0.0


@dataclass(frozen=True)
class Step:
    offered: float  # logins/s asked for
    achieved: float  # logins/s answered and passed
    p50_ms: float  # from the intended start
    p99_ms: float
    due: int
    sent: int
    failed: int
    unfinished: int
    lag_p99_ms: float  # how late logins started
    generator_cpu: float  # the busiest generator process, share of one core
    generator_cpu_s_per_login: float
    processes: int = 1
    server_cpu: float | None = None  # cores' worth the server used, when it could be measured

    @property
    def fail_ratio(self) -> float:
        return (self.failed + self.unfinished) / self.sent if self.sent else 1.0

    @property
    def follows(self) -> bool:
        return self.achieved >= FOLLOWS * self.offered


@dataclass(frozen=True)
class Verdict:
    passed: bool
    generator_limited: bool
    reason: str


def _generator_behind(step: Step, limits: Limits) -> bool:
    """Logins left unsent, or started late by a good part of the SLO.

    Without the server's CPU, lateness counts only when it is most of the latency measured:
    a server's queue can slow a generator a little too.
    """
    short = max(0, step.due - step.sent)
    late = step.lag_p99_ms > max(LAG_FLOOR_MS, LAG_SHARE_OF_SLO * limits.slo_p99_ms)
    if step.server_cpu is None:
        late = late and 2 * step.lag_p99_ms >= step.p99_ms
    return short > SHORT_LIMIT * max(1, step.due) or late


def _server_saturated(step: Step) -> bool:
    """Measured CPU when known; otherwise, logins left unanswered at the end of the step."""
    if step.server_cpu is not None:
        return step.server_cpu >= SERVER_BUSY_CPU
    return step.unfinished > UNANSWERED_LIMIT * max(1, step.sent)


def judge(step: Step, limits: Limits) -> Verdict:
    """Whether a step meets the SLO, and when it does not, whose limit it hit."""
    misses = []
    if step.p99_ms > limits.slo_p99_ms:
        misses.append(f"p99 {step.p99_ms:.1f} ms > {limits.slo_p99_ms:g} ms")
    if step.fail_ratio > limits.max_fail_ratio:
        misses.append(f"failure ratio {step.fail_ratio:.4f} > {limits.max_fail_ratio:g}")
    generator = _generator_behind(step, limits)
    if not misses and not generator:
        return Verdict(True, False, "meets the SLO")
    if generator and not _server_saturated(step):
        cpu = f"{100 * step.generator_cpu:.0f}%"
        why = "its CPU" if step.generator_cpu >= BUSY_CPU else f"only {cpu} CPU: machine busy"
        return Verdict(False, True, f"the generator fell behind its schedule ({why})")
    return Verdict(False, False, "; ".join(misses) or "the server fell behind")


def next_rate(
    passed: list[float],
    failed: list[float],
    *,
    start: float,
    max_rate: float,
    precision: float = PRECISION,
) -> float | None:
    """The next offered rate: grow until a miss, then bisect until the failing rate is within
    ``precision`` (a factor) of the passing one; None when done."""
    if not passed and not failed:
        return start
    if not failed:
        top = max(passed)
        return None if top >= max_rate else min(max_rate, top * GROWTH)
    low = min(failed)
    below = [r for r in passed if r < low]
    if not below:
        return None  # even the lowest step missed
    high = max(below)
    if low / high <= precision:
        return None
    return (high + low) / 2


def knee(steps: list[Step]) -> tuple[float, float] | None:
    """(last offered rate throughput followed, throughput where it stopped), or None."""
    ordered = sorted(steps, key=lambda s: s.offered)
    for before, step in zip([None, *ordered], ordered, strict=False):
        if not step.follows:
            return (before.offered if before else 0.0, step.achieved)
    return None


def processes_needed(step: Step, target_rate: float) -> int:
    """Generator processes to offer ``target_rate``, from this step's CPU per login."""
    cost = step.generator_cpu_s_per_login
    if cost <= 0:
        return step.processes + 1
    return max(step.processes + 1, math.ceil(target_rate * cost / USABLE_CPU))
