"""Fault fingerprints, and marking a run's results new, fixed or unchanged against another.

A finding is matched by (system, check, fault), never by message text: messages carry
timestamps, token claims and counts that change from run to run. The fault is the one
identity the run's grouping and summary use, (system, operation, observed), recorded as
each result's ``fault``; a report written before it had one falls back to the result's
``cause`` key, else the failing request (method and path) and the status it drew. Both
sides are report.json documents.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from conformance.errors import UsageError

__all__ = [
    "FLAGGED",
    "baseline_lines",
    "cause_of",
    "compare",
    "fingerprint",
    "load_report",
    "new_bad",
]

# Outcomes that are a finding: what a baseline remembers and a replay re-runs.
FLAGGED = ("failed", "warned", "error")
REPORT_FILE = "report.json"


def load_report(directory: str | Path, option: str) -> dict[str, Any]:
    """The report.json document of an earlier run's report directory."""
    path = Path(directory) / REPORT_FILE
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UsageError(f"{option} {directory}", f"no {REPORT_FILE} in it") from exc
    except (OSError, ValueError) as exc:
        raise UsageError(f"{option} {directory}", f"cannot read {path}: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("results"), list):
        raise UsageError(f"{option} {directory}", f"{path} is not an authconform report")
    return document


def cause_of(result: dict[str, Any]) -> str:
    """What the fault is about, stable across runs: its identity, else a ``cause`` key, else
    request and status (reports written before fault identities)."""
    if result.get("fault"):
        return str(result["fault"])
    if result.get("cause"):
        return str(result["cause"])
    request = result.get("request") or {}
    if not request:
        return ""
    return f"{request.get('method')} {request.get('path')} -> {request.get('status')}"


def fingerprint(result: dict[str, Any]) -> str:
    """A short stable id of the fault a result shows (SARIF partialFingerprints use it too)."""
    key = "\x1f".join((str(result.get("system")), str(result.get("name")), cause_of(result)))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def _flagged(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in document.get("results", []) if r.get("outcome") in FLAGGED]


def compare(current: dict[str, Any], baseline: dict[str, Any], source: str) -> dict[str, Any]:
    """The ``baseline`` block: every current result marked, and the faults fixed since.

    A result of an old report that recorded no fault identity (written before there was
    one) matches by system and check alone: its fingerprint was made of other parts.
    """
    old = _flagged(baseline)
    old_prints = {fingerprint(r) for r in old}
    old_checks = {(r.get("system"), r.get("name")) for r in old}
    loose = {(r.get("system"), r.get("name")) for r in old if "fault" not in r}
    marks: dict[str, str] = {}
    new, unchanged = [], []
    current_prints = set()
    for result in current.get("results", []):
        key = f"{result['system']}/{result['name']}"
        check = (result["system"], result["name"])
        if result.get("outcome") in FLAGGED:
            print_ = fingerprint(result)
            current_prints.add(print_)
            known = print_ in old_prints or check in loose
            marks[key] = "unchanged" if known else "new"
            (unchanged if known else new).append(_entry(result))
        else:
            marks[key] = "fixed" if check in old_checks else "unchanged"
    fixed = [
        _entry(r)
        for r in old
        if fingerprint(r) not in current_prints
        and not ((r.get("system"), r.get("name")) in loose and marks.get(_key(r)) == "unchanged")
    ]
    return {
        "against": source,
        "against_date": baseline.get("date"),
        "marks": marks,
        "new": new,
        "unchanged": unchanged,
        "fixed": fixed,
    }


def _key(result: dict[str, Any]) -> str:
    return f"{result.get('system')}/{result.get('name')}"


def _entry(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "system": result.get("system"),
        "name": result.get("name"),
        "outcome": result.get("outcome"),
        "level": result.get("level"),
        "fingerprint": fingerprint(result),
        "cause": cause_of(result),
    }


def new_bad(block: dict[str, Any], strict: bool) -> list[dict[str, Any]]:
    """The new findings that fail a run under ``--fail-on new``."""
    bad = ("failed", "error", "warned") if strict else ("failed", "error")
    return [e for e in block["new"] if e["outcome"] in bad]


def baseline_lines(block: dict[str, Any]) -> list[str]:
    """The comparison for the terminal: counts, then each new and fixed fault by name."""
    lines = [
        f"Against the baseline {block['against']} ({block.get('against_date') or 'undated'}): "
        f"{len(block['new'])} new, {len(block['unchanged'])} unchanged, "
        f"{len(block['fixed'])} fixed"
    ]
    for label in ("new", "fixed"):
        for entry in block[label]:
            lines.append(
                f"  {label.upper():5} {entry['system']} {entry['name']} [{entry['level']}]"
                f"  {entry['cause'] or '(no request)'}"
            )
    return lines
