"""Reports of a run: JUnit XML for CI, Markdown and one self-contained HTML page for people,
JSON for tools."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from conformance.engine.faults import fault_identity, fault_line, group_faults
from conformance.errors import UsageError
from conformance.fixloop.document import add_fixloop
from conformance.fixloop.markdown import fixloop_markdown, reproduce_markdown
from conformance.model import Outcome, RunResult
from conformance.output.console import format_counts, verdict_line
from conformance.sources import cited

__all__ = ["report_json", "tool_version", "write_reports"]


def tool_version() -> str:
    try:
        return metadata.version("authconform")
    except metadata.PackageNotFoundError:
        return "0+unknown"


# Results that show a fault: the ones a baseline remembers, and blocked ones under their cause.
_FAULTY = (Outcome.FAILED, Outcome.WARNED, Outcome.ERROR, Outcome.BLOCKED)


def _faults_markdown(run: RunResult) -> list[str]:
    """Each fault, then every result it explains (both stages), as the terminal lists them."""
    faults = group_faults(run.results)
    lines = ["", "## Faults", ""] if faults else []
    for number, fault in enumerate(faults, start=1):
        lines.append(f"{number}. {_cell(fault.key)}")
        lines += [f"    - {r.outcome.value} `{r.name}`: {_cell(r.message)}" for r in fault.results]
    return lines


def report_json(run: RunResult) -> dict[str, Any]:
    """The report.json document (format fixed in the project's shared contract)."""
    totals: dict[str, Any] = run.counts()
    totals["by_system"] = {system: run.counts(system) for system in run.systems}
    totals["conformant"] = run.conformant
    totals["strict"] = run.strict
    totals["incomplete"] = run.incomplete  # why the run stopped early, or None
    faults = group_faults(run.results)
    totals["faults"] = sum(1 for f in faults if f.failures)
    totals["fault_line"] = fault_line(run.results)
    document = {
        "tool": "authconform",
        "version": tool_version(),
        "date": run.date.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "target": run.target,
        "systems": list(run.systems),
        "results": [
            {
                "system": r.system,
                "name": r.name,
                "group": r.group,
                "summary": r.summary,
                "outcome": r.outcome.value,
                "level": r.level.value,
                "source": r.source,  # what the claim enforces: seed page, RFC section, ASVS id
                "message": r.message,
                "details": r.details,
                "duration": None if r.duration is None else round(r.duration, 4),
                "cause": r.cause,  # blocked: the failing check; a 5xx: "METHOD /path"
                "observed": r.observed,  # what the failure saw, in conformance.observed's words
                # The fault it shows, (system, operation, observed): baselines and SARIF key on it.
                "fault": fault_identity(r, run.results) if r.outcome in _FAULTY else "",
                "reproduce": r.reproduce,  # fix loop: curl lines, secrets as $VARIABLES
                "request": r.request,  # fix loop: the failing request, for fingerprints
            }
            for r in run.results
        ],
        "faults": [
            {
                "fault": f.key,
                "cause": f.key,  # the same, under its first name
                "failed": [r.name for r in f.failures],
                "blocked": [r.name for r in f.blocked],
            }
            for f in faults
        ],
        "totals": totals,
    }
    return add_fixloop(document, run.extra)  # fix loop: settings, coverage, baseline


def _junit(run: RunResult) -> ET.ElementTree:
    root = ET.Element("testsuites", name="authconform", tests=str(len(run.results)))
    for system in run.systems:
        results = [r for r in run.results if r.system == system]
        counts = run.counts(system)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=system,
            tests=str(counts["total"]),
            failures=str(counts["failed"] + (counts["warned"] if run.strict else 0)),
            errors=str(counts["error"]),
            skipped=str(counts["skipped"] + counts["not_applicable"] + counts["blocked"]),
            time=f"{sum(r.duration or 0.0 for r in results):.3f}",
            timestamp=run.date.strftime("%Y-%m-%dT%H:%M:%S"),
        )
        for r in results:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"{system}.{r.group}",
                name=r.name,
                time=f"{r.duration or 0.0:.3f}",
            )
            properties = ET.SubElement(case, "properties")
            ET.SubElement(properties, "property", name="level", value=r.level.value)
            ET.SubElement(properties, "property", name="outcome", value=r.outcome.value)
            if r.cause:  # blocked by this check, or the 5xx request this failure shares
                ET.SubElement(properties, "property", name="cause", value=r.cause)
            text = r.details + (f"\nreproduce:\n{r.reproduce}" if r.reproduce else "")  # fix loop
            if r.outcome is Outcome.FAILED or (r.outcome is Outcome.WARNED and run.strict):
                kind = "CheckFailure" if r.outcome is Outcome.FAILED else "AdvisoryUnderStrict"
                ET.SubElement(case, "failure", message=r.message, type=kind).text = text
            elif r.outcome is Outcome.WARNED:
                # JUnit has no "warning": the case passes, the advisory rides along as output.
                ET.SubElement(case, "system-out").text = f"ADVISORY: {r.message}\n{text}"
            elif r.outcome is Outcome.ERROR:
                ET.SubElement(case, "error", message=r.message, type="CheckError").text = r.details
            elif r.outcome in (Outcome.SKIPPED, Outcome.NOT_APPLICABLE, Outcome.BLOCKED):
                ET.SubElement(case, "skipped", message=r.message)
    ET.indent(root)
    return ET.ElementTree(root)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _source_links(text: str) -> str:
    """The cited sources as links (``[RFC 9110 §15.6](https://...)``), else the text as given."""
    sources = cited(text)
    if not sources:
        return _cell(text)
    return "; ".join(f"[{s.label}]({s.url})" for s in sources)


def _markdown(run: RunResult) -> str:
    icon = {
        "passed": "pass",
        "failed": "**FAIL**",
        "warned": "*warn*",
        "skipped": "skip",
        "not_applicable": "n/a",
        "error": "**ERROR**",
        "blocked": "*blocked*",
    }
    verdict = verdict_line(run)
    lines = [
        "# authconform conformance report",
        "",
        f"- Target: `{run.target}`",
        f"- Date: {run.date.strftime('%Y-%m-%d %H:%M:%S')} UTC",
        f"- Version: authconform {tool_version()}",
        f"- Verdict: {verdict if run.conformant else f'**{verdict}**'} "
        f"({format_counts(run.counts())})",
        f"- Faults: {fault_line(run.results)}",
    ]
    for system in run.systems:
        lines += [
            "",
            f"## {system}",
            "",
            f"{format_counts(run.counts(system))}.",
            "",
            "| Outcome | Level | Group | Check | Claim | Time | Note |",
            "|---|---|---|---|---|---:|---|",
        ]
        for r in (r for r in run.results if r.system == system):
            took = "—" if r.duration is None else f"{r.duration:.2f} s"
            lines.append(
                f"| {icon[r.outcome.value]} | {r.level.value} | {r.group} | `{r.name}` "
                f"| {_cell(r.summary)} | {took} | {_cell(r.message)} |"
            )
    lines += _faults_markdown(run)
    flagged = run.flagged()
    if flagged:
        lines += ["", "## Failures and advisories", ""]
        for r in flagged:
            lines += [
                f"### {icon[r.outcome.value]} {r.system}: `{r.name}` ({r.level.value})",
                "",
                f"{r.summary}",
                "",
                *([f"Source: {_source_links(r.source)}", ""] if r.source else []),
                f"**{r.message}**",
                "",
                "```text",
                r.details.replace("```", "'''"),
                "```",
                "",
            ]
            lines += reproduce_markdown(r.reproduce)  # fix loop
    lines += fixloop_markdown(run.extra)  # fix loop: coverage, baseline
    return "\n".join(lines).rstrip() + "\n"


def write_reports(run: RunResult, directory: str | Path) -> list[Path]:
    """Write junit.xml, report.md, report.json and report.html into ``directory``.

    ``directory`` is created if missing.
    """
    from conformance.output import write_extra_outputs
    from conformance.output.html import render_html

    out = Path(directory)
    try:
        out.mkdir(parents=True, exist_ok=True)
        junit = out / "junit.xml"
        _junit(run).write(junit, encoding="utf-8", xml_declaration=True)
        markdown = out / "report.md"
        markdown.write_text(_markdown(run), encoding="utf-8")
        data = out / "report.json"
        data.write_text(json.dumps(report_json(run), indent=2) + "\n", encoding="utf-8")
        page = out / "report.html"
        page.write_text(render_html(run, version=tool_version()), encoding="utf-8")
        extras = write_extra_outputs(report_json(run), out)  # fix loop: SARIF, job summary
    except OSError as exc:
        raise UsageError(f"--report {directory}", exc.strerror or str(exc)) from exc
    return [junit, markdown, data, page, *extras]
