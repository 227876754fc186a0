"""A stats row kept in the generator and handed over in batches: the client's signing time,
and the logins whose answers passed.

A Locust request event per signature cost about 8 us of generator CPU per login (a context
manager, the event, two stats entries), and one per passing login about 10 us more. This
keeps the same figures (count, sum, min, max, bytes, Locust's rounded-millisecond
histogram, requests per second) in a few plain fields and hands them over once per
wall-clock second, or when asked. Free of Locust: the caller
gives the function that takes a batch (``load.users.localstats`` merges it into Locust's
stats, so the row is in every report as before).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

__all__ = ["LocalRow"]

Batch = dict[str, Any]


def _rounded(ms: float) -> int:
    """Locust's own rounding of a response time for its histogram (its bucket_response_time)."""
    if ms < 100:
        return round(ms)
    return int(round(ms, -1 if ms < 1000 else -2 if ms < 10000 else -3))


class LocalRow:
    """Times of one client-side row; ``take`` is called with each batch, in order."""

    __slots__ = (
        "_clock", "_last", "_second", "buckets", "count", "high", "length", "low", "take", "total",
    )  # fmt: skip

    def __init__(
        self, take: Callable[[Batch], None], clock: Callable[[], float] = time.time
    ) -> None:
        self.take = take
        self._clock = clock
        self._last = clock()
        self._second = int(self._last)
        self._reset()

    def _reset(self) -> None:
        self.count = 0
        self.total = 0.0
        self.low = math.inf
        self.high = 0.0
        self.length = 0
        self.buckets: dict[int, int] = {}

    def record(self, ms: float, length: int = 0) -> None:
        """One timing, in milliseconds, of ``length`` bytes; hands the last second's batch
        over first."""
        at = self._clock()
        if int(at) != self._second:
            self.flush()
            self._second = int(at)
        self._last = at
        self.count += 1
        self.total += ms
        self.low = min(self.low, ms)
        self.high = max(self.high, ms)
        self.length += length
        key = round(ms) if ms < 100 else _rounded(ms)
        self.buckets[key] = self.buckets.get(key, 0) + 1

    def flush(self) -> None:
        """Hand over what was recorded since the last batch (nothing when empty)."""
        if not self.count:
            return
        batch = {
            "num_requests": self.count,
            "total_response_time": self.total,
            "min_response_time": self.low,
            "max_response_time": self.high,
            "total_content_length": self.length,
            "response_times": self.buckets,
            "num_reqs_per_sec": {self._second: self.count},
            "last_request_timestamp": self._last,
        }
        self._reset()
        self.take(batch)
