"""report.summary.md: the few lines a CI job summary shows (GitHub's $GITHUB_STEP_SUMMARY).

Verdict, the counts and the fault line the terminal prints, each finding by name,
coverage, and what is new against a baseline; the full story stays in report.md and
report.html.
"""

from __future__ import annotations

from typing import Any

from conformance.output.console import format_counts

__all__ = ["summary_markdown"]

# The counts every output gives (report.json totals): the same words as the terminal's.
COUNTED = ("passed", "failed", "warned", "error", "skipped", "not_applicable", "blocked", "total")

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
    counts = {key: totals.get(key, 0) for key in COUNTED}
    lines = [
        f"### authconform: {_verdict(document)}",
        "",
        f"Target `{document.get('target')}`: {format_counts(counts)}.",
    ]
    if totals.get("fault_line"):
        lines.append(f"Faults: {totals['fault_line']}.")
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
