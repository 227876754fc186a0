"""Open-model latency: HDR histograms of time from each login's intended start, kept free of Locust.

Times are recorded in microseconds with three significant digits. One process fills a
``Tally``; the master of a distributed run merges the workers' tallies (``to_wire`` and
``merge``) and writes the result (``write_files``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hdrh.histogram import HdrHistogram

__all__ = ["PERCENTILES", "Tally", "new_histogram", "percentiles_ms"]

# Up to ten minutes, in microseconds; anything slower is recorded as ten minutes.
HIGHEST_US = 600_000_000
SIGNIFICANT_DIGITS = 3
# The figures reported next to Locust's own (label, percentile).
PERCENTILES = (("p50", 50.0), ("p90", 90.0), ("p99", 99.0), ("p99.9", 99.9))


def new_histogram() -> HdrHistogram:
    return HdrHistogram(1, HIGHEST_US, SIGNIFICANT_DIGITS)


def record_seconds(histogram: HdrHistogram, seconds: float) -> None:
    histogram.record_value(min(HIGHEST_US, max(1, round(seconds * 1e6))))


# Distinct values a tally holds back before folding them into its histograms.
FOLD_AT = 4096


def _fold(histogram: HdrHistogram, held: dict[int, int]) -> None:
    for us, count in held.items():
        histogram.record_value(min(HIGHEST_US, max(1, us)), count)
    held.clear()


def _hold(held: dict[int, int], histogram: HdrHistogram, seconds: float) -> None:
    us = round(seconds * 1e6)
    held[us] = held.get(us, 0) + 1
    if len(held) > FOLD_AT:
        _fold(histogram, held)


def percentiles_ms(histogram: HdrHistogram) -> dict[str, float]:
    """p50, p90, p99, p99.9 and max in milliseconds (zeros for an empty histogram)."""
    if not histogram.get_total_count():
        return {label: 0.0 for label, _ in PERCENTILES} | {"max": 0.0}
    found = {label: histogram.get_value_at_percentile(pct) / 1000 for label, pct in PERCENTILES}
    found["max"] = histogram.get_max_value() / 1000
    return found


@dataclass
class Tally:
    """What one process (or, merged, a whole run) saw of its arrival schedule."""

    corrected: HdrHistogram = field(default_factory=new_histogram)  # intended start -> answer
    send_lag: HdrHistogram = field(default_factory=new_histogram)  # intended -> actual start
    due: int = 0  # arrivals whose intended time had come when the schedule stopped
    sent: int = 0  # logins actually started
    ok: int = 0  # answered and passed the checks
    ok_in_window: int = 0  # of those, answered while the schedule still ran
    failed: int = 0  # answered badly or not at all
    unfinished: int = 0  # still waiting at the end: recorded with their time so far
    window_s: float = 0.0  # length of the schedule (longest process)
    offered_rate: float = 0.0  # what was asked for, all processes together
    cpu: list[float] = field(default_factory=list)  # each process's CPU share while it ran
    windows: list[float] = field(default_factory=list)  # each process's schedule length, s
    max_in_flight: int = 0
    # Microseconds -> count, not yet in ``corrected`` / ``send_lag``: hdrh records in pure
    # Python (about 2 us a value); a dict's count is a tenth of that, and the histograms get
    # each distinct value once. settle() folds them in; every reader here calls it first.
    _held_answers: dict[int, int] = field(default_factory=dict, repr=False)
    _held_lags: dict[int, int] = field(default_factory=dict, repr=False)

    def answered(self, seconds: float) -> None:
        """One login's time from its intended start to its answer."""
        _hold(self._held_answers, self.corrected, seconds)

    def started_late(self, seconds: float) -> None:
        """One login's time from its intended start to its actual start."""
        _hold(self._held_lags, self.send_lag, seconds)

    def settle(self) -> None:
        """Everything held back, into the histograms."""
        _fold(self.corrected, self._held_answers)
        _fold(self.send_lag, self._held_lags)

    def to_wire(self) -> dict[str, Any]:
        """A JSON-able form for a worker's message to the master."""
        self.settle()
        data = {
            k: v
            for k, v in vars(self).items()
            if k not in ("corrected", "send_lag") and not k.startswith("_held")
        }
        data["corrected"] = self.corrected.encode().decode("ascii")
        data["send_lag"] = self.send_lag.encode().decode("ascii")
        return data

    def merge(self, data: dict[str, Any]) -> None:
        """Add one process's ``to_wire`` data to this tally."""
        self.corrected.decode_and_add(data["corrected"].encode("ascii"))
        self.send_lag.decode_and_add(data["send_lag"].encode("ascii"))
        for name in ("due", "sent", "ok", "ok_in_window", "failed", "unfinished"):
            setattr(self, name, getattr(self, name) + data[name])
        self.window_s = max(self.window_s, data["window_s"])
        self.offered_rate += data["offered_rate"]
        self.cpu += data["cpu"]
        self.windows += data.get("windows", [])
        self.max_in_flight += data["max_in_flight"]

    def summary(self) -> dict[str, Any]:
        self.settle()
        window = self.window_s or 1.0
        return {
            "offered_rate": self.offered_rate,
            "due": self.due,
            "sent": self.sent,
            "ok": self.ok,
            "failed": self.failed,
            "unfinished": self.unfinished,
            "window_s": self.window_s,
            "sent_rate": self.sent / window,
            # Throughput while the schedule ran: answers after its end would inflate it.
            "achieved_rate": self.ok_in_window / window,
            "processes": len(self.cpu),
            "generator_cpu": self.cpu,
            "process_windows_s": self.windows,
            "max_in_flight": self.max_in_flight,
            "corrected_ms": percentiles_ms(self.corrected),
            "send_lag_ms": percentiles_ms(self.send_lag),
        }

    def write_files(self, prefix: str | Path) -> dict[str, Any]:
        """``PREFIX.json`` (summary), ``PREFIX.hgrm`` (percentile distribution, ms) and
        ``PREFIX.hdr`` (the encoded histogram, for HdrHistogram tools); returns the summary."""
        self.settle()
        prefix = Path(prefix)
        prefix.parent.mkdir(parents=True, exist_ok=True)
        summary = self.summary()
        Path(f"{prefix}.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
        Path(f"{prefix}.hdr").write_bytes(self.corrected.encode() + b"\n")
        with open(f"{prefix}.hgrm", "wb") as out:
            # Microseconds in, milliseconds out (the ratio scales the value column).
            self.corrected.output_percentile_distribution(out, 1000.0)
        return summary
