"""The fix loop's sections of report.md: a reproducer per finding, coverage, the baseline."""

from __future__ import annotations

from typing import Any

from conformance.fixloop.coverage import coverage_markdown

__all__ = ["fixloop_markdown", "reproduce_markdown"]


def reproduce_markdown(reproduce: str) -> list[str]:
    """A finding's reproducer as a shell block (nothing when it has none)."""
    if not reproduce:
        return []
    return ["Reproduce:", "", "```sh", reproduce.replace("```", "'''"), "```", ""]


def fixloop_markdown(extra: dict[str, Any]) -> list[str]:
    """The coverage table and the comparison with the baseline, when the run has them."""
    lines: list[str] = []
    if extra.get("coverage"):
        lines += ["", "## Documented-answer coverage", "", *coverage_markdown(extra["coverage"])]
    block = extra.get("baseline")
    if block:
        lines += [
            "",
            "## Against the baseline",
            "",
            f"Baseline: `{block['against']}` ({block.get('against_date') or 'undated'}): "
            f"{len(block['new'])} new, {len(block['unchanged'])} unchanged, "
            f"{len(block['fixed'])} fixed.",
        ]
        for label in ("new", "unchanged", "fixed"):
            for entry in block[label]:
                lines.append(
                    f"- {label}: {entry['system']} `{entry['name']}` ({entry['level']}) "
                    f"{entry['cause'] or ''}".rstrip()
                )
    return lines
