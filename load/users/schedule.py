"""When each login of an open-model run should start, at a fixed arrival rate (no Locust here).

An open model sends at the rate asked for whatever the server does, so every login has an
intended start time fixed in advance; latency is measured from it (see ``load.stats.latency``).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator

__all__ = ["ARRIVALS", "arrival_times", "process_share"]

# "constant": evenly spaced; "poisson": exponential gaps with the same mean (independent
# arrivals, as many clients acting on their own would produce).
ARRIVALS = ("constant", "poisson")


def arrival_times(
    rate: float, kind: str, *, start: float, rng: random.Random | None = None
) -> Iterator[float]:
    """Intended start times (seconds, same clock as ``start``), endless; ``rate`` per second."""
    if rate <= 0:
        raise ValueError("the arrival rate must be positive")
    if kind == "constant":
        # Multiplying, not adding, keeps float error from drifting over a long run.
        return (start + k / rate for k in itertools.count())
    if kind == "poisson":
        return _poisson(rate, start, rng or random.Random())
    raise ValueError(f"unknown arrival kind {kind!r} (expected one of {', '.join(ARRIVALS)})")


def _poisson(rate: float, start: float, rng: random.Random) -> Iterator[float]:
    at = start
    while True:
        at += rng.expovariate(rate)
        yield at


def process_share(rate: float, index: int, count: int) -> tuple[float, float]:
    """(rate, phase as a fraction of one period) for process ``index`` of ``count``.

    Each process takes an equal share; their constant schedules interleave instead of
    firing together.
    """
    count = max(1, count)
    return rate / count, (max(0, index) % count) / count
