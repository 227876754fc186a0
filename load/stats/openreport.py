"""The open-model figures beside Locust's own, and whether the generator kept its schedule.

Kept free of Locust: reads ``load.stats.latency`` summaries and Locust's ``--json-file`` stats.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from load.stats.latency import PERCENTILES
from load.stats.summary import percentile

__all__ = [
    "LAG_LIMIT_MS",
    "format_open",
    "incomplete",
    "lag_warning",
    "locust_percentiles",
    "schedule_short",
]

# The schedule counts as kept while 99% of logins start within this much of their time.
# A few milliseconds of scheduling noise is normal on a shared machine.
LAG_LIMIT_MS = 5.0
# ... and while no more than this share of the due logins was never started.
SHORT_LIMIT = 0.01


def locust_percentiles(stats_json: str | Path, name: str) -> dict[str, float]:
    """Locust's own p50..p99.9 and max (ms) of one row of its ``--json-file`` output."""
    for entry in json.loads(Path(stats_json).read_text(encoding="utf-8")):
        if entry["name"] == name and entry["method"] != "SIGN":
            times = entry["response_times"]
            found = {label: percentile(times, pct / 100) for label, pct in PERCENTILES}
            found["max"] = float(entry["max_response_time"] or 0.0)
            return found
    return {}


# A process whose schedule ran less than this share of the longest one stopped early.
EARLY_STOP = 0.9


def incomplete(summary: dict[str, Any], expected: int) -> str | None:
    """Why a run's figures miss some generator's share (a worker lost), or None.

    A worker that dies sends nothing; one that is stopped early (its host shut down, its
    pod evicted) sends figures for part of the run. Either way the rate asked was not the
    rate offered, and the figures would flatter or wrong the target.
    """
    reported = summary["processes"]
    if reported < expected:
        return (
            f"{reported} of {expected} generator processes reported their figures "
            "(a worker disconnected or never started)"
        )
    windows = summary.get("process_windows_s") or []
    longest = max(windows, default=0.0)
    early = [w for w in windows if w < EARLY_STOP * longest]
    if early:
        return (
            f"{len(early)} of {reported} generator processes stopped early (after "
            f"{min(early):.1f} s of a {longest:.1f} s schedule: a worker disconnected "
            "or started late)"
        )
    return None


def schedule_short(summary: dict[str, Any]) -> int:
    """Due logins the generator never started."""
    return max(0, summary["due"] - summary["sent"])


def lag_warning(summary: dict[str, Any]) -> str | None:
    """A sentence when the generator fell behind its schedule, saying by how much."""
    lag = summary["send_lag_ms"]
    short = schedule_short(summary)
    due = summary["due"] or 1
    if lag["p99"] <= LAG_LIMIT_MS and short <= SHORT_LIMIT * due:
        return None
    cpu = max(summary["generator_cpu"] or [0.0])
    return (
        f"the generator fell behind its schedule: {short} of {summary['due']} due logins never "
        f"started ({100 * short / due:.1f}%), and the started ones began late by p99 "
        f"{lag['p99']:.1f} ms, max {lag['max']:.1f} ms (generator CPU {100 * cpu:.0f}% of a "
        f"core); the latencies include that lag: add --processes or generator machines"
    )


def format_open(summary: dict[str, Any], locust_own: dict[str, float]) -> str:
    """The corrected figures next to Locust's (from each request's actual send)."""
    labels = [label for label, _ in PERCENTILES] + ["max"]
    head = f"{'latency, ms':<34}" + "".join(f"{label:>9}" for label in labels)
    c = summary["corrected_ms"]
    lines = [
        f"open model: {summary['offered_rate']:.0f} logins/s asked, {summary['sent']} of "
        f"{summary['due']} due sent, {summary['ok']} passed, {summary['failed']} failed, "
        f"{summary['unfinished']} unanswered at the end; achieved {summary['achieved_rate']:.0f}/s",
        head,
        f"{'from the intended start (HDR)':<34}" + "".join(f"{c[k]:>9.1f}" for k in labels),
    ]
    if locust_own:
        lines.append(
            f"{'Locust, from the actual send':<34}"
            + "".join(f"{locust_own.get(k, 0.0):>9g}" for k in labels)
        )
    warning = lag_warning(summary)
    if warning:
        lines.append("warning: " + warning)
    return "\n".join(lines)
