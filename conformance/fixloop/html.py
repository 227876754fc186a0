"""The fix loop's parts of report.html: a reproducer per finding, coverage, the baseline."""

from __future__ import annotations

from html import escape
from typing import Any

__all__ = ["fixloop_html", "reproduce_html"]


def reproduce_html(reproduce: str) -> str:
    """A finding's reproducer as a preformatted shell block (empty when it has none)."""
    if not reproduce:
        return ""
    # A code block, not a second <pre>: the evidence stays the finding's one <pre>.
    return (
        '<p>Reproduce:</p><code class="reproduce" style="display:block; white-space:pre-wrap; '
        f'background:#f6f8fa; padding:.75rem">{escape(reproduce)}</code>'
    )


def _codes(codes: list[Any]) -> str:
    return escape(", ".join(map(str, codes))) if codes else "none"


def fixloop_html(extra: dict[str, Any]) -> list[str]:
    """The coverage table and the comparison with the baseline, when the run has them."""
    parts: list[str] = []
    coverage = extra.get("coverage")
    if coverage:
        parts += [
            '<h2 id="coverage">Documented-answer coverage</h2>',
            f"<p>{coverage['covered']} of {coverage['documented']} documented status codes "
            f"seen ({coverage['percent']:g}%).</p>",
            "<table><thead><tr><th>System</th><th>Operation</th><th>Seen</th>"
            "<th>Never seen</th><th>Undocumented seen</th></tr></thead><tbody>",
        ]
        for system, table in coverage["systems"].items():
            for op in table["operations"]:
                parts.append(
                    f"<tr><td>{escape(system)}</td>"
                    f"<td><code>{escape(op['method'])} {escape(op['path'])}</code></td>"
                    f"<td>{_codes(op['seen'])}</td><td>{_codes(op['never'])}</td>"
                    f"<td>{_codes(op['undocumented']) if op['undocumented'] else '&mdash;'}</td>"
                    "</tr>"
                )
        parts.append("</tbody></table>")
    block = extra.get("baseline")
    if block:
        parts += [
            '<h2 id="baseline">Against the baseline</h2>',
            f"<p>Baseline <code>{escape(str(block['against']))}</code>: {len(block['new'])} new, "
            f"{len(block['unchanged'])} unchanged, {len(block['fixed'])} fixed.</p><ul>",
        ]
        for label in ("new", "unchanged", "fixed"):
            for entry in block[label]:
                parts.append(
                    f"<li>{label}: {escape(str(entry['system']))} "
                    f"<code>{escape(str(entry['name']))}</code> ({escape(str(entry['level']))}) "
                    f"{escape(entry['cause'] or '')}</li>"
                )
        parts.append("</ul>")
    return parts
