"""The fix loop end to end: reproducer, replay, baseline and coverage gates, by the real CLI.

One reference server with one switchable fault (a refresh is always refused) serves every
test at one URL; switching the fault off is the fix. The CLI's ``main`` runs in-process
(tests/in_process.py): what is judged is its exit code, output and reports, not the
interpreter around it. Tests that judge the same command share its run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fixloop_servers import Switch, faulty_server
from in_process import authconform
from sarif_check import validate_written

from conformance.signing import sign_email, sign_raw
from reference_impl.serving.embedded import Running

FAULT = "refresh_returns_new_token_pair"
CURL_TIMEOUT_SECONDS = 30


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, Switch, Path]]:
    folder = tmp_path_factory.mktemp("fixloop")
    with faulty_server() as (running, switch):
        credentials = folder / "credentials.json"
        credentials.write_text(json.dumps(running.credentials), encoding="utf-8")
        yield running, switch, credentials


def _check(
    server: tuple[Running, Switch, Path], report: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    running, _, credentials = server
    return authconform(
        "check",
        running.url,
        "--api",
        "fib",
        "--no-fuzz",
        "--credentials",
        str(credentials),
        "--report",
        str(report),
        *extra,
    )


@pytest.fixture(scope="module")
def faulty_report(
    server: tuple[Running, Switch, Path], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    _, switch, _ = server
    switch.on = True
    report = tmp_path_factory.mktemp("faulty") / "report"
    result = _check(server, report)
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-2000:]
    return report


@pytest.fixture(scope="module")
def correct_report(
    server: tuple[Running, Switch, Path], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    _, switch, _ = server
    switch.on = False
    report = tmp_path_factory.mktemp("correct") / "report"
    result = _check(server, report)
    switch.on = True
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    return report


def _document(report: Path) -> dict[str, Any]:
    return json.loads((report / "report.json").read_text(encoding="utf-8"))


def _result(document: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for r in document["results"] if r["name"] == name)


def _secrets(credentials: dict[str, Any]) -> list[str]:
    user = credentials["fib"]["users"][0]
    raw = sign_raw(user["email"].encode("utf-8"), user["privateKeyHex"])
    return [user["privateKeyHex"], sign_email(user["email"], user["privateKeyHex"]), raw]


def _run_reproducer(reproduce: str, credentials: dict[str, Any]) -> str:
    """The reproducer as a reader runs it: the export line's command, then the curl lines."""
    user = credentials["fib"]["users"][0]
    env = {
        **os.environ,
        "AUTHCONFORM_FIB_PRIVATE_KEY": user["privateKeyHex"],
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
    }
    lines = reproduce.splitlines()
    exports = [line[2:].split("  # ", 1)[0] for line in lines if line.startswith("# export")]
    commands = [line for line in reproduce.splitlines() if not line.startswith("#")]
    script = "\n".join(["set -euo pipefail", *exports, *commands])
    done = subprocess.run(
        ["bash", "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=CURL_TIMEOUT_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _status(output: str) -> int:
    match = re.search(r"^HTTP/[\d.]+ (\d{3})", output, re.MULTILINE)
    assert match, output
    return int(match.group(1))


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")), reason="needs curl and jq")
def test_the_failures_curl_line_run_by_hand_shows_the_fault(
    server: tuple[Running, Switch, Path], faulty_report: Path
) -> None:
    running, switch, _ = server
    result = _result(_document(faulty_report), FAULT)
    reproduce = result["reproduce"]
    # The chain: a login whose refresh token the refresh then sends; no secret in the text.
    assert "REFRESH_TOKEN=$(curl" in reproduce
    assert '"$AUTHCONFORM_FIB_SIGNATURE"' in reproduce
    assert "-X PATCH" in reproduce.splitlines()[-1]
    for secret in _secrets(running.credentials):
        assert secret not in reproduce
    assert reproduce in (faulty_report / "report.md").read_text(encoding="utf-8")
    assert reproduce in (faulty_report / "junit.xml").read_text(encoding="utf-8")
    assert _status(_run_reproducer(reproduce, running.credentials)) == 401
    switch.on = False
    try:
        assert _status(_run_reproducer(reproduce, running.credentials)) == 200
    finally:
        switch.on = True


def test_replay_says_still_failing_then_fixed(
    server: tuple[Running, Switch, Path], faulty_report: Path
) -> None:
    _, switch, _ = server
    switch.on = True
    unchanged = authconform("replay", str(faulty_report))
    assert unchanged.returncode == 1, unchanged.stdout[-3000:] + unchanged.stderr
    assert re.search(rf"STILL FAILING +fib {FAULT} \[contract\]", unchanged.stdout)
    assert "PASS fib" not in unchanged.stdout.replace(FAULT, "")  # only flagged checks ran
    switch.on = False
    try:
        fixed = authconform("replay", str(faulty_report))
    finally:
        switch.on = True
    assert fixed.returncode == 0, fixed.stdout[-3000:] + fixed.stderr
    assert re.search(rf"FIXED +fib {FAULT} \[contract\]", fixed.stdout)
    assert "STILL FAILING" not in fixed.stdout
    # Findings are what failed or warned; a check blocked by the fault had nothing to judge.
    results = _document(faulty_report)["results"]
    replayed = [r for r in results if r["outcome"] in ("failed", "warned", "error")]
    assert fixed.stdout.count("FIXED") == len(replayed)


def test_report_json_keeps_the_settings_a_replay_needs(faulty_report: Path) -> None:
    settings = _document(faulty_report)["settings"]
    assert settings["api"] == "fib"
    assert isinstance(settings["seed"], int)
    assert settings["fuzz"] is False and settings["embedded"] is False
    assert Path(settings["credentials"]).is_absolute()


@pytest.fixture(scope="module")
def against_correct(
    server: tuple[Running, Switch, Path],
    correct_report: Path,
    faulty_report: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """The faulty server checked against the correct run's baseline: (result, report dir)."""
    report = tmp_path_factory.mktemp("against-correct") / "report"
    result = _check(server, report, "--baseline", str(correct_report))
    validate_written(report.parent)  # what the autouse check does for a test's tmp_path
    return result, report


def test_baseline_from_a_correct_run_marks_exactly_the_new_failures(
    against_correct: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, report = against_correct
    assert result.returncode == 1
    document = _document(report)
    flagged = {r["name"] for r in document["results"] if r["outcome"] in ("failed", "warned")}
    new = {r["name"] for r in document["results"] if r.get("baseline") == "new"}
    assert FAULT in flagged and new == flagged
    assert {e["name"] for e in document["baseline"]["new"]} == flagged
    assert document["baseline"]["fixed"] == []
    assert f"NEW   fib {FAULT}" in result.stdout


def test_fail_on_new_passes_a_server_with_only_known_faults(
    server: tuple[Running, Switch, Path], correct_report: Path, faulty_report: Path, tmp_path: Path
) -> None:
    same = _check(server, tmp_path / "same", "--baseline", str(faulty_report), "--fail-on", "new")
    assert same.returncode == 0, same.stdout[-3000:]
    document = _document(tmp_path / "same")
    assert document["totals"]["failed"] >= 1
    assert {r.get("baseline") for r in document["results"]} == {"unchanged"}
    worse = _check(
        server, tmp_path / "worse", "--baseline", str(correct_report), "--fail-on", "new"
    )
    assert worse.returncode == 1
    assert "--fail-on new: 1 new finding(s) fail the run" in worse.stdout


def test_fail_on_new_without_a_baseline_is_a_usage_error(
    server: tuple[Running, Switch, Path], tmp_path: Path
) -> None:
    result = _check(server, tmp_path / "r", "--fail-on", "new")
    assert result.returncode == 2
    assert "--fail-on new" in result.stderr and "--baseline" in result.stderr


def test_coverage_is_in_every_report_and_gates_with_min_coverage(
    server: tuple[Running, Switch, Path], correct_report: Path, tmp_path: Path
) -> None:
    _, switch, _ = server
    coverage = _document(correct_report)["coverage"]
    login = next(
        op
        for op in coverage["systems"]["fib"]["operations"]
        if op["method"] == "POST" and op["path"].endswith("/session")
    )
    assert {"200", "400", "422"} <= set(login["seen"])
    assert "500" in login["never"]
    assert 0 < coverage["percent"] < 100
    assert "## Documented-answer coverage" in (correct_report / "report.md").read_text("utf-8")
    assert "Documented-answer coverage" in (correct_report / "report.html").read_text("utf-8")
    switch.on = False
    try:
        above = _check(server, tmp_path / "a", "--min-coverage", str(coverage["percent"] - 1))
        below = _check(server, tmp_path / "b", "--min-coverage", str(coverage["percent"] + 1))
    finally:
        switch.on = True
    assert above.returncode == 0, above.stdout[-2000:]
    assert below.returncode == 1
    assert f"only {coverage['percent']:g}% of the documented status codes" in below.stdout
    assert "Documented-answer coverage:" in below.stdout


def test_the_job_summary_names_verdict_faults_coverage_and_baseline(
    against_correct: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    _, report = against_correct
    summary = (report / "report.summary.md").read_text(encoding="utf-8")
    new = len(_document(report)["baseline"]["new"])
    assert summary.startswith("### authconform: NOT conformant")
    assert f"| failed | fib | `{FAULT}` | contract | new |" in summary
    assert "Documented-answer coverage:" in summary
    assert new >= 1
    assert f"Against the baseline: {new} new, 0 unchanged, 0 fixed." in summary


def test_the_sites_conformance_page_shows_coverage_and_reproducers(faulty_report: Path) -> None:
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "docs" / "hooks" / "conformance_results.py"
    spec = importlib.util.spec_from_file_location("conformance_results_hook", path)
    assert spec and spec.loader
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    document = _document(faulty_report)
    page = hook.report_markdown(document, "authconform check")
    assert "### Documented-answer coverage" in page
    assert f"({document['coverage']['percent']:g}%)" in page
    assert "| fib | `POST /auth/api/v1/authentication-management/session` |" in page
    assert "    REFRESH_TOKEN=$(curl" in page


@pytest.mark.skipif(not shutil.which("curl"), reason="needs curl")
def test_a_duktig_reproducer_carries_key_and_password_as_variables_and_shows_the_fault() -> None:
    from broken_duktig import BROKEN

    from conformance.engine.runner import run_suite
    from conformance.engine.settings import Settings
    from conformance.profiles import discover_profiles
    from reference_impl.serving.embedded import running_server

    options, must_fail = BROKEN["expires_in_is_a_lifetime"]
    with running_server(demo_users=1, **options) as running:
        run = run_suite(
            running.url,
            [discover_profiles()["duktig"]],
            running.credentials,
            Settings(fuzz=False),
        )
        failed = next(r for r in run.results if r.name == must_fail)
        section = running.credentials["duktig"]
        user = section["users"][0]
        reproduce = failed.reproduce
        assert '"$AUTHCONFORM_DUKTIG_AUTH_KEY"' in reproduce
        assert '"$AUTHCONFORM_DUKTIG_PASSWORD"' in reproduce
        assert section["authKey"] not in reproduce and user["password"] not in reproduce
        env = {
            **os.environ,
            "AUTHCONFORM_DUKTIG_AUTH_KEY": section["authKey"],
            "AUTHCONFORM_DUKTIG_PASSWORD": user["password"],
        }
        commands = [line for line in reproduce.splitlines() if not line.startswith("#")]
        done = subprocess.run(
            ["bash", "-c", "\n".join(commands)],
            capture_output=True,
            text=True,
            env=env,
            timeout=CURL_TIMEOUT_SECONDS,
            check=False,
        )
    assert _status(done.stdout) == 200
    body = json.loads(done.stdout.split("\n\n", 1)[1])
    assert body["expires_in"] == 86400  # a lifetime, where the documents give a Unix time


def test_baseline_from_a_faulty_run_to_the_fixed_server_marks_every_fault_fixed(
    server: tuple[Running, Switch, Path], faulty_report: Path, tmp_path: Path
) -> None:
    _, switch, _ = server
    switch.on = False
    try:
        result = _check(server, tmp_path / "r", "--baseline", str(faulty_report))
    finally:
        switch.on = True
    assert result.returncode == 0, result.stdout[-3000:]
    document = _document(tmp_path / "r")
    was = {r["name"] for r in _document(faulty_report)["results"] if r["outcome"] == "warned"}
    was |= {FAULT}
    assert {e["name"] for e in document["baseline"]["fixed"]} == was
    assert {r["name"] for r in document["results"] if r.get("baseline") == "fixed"} == was
    assert document["baseline"]["new"] == []
    assert f"FIXED fib {FAULT}" in result.stdout


@pytest.mark.skipif(not shutil.which("curl"), reason="needs curl")
def test_a_signature_over_the_raw_email_is_a_variable_too_and_its_line_shows_the_fault() -> None:
    """On a server that takes it, that signature is a login forever: it must not be shown."""
    from broken_fib import BROKEN

    from conformance.engine.runner import run_suite
    from conformance.engine.settings import Settings
    from conformance.profiles import discover_profiles
    from reference_impl.serving.embedded import running_server

    options, must_fail = BROKEN["verifies_raw_email"]
    with running_server(demo_users=1, **options) as running:
        fib = [discover_profiles()["fib"]]
        settings = Settings(fuzz=False, lifecycle=False)
        run = run_suite(running.url, fib, running.credentials, settings)
        failed = next(r for r in run.results if r.name == must_fail)
        assert failed.outcome.value == "failed"
        reproduce = failed.reproduce
        assert '"$AUTHCONFORM_FIB_RAW_SIGNATURE"' in reproduce
        for secret in _secrets(running.credentials):
            assert secret not in reproduce
        output = _run_reproducer(reproduce, running.credentials)
    assert _status(output) == 200  # the raw-email signature logged in: the fault
