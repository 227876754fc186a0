"""MkDocs hook: fill the conformance page with a real check run of the reference server.

Where ``docs/conformance.md`` holds the marker below, the hook serves the reference the
way a user deploys it (``python -m reference_impl``, the same as ``authconform serve``,
default settings, a free loopback port, demo users written to a credentials file), runs
``authconform check URL --api all --credentials FILE --report DIR`` against it (a small
``--max-examples`` so the build stays quick), stops the server, and renders
``DIR/report.json`` as tables. If the served reference cannot start within its bound,
the hook checks the embedded server instead (``authconform check`` without a URL) and
the page says which one it checked and why.

What a run can end in, and what the build does:

* exit 0 (conformant) or 1 (non-conformant): the page shows every result, failures first
  and in full; the build goes on. The page is a record, not a gate: the test suite is
  where the reference server's conformance is enforced.
* anything else (usage/target error, crash, timeout, no report): the page says the check
  could not run and shows the end of its output, and the hook logs a warning, so
  ``mkdocs build --strict`` still writes the site but exits non-zero: a site without a
  real result is not published as if it had one.

``AUTHCONFORM_SITE_REPORT=DIR`` renders an existing ``DIR/report.json`` instead of
running the check (a CI job that has just produced one); ``AUTHCONFORM_SITE_MAX_EXAMPLES``
changes the example budget, and ``AUTHCONFORM_SITE_PASSWORD_COST=light`` serves the
reference with ``--password-cost light`` (the project's tests: every login a check draws
hashes a password, and the default cost makes that most of the build's time). The page
names the cost whenever it is not the default.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from reference_impl.auth.passwords import COSTS as PASSWORD_COSTS

log = logging.getLogger("mkdocs.hooks.conformance_results")

MARKER = "<!-- conformance-results -->"
DEFAULT_MAX_EXAMPLES = 5
# Bounds the whole check run; the embedded server answers in milliseconds, so a run this
# long means something hangs.
CHECK_TIMEOUT_SECONDS = 300
# Mirrors the console script, so the build needs nothing on PATH.
RUN_CLI = "import sys; from conformance.cli import main; sys.exit(main())"
# The served reference: how long it may take to answer, and to stop after SIGTERM.
SERVE_START_SECONDS = 30
SERVE_STOP_SECONDS = 10
SERVE_READY_PATH = "/.well-known/jwks.json"

# Material's icons are inline SVG (pymdownx.emoji): no emoji font or network needed.
OUTCOME_LABELS = {
    "passed": ":material-check-circle: passed",
    "failed": ":material-close-circle: **failed**",
    "error": ":material-alert-octagon: **error**",
    "warned": ":material-alert: advisory",
    "skipped": ":material-skip-next-circle: skipped",
    "not_applicable": ":material-minus-circle-outline: not applicable",
    "blocked": ":material-link-variant-off: blocked",
}
# Failures first: they are why anyone reads this page; advisories next.
OUTCOME_ORDER = ("failed", "error", "warned", "blocked", "skipped", "not_applicable", "passed")


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, results_markdown(Path(config.config_file_path).parent))


def results_markdown(repo: Path) -> str:
    """The results section: from ``AUTHCONFORM_SITE_REPORT`` or from a fresh run."""
    existing = os.environ.get("AUTHCONFORM_SITE_REPORT")
    if existing:
        report = Path(existing) / "report.json"
        return report_or_problem(report, f"existing report {report}", "")
    with tempfile.TemporaryDirectory(prefix="authconform-site-") as tmp:
        work = Path(tmp)
        report_dir = work / "report"
        cost = os.environ.get("AUTHCONFORM_SITE_PASSWORD_COST", "")
        if cost and cost not in PASSWORD_COSTS:
            log.warning(
                "AUTHCONFORM_SITE_PASSWORD_COST=%s is not one of %s", cost, sorted(PASSWORD_COSTS)
            )
            cost = ""
        with served_reference(repo, work, cost) as (url, credentials, why_not):
            if url:
                how = f"--password-cost {cost}" if cost else "default settings"
                target = f"the served reference (`python -m reference_impl`, {how})"
                command, exit_code, output = run_check(repo, report_dir, url, credentials)
            else:
                log.warning(
                    "served reference did not start (%s); checking the embedded one", why_not
                )
                target = f"the embedded reference (the served one did not start: {why_not})"
                command, exit_code, output = run_check(repo, report_dir)
        report = report_dir / "report.json"
        if exit_code in (0, 1):
            if exit_code == 1:
                log.info("the reference server is not conformant; the page lists the failures")
            return report_or_problem(report, command, output, target)
        log.warning("conformance check failed to run (%s): %s", exit_code, tail(output, 3))
        return problem_markdown(command, f"exit code {exit_code}", output)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served_reference(
    repo: Path, work: Path, password_cost: str = ""
) -> Iterator[tuple[str | None, Path, str]]:
    """``(url, credentials file, "")`` of a served reference, or ``(None, ..., why)``.

    The server is a child process on a free loopback port, stopped (SIGTERM, then kill)
    when the block ends; every wait is bounded.
    """
    credentials = work / "credentials.json"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable, "-m", "reference_impl", "--host", "127.0.0.1", "--port", str(port),
        "--db", str(work / "reference.db"), "--demo-users", "2",
        "--credentials-out", str(credentials),
        *(["--password-cost", password_cost] if password_cost else []),
    ]  # fmt: skip
    with open(work / "serve.log", "wb") as out:
        proc = subprocess.Popen(command, cwd=repo, stdout=out, stderr=subprocess.STDOUT)
    try:
        why_not = _wait_ready(proc, url, credentials)
        if why_not:
            log_tail = tail((work / "serve.log").read_text(errors="replace"), 1)
            yield None, credentials, f"{why_not}; {log_tail}"
        else:
            yield url, credentials, ""
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(SERVE_STOP_SECONDS)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(SERVE_STOP_SECONDS)


def _wait_ready(proc: subprocess.Popen, url: str, credentials: Path) -> str:
    """ "" once the server answers and its credentials file exists, else why not."""
    deadline = time.monotonic() + SERVE_START_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return f"it exited with code {proc.returncode}"
        try:
            with urllib.request.urlopen(url + SERVE_READY_PATH, timeout=1) as answer:
                if answer.status == 200 and credentials.exists():
                    return ""
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.2)
    return f"no answer within {SERVE_START_SECONDS} s"


def run_check(
    repo: Path, report_dir: Path, url: str | None = None, credentials: Path | None = None
) -> tuple[str, int | str, str]:
    """Run the check as a subprocess, bounded in time; returns (command, exit, output)."""
    max_examples = os.environ.get("AUTHCONFORM_SITE_MAX_EXAMPLES", str(DEFAULT_MAX_EXAMPLES))
    args = ["check", *([url] if url else []), "--api", "all"]
    if credentials:
        args += ["--credentials", str(credentials)]
    args += ["--report", str(report_dir), "--max-examples", max_examples]
    hidden = {str(report_dir): "DIR", str(credentials): "FILE"}
    shown = "authconform " + " ".join(hidden.get(a, a) for a in args)
    log.info("running %s", shown)
    try:
        done = subprocess.run(
            [sys.executable, "-c", RUN_CLI, *args],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=CHECK_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        return shown, f"timed out after {CHECK_TIMEOUT_SECONDS} s", _text(exc.stdout, exc.stderr)
    return shown, done.returncode, done.stdout + done.stderr


def _text(*parts: str | bytes | None) -> str:
    return "".join(p.decode(errors="replace") if isinstance(p, bytes) else p or "" for p in parts)


def report_or_problem(report: Path, command: str, output: str, checked: str = "") -> str:
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("no readable conformance report at %s: %s", report, exc)
        return problem_markdown(command, f"no readable report.json ({exc})", output)
    return report_markdown(data, command, checked)


def problem_markdown(command: str, what: str, output: str) -> str:
    """Shown instead of results when there are none: says so plainly, with the evidence."""
    return (
        '!!! danger "The conformance check did not produce a result"\n'
        f"    `{command}` ended with {what}. This build has no conformance result to show.\n\n"
        f"```text\n{tail(output, 40)}\n```\n"
    )


def tail(text: str, lines: int) -> str:
    return "\n".join(text.strip().splitlines()[-lines:]) or "(no output)"


def report_markdown(report: dict, command: str, checked: str = "") -> str:
    """Header facts and totals, then the failures in full, then one table per system."""
    results = report.get("results", [])
    counts = {o: sum(r.get("outcome") == o for r in results) for o in OUTCOME_ORDER}
    bad = [r for r in results if r.get("outcome") in ("failed", "error")]
    warned = [r for r in results if r.get("outcome") == "warned"]
    out = [
        "| Run | |\n|---|---|",
        f"| Date (UTC) | {cell(report.get('date', '?'))} |",
        f"| authconform version | {cell(report.get('version', '?'))} |",
        f"| Target | {cell(report.get('target', '?'))} |",
        f"| Systems | {cell(', '.join(report.get('systems', [])))} |",
        f"| Produced by | `{cell(command)}` |",
        *([f"| Server checked | {cell(checked)} |"] if checked else []),
        "",
        "**Totals:** " + ", ".join(f"{counts[o]} {o}" for o in OUTCOME_ORDER) + "\n",
    ]
    if bad:
        out.append(
            f'!!! failure "{len(bad)} check(s) did not pass"\n'
            "    Each is shown in full under *Failures*, and marked in the tables.\n"
        )
        out.append("### Failures\n")
        out.extend(failure_markdown(r) for r in bad)
    else:
        out.append('!!! success "Every contract check that ran passed"\n')
    if warned:
        out.append("### Advisories\n")
        out.extend(failure_markdown(r, kind="warning") for r in warned)
    out.extend(coverage_markdown(report.get("coverage")))
    systems = report.get("systems") or sorted({r.get("system", "?") for r in results})
    for system in systems:
        rows = sorted((r for r in results if r.get("system") == system), key=_rank)
        out.append(f"### {system}\n")
        out.append("| Check | Group | Level | Outcome | Claim | Message |")
        out.append("|---|---|---|---|---|---|")
        for r in rows:
            outcome = r.get("outcome", "?")
            out.append(
                f"| `{cell(r.get('name', '?'))}` | {cell(r.get('group', ''))} "
                f"| {cell(r.get('level', 'contract'))} "
                f"| {OUTCOME_LABELS.get(outcome, cell(outcome))} "
                f"| {cell(r.get('summary', ''))} | {cell(r.get('message', ''))} |"
            )
        out.append("")
    return "\n".join(out) + "\n"


def coverage_markdown(coverage: dict | None) -> list[str]:
    """Which documented operations and status codes the run saw (report.json ``coverage``)."""
    if not coverage:
        return []
    out = [
        "### Documented-answer coverage\n",
        f"{coverage.get('covered', 0)} of {coverage.get('documented', 0)} documented status "
        f"codes seen ({coverage.get('percent', 0):g}%), by the protocol checks.\n",
        "| System | Operation | Seen | Never seen |",
        "|---|---|---|---|",
    ]
    for system, table in (coverage.get("systems") or {}).items():
        for op in table.get("operations", []):
            seen = ", ".join(op.get("seen", [])) or "none"
            never = ", ".join(op.get("never", [])) or "none"
            operation = f"`{cell(op.get('method', '?'))} {cell(op.get('path', '?'))}`"
            out.append(f"| {cell(system)} | {operation} | {cell(seen)} | {cell(never)} |")
    out.append("")
    return out


def _rank(result: dict) -> int:
    outcome = result.get("outcome")
    return OUTCOME_ORDER.index(outcome) if outcome in OUTCOME_ORDER else 0


def failure_markdown(result: dict, kind: str = "failure") -> str:
    """One failed, broken or advisory check as an open block (readable without JS)."""
    title = f"{result.get('system', '?')} / {result.get('name', '?')}"
    lines = [f'???+ {kind} "{quoted(title)}"', f"    {cell(result.get('message', ''))}", ""]
    details = (result.get("details") or "").strip()
    if details:
        # A four-backtick fence: a ``` in the evidence cannot close it early.
        fence = "    ````"
        lines += [f"{fence}text", *(f"    {line}" for line in details.splitlines()), fence, ""]
    reproduce = (result.get("reproduce") or "").strip()
    if reproduce:
        lines += ["    Reproduce:", "", "    ````sh", *(f"    {x}" for x in reproduce.splitlines())]
        lines += ["    ````", ""]
    return "\n".join(lines) + "\n"


def quoted(text: str) -> str:
    """Text safe inside an admonition's double-quoted title."""
    return cell(text).replace('"', "'")


def cell(value: object) -> str:
    """Text safe inside a Markdown table cell: one line, no column breaks."""
    text = " ".join(str(value).split())
    return text.replace("|", "\\|").replace("<", "&lt;")
