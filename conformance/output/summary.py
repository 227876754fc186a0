"""report.summary.md: the few lines a CI job summary shows (GitHub's $GITHUB_STEP_SUMMARY).

Verdict, each fault by name, coverage, and what is new against a baseline; the full
story stays in report.md and report.html.
"""

from __future__ import annotations

from typing import Any

__all__ = ["summary_markdown"]

# A job summary is read at a glance: past this many findings, the reports have the rest.
MAX_LISTED = 20


def _verdict(document: dict[str, Any]) -> str:
    totals = document.get("totals") or {}
    if totals.get("incomplete"):
        return f"INCOMPLETE: {totals['incomplete']}"
    if totals.get("conformant"):
        warned = totals.get("warned", 0)
        return f"conformant, with {warned} advisories" if warned else "conformant"
    return "NOT conformant"


def summary_markdown(document: dict[str, Any]) -> str:
    """The job summary of one report.json document."""
    totals = document.get("totals") or {}
    lines = [
        f"### authconform: {_verdict(document)}",
        "",
        f"Target `{document.get('target')}`: {totals.get('passed', 0)} passed, "
        f"{totals.get('failed', 0)} failed, {totals.get('warned', 0)} advisories, "
        f"{totals.get('error', 0)} errors ({totals.get('total', 0)} checks).",
    ]
    flagged = [r for r in document["results"] if r["outcome"] in ("failed", "warned", "error")]
    compared = document.get("baseline") is not None
    if flagged:
        head = "| Outcome | System | Check | Level |" + (" Baseline |" if compared else "")
        lines += ["", head, "|---" * head.count(" |") + "|"]
        for result in flagged[:MAX_LISTED]:
            row = (
                f"| {result['outcome']} | {result['system']} | `{result['name']}` "
                f"| {result['level']} |"
            )
            lines.append(row + (f" {result.get('baseline') or '—'} |" if compared else ""))
        if len(flagged) > MAX_LISTED:
            lines.append(f"\n… and {len(flagged) - MAX_LISTED} more in report.md.")
    coverage = document.get("coverage")
    if coverage:
        per_system = ", ".join(
            f"{name} {table['percent']:g}%" for name, table in coverage["systems"].items()
        )
        lines += [
            "",
            f"Documented-answer coverage: {coverage['percent']:g}% "
            f"({coverage['covered']} of {coverage['documented']} status codes; {per_system}).",
        ]
    block = document.get("baseline")
    if block:
        lines += [
            "",
            f"Against the baseline: {len(block['new'])} new, {len(block['unchanged'])} "
            f"unchanged, {len(block['fixed'])} fixed.",
        ]
    return "\n".join(lines) + "\n"
