"""The Action's fix-loop parts: job summary, opt-in SARIF upload, baseline and coverage inputs.

The steps' scripts run here under bash, as the runner would run them; the check step runs
with a stand-in ``authconform`` that prints the arguments it was given.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from action_file import load_action
from action_runner import run_action

REPO = Path(__file__).resolve().parent.parent
ACTION = REPO / "action.yml"
SCRIPT_TIMEOUT_SECONDS = 30


def _step(name: str) -> dict:
    return next(s for s in load_action(ACTION)["runs"]["steps"] if s.get("name") == name)


def _summary_step(report_dir: Path, summary_file: Path | None) -> subprocess.CompletedProcess:
    env = {**os.environ, "REPORT_DIR": str(report_dir)}
    env.pop("GITHUB_STEP_SUMMARY", None)
    if summary_file is not None:
        env["GITHUB_STEP_SUMMARY"] = str(summary_file)
    return subprocess.run(
        ["bash", "-c", _step("Write the job summary")["run"]],
        env=env,
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT_SECONDS,
        check=False,
    )


def test_the_job_summary_step_appends_the_reports_summary(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "report.summary.md").write_text("### authconform: NOT conformant\n")
    summary = tmp_path / "step-summary.md"
    summary.write_text("earlier step\n")
    done = _summary_step(reports, summary)
    assert done.returncode == 0, done.stderr
    assert summary.read_text() == "earlier step\n### authconform: NOT conformant\n"


def test_the_job_summary_step_is_quiet_without_a_report_or_a_summary_file(tmp_path: Path) -> None:
    assert _summary_step(tmp_path / "missing", tmp_path / "s.md").returncode == 0
    assert not (tmp_path / "s.md").exists()
    assert _summary_step(tmp_path, None).returncode == 0


def test_the_summary_runs_after_a_failed_check_and_sarif_upload_is_opt_in() -> None:
    action = load_action(ACTION)
    assert action["inputs"]["upload-sarif"]["default"] == "false"
    assert "!cancelled()" in _step("Write the job summary")["if"]
    upload = _step("Upload SARIF to code scanning")
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert "inputs.upload-sarif == 'true'" in upload["if"]
    assert upload["with"]["sarif_file"] == "${{ inputs.report-dir }}/report.sarif"


def _check_args(tmp_path: Path, **inputs: str) -> str:
    tmp_path.mkdir(parents=True, exist_ok=True)
    fake = tmp_path / "authconform"
    fake.write_text('#!/bin/sh\necho "ARGS: $*"\n')
    fake.chmod(0o755)
    run = run_action(
        load_action(ACTION),
        REPO,
        {"url": "http://127.0.0.1:9", **inputs},
        tmp_path,
        only={"Check"},
        env={"AUTHCONFORM_BIN": str(fake)},
    )
    assert run.exit_codes == {"Check": 0}, run.logs
    return run.logs["Check"]


def test_baseline_fail_on_and_min_coverage_reach_the_command(tmp_path: Path) -> None:
    plain = _check_args(tmp_path / "plain")
    assert "--baseline" not in plain and "--min-coverage" not in plain
    given = _check_args(
        tmp_path / "given",
        baseline="old reports",
        **{"fail-on": "new", "min-coverage": "40"},
    )
    assert "--baseline old reports --fail-on new --min-coverage 40" in given
