"""report.html: one self-contained page of a run, to attach to a CI job or send to a colleague.

Everything is in the file: inline CSS, no scripts, no fonts, images or links to fetch, so it
opens the same from a mail attachment, a CI artifact or a disk with no network. Failures and
advisories open by default (``<details open>``), with their evidence in full.
"""

from __future__ import annotations

from html import escape

from conformance.engine.faults import fault_line
from conformance.fixloop.html import fixloop_html, reproduce_html
from conformance.model import CheckResult, Outcome, RunResult
from conformance.output.console import format_counts, verdict_line

__all__ = ["render_html"]

_LABEL = {
    Outcome.PASSED: "pass",
    Outcome.FAILED: "FAIL",
    Outcome.WARNED: "advisory",
    Outcome.SKIPPED: "skip",
    Outcome.NOT_APPLICABLE: "n/a",
    Outcome.ERROR: "ERROR",
    Outcome.BLOCKED: "blocked",
}

# Colours with enough contrast in print and on screen; the outcome is also written as text.
_CSS = """
body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 70rem;
       padding: 0 1rem; color: #1b1f24; background: #fff; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1rem; margin: 0; display: inline; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #eaeef2;
         vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; white-space: nowrap; }
code, pre { font: 13px/1.4 ui-monospace, monospace; }
pre { background: #f6f8fa; padding: .75rem; overflow-x: auto; white-space: pre-wrap;
      word-break: break-word; border-radius: 4px; }
.verdict { font-size: 1.2rem; font-weight: bold; padding: .5rem .75rem; border-radius: 4px;
           display: inline-block; }
.ok { background: #dafbe1; color: #116329; }
.bad { background: #ffebe9; color: #a40e26; }
.warn { background: #fff8c5; color: #6f4e00; }
.outcome { font-weight: bold; white-space: nowrap; }
.o-failed, .o-error { color: #a40e26; }
.o-warned { color: #6f4e00; }
.o-passed { color: #116329; }
.o-skipped, .o-not_applicable, .o-blocked { color: #57606a; }
details { border: 1px solid #d0d7de; border-radius: 4px; padding: .5rem .75rem;
          margin: .5rem 0; }
summary { cursor: pointer; }
dl.meta { display: grid; grid-template-columns: max-content auto; gap: .1rem 1rem; }
dl.meta dt { font-weight: bold; }
dl.meta dd { margin: 0; }
"""


def _verdict_class(run: RunResult) -> str:
    if not run.conformant:
        return "bad"
    return "warn" if run.counts()["warned"] else "ok"


def _flagged(result: CheckResult) -> str:
    outcome = result.outcome.value
    return (
        f'<details open class="flagged" id="{escape(result.system)}--{escape(result.name)}">'
        f'<summary><span class="outcome o-{outcome}">{_LABEL[result.outcome]}</span> '
        f"<h3>{escape(result.system)}: <code>{escape(result.name)}</code></h3> "
        f"({escape(result.level.value)})</summary>"
        f"<p>{escape(result.summary)}</p>"
        f"<p><strong>{escape(result.message)}</strong></p>"
        f"<pre>{escape(result.details)}</pre>"
        f"{reproduce_html(result.reproduce)}"  # fix loop
        "</details>"
    )


def _row(result: CheckResult) -> str:
    outcome = result.outcome.value
    took = "&mdash;" if result.duration is None else f"{result.duration:.2f}&nbsp;s"
    return (
        f'<tr><td class="outcome o-{outcome}">{_LABEL[result.outcome]}</td>'
        f"<td>{escape(result.level.value)}</td><td>{escape(result.group)}</td>"
        f"<td><code>{escape(result.name)}</code></td><td>{escape(result.summary)}</td>"
        f'<td class="num">{took}</td><td>{escape(result.message)}</td></tr>'
    )


def render_html(run: RunResult, *, version: str = "") -> str:
    """The whole report as one HTML document."""
    counts = run.counts()
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>authconform report: {escape(run.target)}</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>authconform conformance report</h1>",
        f'<p class="verdict {_verdict_class(run)}" id="verdict">{escape(verdict_line(run))}</p>',
        '<dl class="meta">',
        f"<dt>Target</dt><dd><code>{escape(run.target)}</code></dd>",
        f"<dt>Date</dt><dd>{run.date.strftime('%Y-%m-%d %H:%M:%S')} UTC</dd>",
        f"<dt>Version</dt><dd>authconform {escape(version or '(unknown)')}</dd>",
        f"<dt>Systems</dt><dd>{escape(', '.join(run.systems))}</dd>",
        f"<dt>Strict</dt><dd>{'yes: advisories fail' if run.strict else 'no'}</dd>",
        f"<dt>Checks</dt><dd>{escape(format_counts(counts))}</dd>",
        f"<dt>Faults</dt><dd>{escape(fault_line(run.results))}</dd>",
        "</dl>",
        "<p>A <em>contract</em> check enforces what the documents say, under every reading they "
        "allow; a broken one fails the run. An <em>advisory</em> check is HTTP practice or the "
        "project's own choice where the documents are silent; a broken one fails only under "
        "<code>--strict</code>.</p>",
        "<h2>Summary</h2><table><thead><tr><th>System</th><th>Passed</th><th>Failed</th>"
        "<th>Advisories</th><th>Errors</th><th>Skipped</th><th>N/A</th><th>Total</th>"
        "</tr></thead><tbody>",
    ]
    for system in run.systems:
        c = run.counts(system)
        cells = "".join(
            f'<td class="num">{c[key]}</td>'
            for key in ("passed", "failed", "warned", "error", "skipped", "not_applicable", "total")
        )
        parts.append(f"<tr><td>{escape(system)}</td>{cells}</tr>")
    parts.append("</tbody></table>")
    flagged = run.flagged()
    if flagged:
        parts.append('<h2 id="flagged">Failures, errors and advisories</h2>')
        parts.extend(_flagged(result) for result in flagged)
    parts.extend(fixloop_html(run.extra))  # fix loop: coverage, baseline
    for system in run.systems:
        parts += [
            f'<h2 id="system-{escape(system)}">{escape(system)}</h2>',
            f"<p>{escape(format_counts(run.counts(system)))}.</p>",
            "<table><thead><tr><th>Outcome</th><th>Level</th><th>Group</th><th>Check</th>"
            "<th>Claim</th><th>Time</th><th>Note</th></tr></thead><tbody>",
        ]
        parts.extend(_row(r) for r in run.results if r.system == system)
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
