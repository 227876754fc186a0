"""The fix loop's part of report.json: a fingerprint and a baseline mark per result, and
the ``settings``, ``coverage`` and ``baseline`` blocks a later replay or baseline reads.

``extra`` is ``RunResult.extra``, filled after the run by :mod:`conformance.fixloop.hooks`.
"""

from __future__ import annotations

from typing import Any

from conformance.fixloop.baseline import FLAGGED, fingerprint

__all__ = ["BLOCKS", "add_fixloop"]

BLOCKS = ("settings", "coverage", "baseline")


def add_fixloop(document: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``document`` with the fix loop's fields added (in place, and returned)."""
    marks = (extra.get("baseline") or {}).get("marks", {})
    for result in document["results"]:
        if result["outcome"] in FLAGGED:
            result["fingerprint"] = fingerprint(result)
        if marks:
            result["baseline"] = marks.get(f"{result['system']}/{result['name']}")
    for name in BLOCKS:
        if extra.get(name) is not None:
            document[name] = extra[name]
    return document
