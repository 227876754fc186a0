"""`authconform check` end to end against real loopback servers, the command run in-process."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from broken_fib import BROKEN
from in_process import authconform

from reference_impl.serving.embedded import running_server


def check(*args: str) -> subprocess.CompletedProcess[str]:
    """``authconform check ARGS``, its exit code and output as a user would see them."""
    return authconform("check", *args)


def _write_credentials(tmp_path: Path, credentials: dict) -> Path:
    path = tmp_path / "credentials.json"
    path.write_text(json.dumps(credentials), encoding="utf-8")
    return path


@pytest.mark.slow
def test_check_without_url_checks_the_embedded_server_and_reports(tmp_path: Path) -> None:
    report = tmp_path / "out" / "reports"
    result = check("--max-examples", "2", "--seed", "1", "--report", str(report))
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "conformant" in result.stdout
    data = json.loads((report / "report.json").read_text(encoding="utf-8"))
    assert data["tool"] == "authconform"
    assert "fib" in data["systems"]
    assert data["totals"]["failed"] == data["totals"]["error"] == 0
    assert {r["group"] for r in data["results"] if r["system"] == "fib"} >= {
        "login",
        "robustness",
        "schemathesis",
    }
    suites = ET.parse(report / "junit.xml").getroot().findall("testsuite")
    assert {s.get("name") for s in suites} == set(data["systems"])
    assert "correctly_signed_login_succeeds" in (report / "report.md").read_text(encoding="utf-8")


def test_check_url_with_credentials_file_exits_0(tmp_path: Path) -> None:
    with running_server(demo_users=2) as server:
        credentials = _write_credentials(tmp_path, server.credentials)
        result = check(server.url, "--credentials", str(credentials), "--no-fuzz")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "  PASS fib  login  correctly_signed_login_succeeds" in result.stdout
    for system in ("fib", "user-api", "duktig"):  # the reference refuses every operator
        assert f"  PASS {system}  login  operator_objects_log_nobody_in" in result.stdout
    for line in (  # and keeps real-world emails as registered, whatever their case
        "  PASS user-api  signup  registered_email_logs_in_as_sent",
        "  PASS user-api  signup  signup_takes_mixed_case_and_plus_addresses",
        "  PASS user-api  login  login_takes_the_email_in_another_case",
    ):
        assert line in result.stdout, result.stdout[-4000:]
    assert "fib: " in result.stdout and " 0 failed" in result.stdout


def test_check_of_a_broken_server_exits_1_naming_the_check(tmp_path: Path) -> None:
    options, must_fail = BROKEN["accepts_any_signature"]
    report = tmp_path / "report"
    with running_server(demo_users=1, **options) as server:
        credentials = _write_credentials(tmp_path, server.credentials)
        result = check(
            server.url,
            "--credentials",
            str(credentials),
            "--no-fuzz",
            "--no-lifecycle",
            "--report",
            str(report),
        )
    assert result.returncode == 1, result.stdout[-4000:] + result.stderr[-2000:]
    assert f"FAIL fib  login  {must_fail}" in result.stdout
    assert "NOT conformant" in result.stdout
    failed = [
        r["name"]
        for r in json.loads((report / "report.json").read_text(encoding="utf-8"))["results"]
        if r["outcome"] == "failed"
    ]
    assert must_fail in failed
    junit = ET.parse(report / "junit.xml").getroot()
    failing = [c.get("name") for c in junit.iter("testcase") if c.find("failure") is not None]
    assert must_fail in failing


def test_reports_render_every_outcome(tmp_path: Path) -> None:
    from conformance.model import CheckResult, Outcome, RunResult
    from conformance.output.report import write_reports

    def result(name: str, outcome: Outcome, message: str = "") -> CheckResult:
        return CheckResult(
            "fib",
            name,
            "login",
            f"{name} holds",
            outcome,
            message,
            "received:   HTTP 500" if message else "",
            0.5,
        )

    run = RunResult(
        target="http://127.0.0.1:1",
        systems=["fib"],
        results=[
            result("a_passes", Outcome.PASSED),
            result("b_fails", Outcome.FAILED, "b went wrong"),
            result("c_skips", Outcome.SKIPPED, "no credentials"),
            result("d_breaks", Outcome.ERROR, "KeyError: 'x'"),
        ],
    )
    write_reports(run, tmp_path / "new" / "dir")
    out = tmp_path / "new" / "dir"
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert set(data) >= {"tool", "version", "date", "target", "systems", "results", "totals"}
    assert data["date"].endswith("Z")
    assert [r["outcome"] for r in data["results"]] == ["passed", "failed", "skipped", "error"]
    assert data["totals"]["failed"] == data["totals"]["error"] == 1
    assert data["totals"]["conformant"] is False
    suite = ET.parse(out / "junit.xml").getroot().find("testsuite")
    assert (
        suite.get("tests"),
        suite.get("failures"),
        suite.get("errors"),
        suite.get("skipped"),
    ) == (
        "4",
        "1",
        "1",
        "1",
    )
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert cases["b_fails"].find("failure").get("message") == "b went wrong"
    assert cases["c_skips"].find("skipped").get("message") == "no credentials"
    assert cases["d_breaks"].find("error") is not None
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "**NOT conformant**" in markdown
    assert "### **FAIL** fib: `b_fails` (contract)" in markdown


def test_check_url_defaults_to_the_systems_of_the_credentials_file(tmp_path: Path) -> None:
    with running_server(demo_users=1) as server:
        given = {k: server.credentials[k] for k in ("fib", "duktig")}
        credentials = _write_credentials(tmp_path, given)
        result = check(server.url, "--credentials", str(credentials), "--no-fuzz")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert f"checking fib, duktig: the systems {credentials} has a section for" in result.stdout
    assert "  PASS duktig  " in result.stdout and "  PASS fib  " in result.stdout
    assert " user-api  " not in result.stdout


def test_skip_reasons_tell_no_file_from_no_section(tmp_path: Path) -> None:
    with running_server(demo_users=1) as server:
        without = check(server.url, "--api", "duktig", "--no-fuzz")
        credentials = _write_credentials(tmp_path, {"fib": server.credentials["fib"]})
        no_section = check(
            server.url, "--api", "duktig", "--credentials", str(credentials), "--no-fuzz"
        )
    assert "(no --credentials file given (this check must log in))" in without.stdout
    assert f"(no 'duktig' section in {credentials})" in no_section.stdout
    assert "section in the credentials file" not in without.stdout


def test_reproduce_line_gives_the_whole_command_with_the_seed() -> None:
    import argparse

    from conformance.cli.check import _command_line
    from conformance.fuzz.report import FuzzRun

    args = argparse.Namespace(url="http://127.0.0.1:9", credentials="c d.json", max_examples=5)
    command = _command_line(args, "fib")
    expected = "authconform check http://127.0.0.1:9 --api fib --credentials 'c d.json'"
    assert command == f"{expected} --max-examples 5"
    run = FuzzRun()
    run.seed = 1234
    assert run._reproduce(command) == f"Reproduce the run: {command} --seed 1234"
