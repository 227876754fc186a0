"""Every output of one run gives the same counts, and each says what actually happened.

The terminal, report.md, report.html, report.summary.md and report.json are read back after one real
run that has failures, advisories, blocked checks and not-applicable ones; the failed,
warned, blocked, N/A and fault counts must agree everywhere.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from independent import user_api
from suite_in_process import run_checks
from test_independent import check_in_process

from conformance.fuzz.run import phase_note
from conformance.model import Outcome
from conformance.output.console import format_counts

# format_counts, as every output writes it.
COUNTS = re.compile(
    r"(?P<passed>\d+) passed, (?P<failed>\d+) failed, (?P<warned>\d+) advisories, "
    r"(?P<error>\d+) errors, (?P<skipped>\d+) skipped, (?P<not_applicable>\d+) not applicable, "
    r"(?P<blocked>\d+) blocked \((?P<total>\d+) checks\)"
)
FAULTS = re.compile(
    r"(?P<failures>\d+) failures? from (?P<faults>\d+) distinct faults?"
    r"(?:; (?P<blocked>\d+) checks? blocked by them)?"
)
KEYS = ("failed", "warned", "blocked", "not_applicable", "error", "total")


def _said(name: str, text: str) -> dict[str, int]:
    """The counts and fault numbers one output states (its first, whole-run statement)."""
    counts = COUNTS.search(text)
    faults = FAULTS.search(text)
    assert counts and faults, f"{name} states no counts or no fault line"
    said = {key: int(counts[key]) for key in KEYS}
    said["faults"] = int(faults["faults"])
    said["failures"] = int(faults["failures"])
    said["blocked_by_faults"] = int(faults["blocked"] or 0)
    return said


@pytest.mark.slow
def test_terminal_and_every_report_give_the_same_counts(tmp_path: Path) -> None:
    """User API signup answering 201 and no userName: failures, blocked checks, advisories
    and not-applicable Schemathesis checks in one run, counted alike everywhere."""
    verdict = check_in_process(tmp_path, "user-api", ("signup_answers_201", "omits_user_name"))
    report = tmp_path / "report"
    totals = json.loads((report / "report.json").read_text("utf-8"))["totals"]
    for key in ("failed", "warned", "blocked", "not_applicable", "faults"):
        assert totals[key] > 0, (key, totals)
    expected = {key: totals[key] for key in KEYS}
    expected |= {
        "faults": totals["faults"],
        "failures": totals["failed"] + totals["error"],
        "blocked_by_faults": totals["blocked"],
    }
    terminal = verdict.output[verdict.output.index("Summary for ") :]
    outputs = {
        "terminal": terminal,
        "report.md": (report / "report.md").read_text("utf-8"),
        "report.summary.md": (report / "report.summary.md").read_text("utf-8"),
        "report.html": html.unescape((report / "report.html").read_text("utf-8")),
        "report.json": f"{format_counts(totals)}\n{totals['fault_line']}",
    }
    for name, text in outputs.items():
        assert _said(name, text) == expected, name
    # Only an advisory warned in the coverage phase (405 expected, 404 given): no "failure".
    probes = [r for r in verdict.results if r["name"] == "schemathesis.unsupported_method"]
    assert probes and {r["outcome"] for r in probes} == {"warned"}, probes
    assert "coverage failure" not in verdict.output


def test_a_phase_note_never_calls_an_advisory_finding_a_failure() -> None:
    assert (
        phase_note("duktig", "coverage", "failure") == "schemathesis: duktig: coverage phase done"
    )
    assert phase_note("fib", "stateful", "skip") == "schemathesis: fib: stateful phase skipped"


def test_login_token_without_user_name_says_absent_not_another_user(served) -> None:
    url = served(user_api, ("tokens_omit_user_name",))
    result = run_checks("user-api", url, {"user-api": user_api.credentials()})[
        "login_token_names_the_user"
    ]
    assert result.outcome is Outcome.FAILED
    assert result.message == "login token lacks the claim userName"
    assert "another user" not in result.message + result.details


def test_login_token_naming_someone_else_says_another_user(served) -> None:
    url = served(user_api, ("login_token_names_other_user",))
    result = run_checks("user-api", url, {"user-api": user_api.credentials()})[
        "login_token_names_the_user"
    ]
    assert result.outcome is Outcome.FAILED
    assert result.message == "login token's claims name another user"
