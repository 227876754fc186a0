"""Final per-row figures from Locust's ``--json-file`` output (exact, unlike the lagging CSV).

Kept free of Locust: the wrapper, the benchmark and the tests read the same file this way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Row", "format_rows", "percentile", "read_rows"]


@dataclass(frozen=True)
class Row:
    method: str
    name: str
    requests: int
    failures: int
    per_second: float
    mean_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float


def percentile(histogram: dict[str, int], fraction: float) -> float:
    """Locust's bucketed response times (ms -> count): the smallest bucket covering ``fraction``."""
    total = sum(histogram.values())
    if not total:
        return 0.0
    needed = fraction * total
    seen = 0
    for bucket, count in sorted(((float(k), v) for k, v in histogram.items())):
        seen += count
        if seen >= needed:
            return bucket
    return max(float(k) for k in histogram)


def read_rows(path: str | Path) -> list[Row]:
    rows = []
    for entry in json.loads(Path(path).read_text(encoding="utf-8")):
        span = entry["last_request_timestamp"] - entry["start_time"]
        times = entry["response_times"]
        rows.append(
            Row(
                method=entry["method"],
                name=entry["name"],
                requests=entry["num_requests"],
                failures=entry["num_failures"],
                per_second=entry["num_requests"] / span if span > 0 else 0.0,
                mean_ms=entry["total_response_time"] / max(1, entry["num_requests"]),
                p50_ms=percentile(times, 0.50),
                p95_ms=percentile(times, 0.95),
                p99_ms=percentile(times, 0.99),
            )
        )
    return rows


def format_rows(rows: list[Row]) -> str:
    """A plain table; times in milliseconds (Locust buckets them to whole ms under 100)."""
    head = ("type", "name", "requests", "failed", "req/s", "mean", "p50", "p95", "p99")
    lines = ["{:<6} {:<20} {:>9} {:>7} {:>8} {:>7} {:>6} {:>6} {:>6}".format(*head)]
    for r in rows:
        lines.append(
            f"{r.method:<6} {r.name:<20} {r.requests:>9} {r.failures:>7} {r.per_second:>8.0f} "
            f"{r.mean_ms:>7.3f} {r.p50_ms:>6g} {r.p95_ms:>6g} {r.p99_ms:>6g}"
        )
    return "\n".join(lines)
