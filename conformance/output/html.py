"""report.html: one self-contained page of a run, to attach to a CI job or send to a colleague.

Everything is in the file: inline CSS, no scripts, no fonts, images or links to fetch, so it
opens the same from a mail attachment, a CI artifact or a disk with no network. Failures and
advisories open by default (``<details open>``), with their evidence in full.

The markup is ``templates/report.html.j2`` (its style in ``report.css.j2``), rendered with
autoescape on: masking and control-byte escaping happen in the engine before, and the
template escapes every value, so a target's text can never become markup in the page.
"""

from __future__ import annotations

from functools import cache

import jinja2

from conformance.engine.faults import fault_line
from conformance.fixloop.html import fixloop_html, reproduce_html
from conformance.model import Outcome, RunResult
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


@cache
def _template() -> jinja2.Template:
    """The page, from the package's templates; autoescaped, since every value is target text."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("conformance.output", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
    )
    return env.get_template("report.html.j2")


def _verdict_class(run: RunResult) -> str:
    if not run.conformant:
        return "bad"
    return "warn" if run.counts()["warned"] else "ok"


def render_html(run: RunResult, *, version: str = "") -> str:
    """The whole report as one HTML document."""
    systems = [
        {
            "name": system,
            "counts": run.counts(system),
            "counts_line": format_counts(run.counts(system)),
            "results": [r for r in run.results if r.system == system],
        }
        for system in run.systems
    ]
    return _template().render(
        run=run,
        version=version,
        verdict=verdict_line(run),
        verdict_class=_verdict_class(run),
        counts_line=format_counts(run.counts()),
        faults_line=fault_line(run.results),
        systems=systems,
        flagged=run.flagged(),
        labels=_LABEL,
        reproduce=reproduce_html,
        fixloop=fixloop_html(run.extra),
    )
