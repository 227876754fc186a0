"""Console text of a run: one line per finished check as it comes, then the summary.

The engine prints nothing; it hands notes (strings) and finished results to the progress
callback it is given. :func:`progress_line` turns either into the line the CLI prints, and
the Markdown and HTML reports reuse the count and verdict sentences from here.
"""

from __future__ import annotations

from conformance.engine.faults import fault_line, group_faults
from conformance.model import BAD_OUTCOMES, CheckResult, Level, Outcome, RunResult, Stopped
from conformance.sources import source_labels

__all__ = [
    "format_counts",
    "format_line",
    "format_summary",
    "progress_line",
    "verdict_line",
]

_LABELS = {
    Outcome.PASSED: "PASS",
    Outcome.FAILED: "FAIL",
    Outcome.WARNED: "WARN",
    Outcome.SKIPPED: "SKIP",
    Outcome.NOT_APPLICABLE: "N/A ",
    Outcome.ERROR: "ERR ",
    Outcome.BLOCKED: "BLKD",
}


def format_line(result: CheckResult) -> str:
    """One progress line: ``  PASS fib  login  correctly_signed_login_succeeds  0.02s``.

    Advisory checks say so (``[advisory]``); a check timed only as part of a tool's run
    shows no time of its own.
    """
    line = f"  {_LABELS[result.outcome]} {result.system}  {result.group}  {result.name}"
    if result.level is not Level.CONTRACT:
        line += f"  [{result.level.value}]"
    if result.duration is not None:
        line += f"  {result.duration:.2f}s"
    explained = (Outcome.SKIPPED, Outcome.NOT_APPLICABLE, Outcome.WARNED, Outcome.BLOCKED)
    if result.outcome in explained and result.message:
        line += f"  ({result.message})"
    return line


def format_summary(run: RunResult) -> str:
    """Per-system counts, then each fault with the results it explains, then the advisories."""
    lines = ["", f"Summary for {run.target}"]
    for system in run.systems:
        lines.append(f"  {system}: {format_counts(run.counts(system))}")
    if len(run.systems) > 1:
        lines.append(f"  all: {format_counts(run.counts())}")
    for number, fault in enumerate(group_faults(run.results), start=1):
        lines.append("")
        lines.append(f"FAULT {number}: {fault.key}")
        for result in fault.failures:
            lines.extend(_flagged_lines(result))
        for result in fault.blocked:
            lines.append(f"  BLOCKED {result.system} {result.name}: {result.message}")
    for result in run.results:
        if result.outcome is Outcome.WARNED:
            lines.append("")
            lines.extend(_flagged_lines(result))
    not_run = [r.name for r in run.results if r.stopped is Stopped.NOT_RUN]
    if run.incomplete and not_run:
        lines.append("")
        lines.append(f"did not run ({len(not_run)}): {', '.join(not_run)}")
    lines.append("")
    lines.append(fault_line(run.results))
    lines.append(verdict_line(run))
    return "\n".join(lines)


def _flagged_lines(result: CheckResult) -> list[str]:
    label = _LABELS[result.outcome].strip()
    lines = [f"{label} {result.system} {result.name} [{result.level.value}]"]
    lines.append(f"  claim: {result.summary}")
    if result.source:
        lines.append(f"  source: {source_labels(result.source)}")
    lines.append(f"  {result.message}")
    lines.extend(f"  {line}" for line in result.details.splitlines())
    if result.reproduce:  # fix loop
        lines.append("  reproduce:")
        lines.extend(f"    {line}" for line in result.reproduce.splitlines())
    return lines


def format_counts(c: dict[str, int]) -> str:
    """``12 passed, 0 failed, 1 advisories, 0 errors, 3 skipped, 1 not applicable, 0 blocked
    (17 checks)``: every count, always, so the terminal and every report say the same."""
    return (
        f"{c['passed']} passed, {c['failed']} failed, {c['warned']} advisories, "
        f"{c['error']} errors, {c['skipped']} skipped, {c['not_applicable']} not applicable, "
        f"{c.get('blocked', 0)} blocked ({c['total']} checks)"
    )


def verdict_line(run: RunResult) -> str:
    """The run's verdict in words, naming advisories and whether --strict counted them."""
    warned = run.counts()["warned"]
    if run.incomplete:
        return f"INCOMPLETE: {run.incomplete}"
    if not run.conformant:
        if run.strict and not any(r.outcome in BAD_OUTCOMES for r in run.results):
            return f"NOT conformant under --strict ({warned} advisories)"
        return "NOT conformant"
    if warned:
        return f"conformant, with {warned} advisories (--strict would fail them)"
    return "conformant"


def progress_line(event: str | CheckResult) -> str:
    """The console line for one progress event: a note as it is, a result as :func:`format_line`."""
    return event if isinstance(event, str) else format_line(event)
