"""A load run against an earlier one (``--baseline OLD_REPORT_DIR``): like with like, judged.

Kept free of Locust. Both runs of the open model wrote ``latency.hdr`` (HDR histogram of the
time from each login's intended start) and ``latency.json``: those are compared. When either
run lacks them (the closed model), both are read from Locust's ``stats.json``, every row but
Locust's own, which both models write: coarser (Locust buckets its times) and timed from
each request's actual send, and the comparison says so.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hdrh.histogram import HdrHistogram

from load.stats.summary import percentile

__all__ = [
    "DEFAULT_MAX_REGRESSION_PCT",
    "Change",
    "Comparison",
    "Figures",
    "compare",
    "format_comparison",
    "has_run",
    "read_figures",
]

DEFAULT_MAX_REGRESSION_PCT = 20.0
# A latency moves this little on any loopback run (Locust buckets whole milliseconds): a
# change under it never counts as a regression, whatever its percentage.
LATENCY_FLOOR_MS = 2.0
# Likewise a failure ratio must grow by this much (0.1 percentage point): one failure more
# in a thousand logins is noise, not a regression.
FAIL_RATIO_FLOOR = 0.001
# Offered rates further apart than this share make the achieved rates hard to compare.
RATE_MISMATCH = 0.01

INF = float("inf")
HDR = "hdr"
LOCUST = "locust"
SOURCES = {
    HDR: "HDR histograms of the time from each login's intended start (latency.hdr, latency.json)",
    LOCUST: "Locust's summaries of all requests (stats.json: times bucketed, from each "
    "request's actual send)",
}
# (key, label, unit, worse when it goes up, judged). The max is one sample: shown, not judged.
FIGURES = (
    ("p50_ms", "p50", "ms", True, True),
    ("p99_ms", "p99", "ms", True, True),
    ("p999_ms", "p99.9", "ms", True, True),
    ("max_ms", "max", "ms", True, False),
    ("rate", "achieved rate", "/s", False, True),
    ("fail_ratio", "failure ratio", "", True, True),
)


@dataclass(frozen=True)
class Figures:
    """What one run's report folder says, read one way (``source``)."""

    source: str  # HDR or LOCUST
    model: str  # "open" or "closed"
    requests: int
    p50_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float
    rate: float  # logins (open) or requests (closed) per second, passed
    fail_ratio: float
    offered_rate: float | None = None  # open model: what was asked for


@dataclass(frozen=True)
class Change:
    key: str
    label: str
    unit: str
    baseline: float
    current: float
    worse_pct: float  # how much worse, in percent of the baseline (negative: better)
    judged: bool
    regressed: bool


@dataclass
class Comparison:
    source: str
    baseline: Figures
    current: Figures
    max_regression_pct: float
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def regressions(self) -> list[Change]:
        return [c for c in self.changes if c.regressed]

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "compared": SOURCES[self.source],
            "max_regression_pct": self.max_regression_pct,
            "baseline": asdict(self.baseline),
            "current": asdict(self.current),
            # JSON has no infinity: a change from zero is "worse" without a percentage.
            "changes": [
                asdict(c) | {"worse_pct": c.worse_pct if abs(c.worse_pct) != INF else None}
                for c in self.changes
            ],
            "regressed": [c.label for c in self.regressions],
            "notes": self.notes,
        }


def has_run(folder: str | Path) -> bool:
    """Whether ``folder`` holds a load run's figures (what ``--baseline`` needs)."""
    folder = Path(folder)
    return (folder / "stats.json").is_file() or (folder / "latency.json").is_file()


def _from_hdr(folder: Path) -> Figures:
    summary = json.loads((folder / "latency.json").read_text(encoding="utf-8"))
    hdr = HdrHistogram.decode((folder / "latency.hdr").read_bytes().strip())
    sent = summary["sent"]
    return Figures(
        source=HDR,
        model="open",
        requests=sent,
        p50_ms=hdr.get_value_at_percentile(50.0) / 1000,
        p99_ms=hdr.get_value_at_percentile(99.0) / 1000,
        p999_ms=hdr.get_value_at_percentile(99.9) / 1000,
        max_ms=hdr.get_max_value() / 1000,
        rate=summary["achieved_rate"],
        fail_ratio=(summary["failed"] + summary["unfinished"]) / sent if sent else 0.0,
        offered_rate=summary["offered_rate"],
    )


def _from_locust(folder: Path) -> Figures:
    """All rows of Locust's stats merged: Locust's own bookkeeping rows (SIGN) left out."""
    rows = json.loads((folder / "stats.json").read_text(encoding="utf-8"))
    rows = [r for r in rows if r["method"] != "SIGN"]
    times: dict[str, int] = {}
    for row in rows:
        for bucket, count in row["response_times"].items():
            times[bucket] = times.get(bucket, 0) + count
    requests = sum(r["num_requests"] for r in rows)
    failures = sum(r["num_failures"] for r in rows)
    started = min((r["start_time"] for r in rows), default=0.0)
    ended = max((r["last_request_timestamp"] or 0.0 for r in rows), default=0.0)
    span = ended - started
    open_model = (folder / "latency.json").is_file()
    return Figures(
        source=LOCUST,
        model="open" if open_model else "closed",
        requests=requests,
        p50_ms=percentile(times, 0.50),
        p99_ms=percentile(times, 0.99),
        p999_ms=percentile(times, 0.999),
        max_ms=float(max((r["max_response_time"] or 0.0 for r in rows), default=0.0)),
        rate=(requests - failures) / span if span > 0 else 0.0,
        fail_ratio=failures / requests if requests else 0.0,
    )


def _source_for(baseline: Path, current: Path) -> str:
    both_hdr = all((f / "latency.hdr").is_file() for f in (baseline, current))
    return HDR if both_hdr else LOCUST


def read_figures(folder: str | Path, source: str) -> Figures:
    folder = Path(folder)
    return _from_hdr(folder) if source == HDR else _from_locust(folder)


def _worse_pct(before: float, after: float, up_is_worse: bool) -> float:
    if before == after:
        return 0.0
    if before == 0:
        return float("inf") if (after > before) == up_is_worse else float("-inf")
    change = 100 * (after - before) / before
    return change if up_is_worse else -change


def _regressed(key: str, before: float, after: float, worse_pct: float, limit: float) -> bool:
    if worse_pct <= limit:
        return False
    if key.endswith("_ms"):
        return after - before > LATENCY_FLOOR_MS
    if key == "fail_ratio":
        return after - before > FAIL_RATIO_FLOOR
    return True


def compare(
    baseline_dir: str | Path,
    current_dir: str | Path,
    *,
    max_regression_pct: float = DEFAULT_MAX_REGRESSION_PCT,
) -> Comparison:
    """Both runs read the same way, each figure's change, and which ones regressed."""
    baseline_dir, current_dir = Path(baseline_dir), Path(current_dir)
    source = _source_for(baseline_dir, current_dir)
    old, new = read_figures(baseline_dir, source), read_figures(current_dir, source)
    result = Comparison(source, old, new, max_regression_pct)
    for key, label, unit, up_is_worse, judged in FIGURES:
        before, after = getattr(old, key), getattr(new, key)
        worse = _worse_pct(before, after, up_is_worse)
        regressed = judged and _regressed(key, before, after, worse, max_regression_pct)
        result.changes.append(Change(key, label, unit, before, after, worse, judged, regressed))
    if source == LOCUST:
        without = [n for n, f in (("baseline", baseline_dir), ("this run", current_dir))
                   if not (f / "latency.hdr").is_file()]  # fmt: skip
        result.notes.append(
            f"no HDR histogram in {' and '.join(without)} (closed model): compared Locust's "
            "summary figures of all requests, p50, p99, p99.9, max, rate of passed requests "
            "and failure ratio"
        )
    if old.model != new.model:
        result.notes.append(f"the baseline ran the {old.model} model, this run the {new.model}")
    if old.offered_rate and new.offered_rate:
        apart = abs(new.offered_rate - old.offered_rate) / old.offered_rate
        if apart > RATE_MISMATCH:
            result.notes.append(
                f"offered rates differ ({old.offered_rate:g}/s then, {new.offered_rate:g}/s "
                "now): the achieved rates follow them"
            )
    return result


def _value(change_unit: str, value: float) -> str:
    if change_unit == "":
        return f"{value:.4f}"
    return f"{value:,.1f}"


def _pct(worse_pct: float) -> str:
    if worse_pct in (float("inf"), float("-inf")):
        return "worse" if worse_pct > 0 else "better"
    return f"{worse_pct:+.1f}% {'worse' if worse_pct > 0 else 'better'}" if worse_pct else "same"


def format_comparison(result: Comparison, baseline_dir: str | Path) -> str:
    """The terminal table: both runs' figures, the change, and the verdict line."""
    lines = [
        f"baseline: {Path(baseline_dir).resolve()} ({result.baseline.requests} requests, "
        f"{result.baseline.model} model)",
        f"compared: {SOURCES[result.source]}",
        f"{'figure':<20}{'baseline':>12}{'this run':>12}  {'change':<16}verdict",
    ]
    for c in result.changes:
        name = f"{c.label} ({c.unit})" if c.unit else c.label
        verdict = "REGRESSED" if c.regressed else ("ok" if c.judged else "shown, not judged")
        lines.append(
            f"{name:<20}{_value(c.unit, c.baseline):>12}{_value(c.unit, c.current):>12}  "
            f"{_pct(c.worse_pct):<16}{verdict}"
        )
    lines += [f"note: {note}" for note in result.notes]
    limit = f"--max-regression-pct {result.max_regression_pct:g}"
    if result.regressions:
        named = ", ".join(
            f"{c.label} {_value(c.unit, c.baseline)} -> {_value(c.unit, c.current)}"
            + (f" {c.unit}" if c.unit == "ms" else "")
            for c in result.regressions
        )
        lines.append(f"REGRESSION past {limit}: {named}")
    else:
        lines.append(f"no regression past {limit}")
    return "\n".join(lines)
