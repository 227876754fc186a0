"""Reports of a run: JUnit XML for CI, Markdown for people, JSON for tools."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from conformance.errors import UsageError
from conformance.registry import Outcome
from conformance.runner import RunResult

__all__ = ["report_json", "tool_version", "write_reports"]


def tool_version() -> str:
    try:
        return metadata.version("authconform")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def report_json(run: RunResult) -> dict[str, Any]:
    """The report.json document (format fixed in the project's shared contract)."""
    totals: dict[str, Any] = run.counts()
    totals["by_system"] = {system: run.counts(system) for system in run.systems}
    totals["conformant"] = run.conformant
    return {
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
                "message": r.message,
                "details": r.details,
                "duration": round(r.duration, 4),
            }
            for r in run.results
        ],
        "totals": totals,
    }


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
            failures=str(counts["failed"]),
            errors=str(counts["error"]),
            skipped=str(counts["skipped"]),
            time=f"{sum(r.duration for r in results):.3f}",
            timestamp=run.date.strftime("%Y-%m-%dT%H:%M:%S"),
        )
        for r in results:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"{system}.{r.group}",
                name=r.name,
                time=f"{r.duration:.3f}",
            )
            if r.outcome is Outcome.FAILED:
                ET.SubElement(
                    case, "failure", message=r.message, type="CheckFailure"
                ).text = r.details
            elif r.outcome is Outcome.ERROR:
                ET.SubElement(case, "error", message=r.message, type="CheckError").text = r.details
            elif r.outcome is Outcome.SKIPPED:
                ET.SubElement(case, "skipped", message=r.message)
    ET.indent(root)
    return ET.ElementTree(root)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown(run: RunResult) -> str:
    icon = {"passed": "pass", "failed": "**FAIL**", "skipped": "skip", "error": "**ERROR**"}
    c = run.counts()
    lines = [
        "# authconform conformance report",
        "",
        f"- Target: `{run.target}`",
        f"- Date: {run.date.strftime('%Y-%m-%d %H:%M:%S')} UTC",
        f"- Version: authconform {tool_version()}",
        f"- Verdict: {'conformant' if run.conformant else '**not conformant**'} "
        f"({c['passed']} passed, {c['failed']} failed, {c['error']} errors, "
        f"{c['skipped']} skipped)",
    ]
    for system in run.systems:
        s = run.counts(system)
        lines += [
            "",
            f"## {system}",
            "",
            f"{s['passed']} passed, {s['failed']} failed, {s['error']} errors, "
            f"{s['skipped']} skipped.",
            "",
            "| Outcome | Group | Check | Claim | Time | Note |",
            "|---|---|---|---|---:|---|",
        ]
        for r in (r for r in run.results if r.system == system):
            lines.append(
                f"| {icon[r.outcome.value]} | {r.group} | `{r.name}` | {_cell(r.summary)} "
                f"| {r.duration:.2f} s | {_cell(r.message)} |"
            )
    bad = [r for r in run.results if r.outcome in (Outcome.FAILED, Outcome.ERROR)]
    if bad:
        lines += ["", "## Failures", ""]
        for r in bad:
            lines += [
                f"### {r.system}: `{r.name}`",
                "",
                f"{r.summary}",
                "",
                f"**{r.message}**",
                "",
                "```text",
                r.details.replace("```", "'''"),
                "```",
                "",
            ]
    return "\n".join(lines).rstrip() + "\n"


def write_reports(run: RunResult, directory: str | Path) -> list[Path]:
    """Write junit.xml, report.md and report.json into ``directory`` (created if missing)."""
    out = Path(directory)
    try:
        out.mkdir(parents=True, exist_ok=True)
        junit = out / "junit.xml"
        _junit(run).write(junit, encoding="utf-8", xml_declaration=True)
        markdown = out / "report.md"
        markdown.write_text(_markdown(run), encoding="utf-8")
        data = out / "report.json"
        data.write_text(json.dumps(report_json(run), indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--report {directory}", exc.strerror or str(exc)) from exc
    return [junit, markdown, data]
