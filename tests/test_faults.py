"""One fault, one failure: blocked checks, 5xx answers judged everywhere, faults counted.

The grouping and the reports are fed hand-made results (every outcome, a blocked chain,
two results of one 5xx); the prerequisites are seen on real loopback servers written
apart from the project, each off in one place.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from independent import fib, user_api
from suite_in_process import run_checks
from test_independent import check_in_process

from conformance.engine.faults import (
    fault_identity,
    fault_line,
    group_faults,
    restated_as_blocked,
)
from conformance.fixloop.baseline import compare, fingerprint
from conformance.fuzz.report import FuzzRun
from conformance.model import CheckResult, Level, Outcome, RunResult
from conformance.openapi.files import load_spec
from conformance.output.console import format_summary
from conformance.output.html import render_html
from conformance.output.report import write_reports

SESSION = "POST /auth/api/v1/authentication-management/session"


def _result(name: str, outcome: Outcome, message: str = "", cause: str = "") -> CheckResult:
    return CheckResult(
        system="fib",
        name=name,
        group="login",
        summary=f"claim of {name}",
        outcome=outcome,
        message=message,
        level=Level.CONTRACT,
        cause=cause,
    )


def _run() -> RunResult:
    """A login that fails, two checks blocked behind it (one through the other), one 5xx
    seen by a check and by the server-error claim, a pass."""
    results = [
        _result("correctly_signed_login_succeeds", Outcome.FAILED, "login refused"),
        _result(
            "tokens_are_eddsa_jwts",
            Outcome.BLOCKED,
            "blocked by correctly_signed_login_succeeds: login refused (HTTP 401)",
            cause="correctly_signed_login_succeeds",
        ),
        _result(
            "logout_succeeds",
            Outcome.BLOCKED,
            "blocked by tokens_are_eddsa_jwts: no token",
            cause="tokens_are_eddsa_jwts",
        ),
        _result("malformed_json_gets_4xx", Outcome.FAILED, "answered 500", cause=SESSION),
        _result(f"no_server_error[{SESSION}]", Outcome.FAILED, "answered 500", cause=SESSION),
        _result("unknown_email_gets_404", Outcome.PASSED),
    ]
    return RunResult(target="http://127.0.0.1:1", systems=["fib"], results=results)


def test_results_sharing_a_cause_are_one_fault() -> None:
    faults = group_faults(_run().results)
    assert [(f.key, [r.name for r in f.results]) for f in faults] == [
        (
            "fib: correctly_signed_login_succeeds",
            ["correctly_signed_login_succeeds", "tokens_are_eddsa_jwts", "logout_succeeds"],
        ),
        (
            f"fib: {SESSION}: answered 5xx",
            ["malformed_json_gets_4xx", f"no_server_error[{SESSION}]"],
        ),
    ]
    line = fault_line(_run().results)
    assert line == "3 failures from 2 distinct faults; 2 checks blocked by them"


def test_blocked_is_never_counted_as_a_failure() -> None:
    run = RunResult(
        target="http://127.0.0.1:1",
        systems=["fib"],
        results=[_result("a", Outcome.PASSED), _result("b", Outcome.BLOCKED, "x", cause="c")],
    )
    assert run.conformant
    assert run.counts()["blocked"] == 1 and run.counts()["failed"] == 0


def test_terminal_lists_each_fault_with_what_it_explains() -> None:
    text = format_summary(_run())
    first = text.index("FAULT 1: fib: correctly_signed_login_succeeds")
    second = text.index(f"FAULT 2: fib: {SESSION}: answered 5xx")
    blocked = text.index("BLOCKED fib tokens_are_eddsa_jwts: blocked by correctly_signed")
    assert first < blocked < second
    assert "2 blocked" in text
    assert "3 failures from 2 distinct faults; 2 checks blocked by them\nNOT conformant" in text


def test_every_report_shows_blocked_with_its_cause(tmp_path: Path) -> None:
    run = _run()
    write_reports(run, tmp_path)
    data = json.loads((tmp_path / "report.json").read_text("utf-8"))
    by_name = {r["name"]: r for r in data["results"]}
    assert by_name["tokens_are_eddsa_jwts"]["outcome"] == "blocked"
    assert by_name["tokens_are_eddsa_jwts"]["cause"] == "correctly_signed_login_succeeds"
    assert data["totals"]["faults"] == 2 and data["totals"]["blocked"] == 2
    assert data["faults"][0]["blocked"] == ["tokens_are_eddsa_jwts", "logout_succeeds"]
    suite = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("skipped") == "2" and suite.get("failures") == "3"
    case = suite.find("testcase[@name='tokens_are_eddsa_jwts']")
    assert case is not None
    assert case.find("properties/property[@name='cause']").get("value") == (
        "correctly_signed_login_succeeds"
    )
    skipped = case.find("skipped")
    assert skipped is not None
    assert skipped.get("message", "").startswith("blocked by correctly_signed_login_succeeds")
    markdown = (tmp_path / "report.md").read_text("utf-8")
    assert "| *blocked* | contract | login | `tokens_are_eddsa_jwts` |" in markdown
    assert "- Faults: 3 failures from 2 distinct faults; 2 checks blocked by them" in markdown
    assert (
        "1. fib: correctly_signed_login_succeeds\n"
        "    - failed `correctly_signed_login_succeeds`: login refused\n"
        "    - blocked `tokens_are_eddsa_jwts`: blocked by correctly_signed_login_succeeds"
    ) in markdown
    page = render_html(run)
    assert '<td class="outcome o-blocked">blocked</td>' in page
    assert "3 failures from 2 distinct faults" in page


def _trace_scenario() -> dict[str, Any]:
    """A coverage-phase TRACE sent to the path of the POST operation, answered 500."""
    case = {"method": "TRACE", "path": "/auth/token", "headers": {}}
    interaction = {
        "request": {"method": "TRACE", "uri": "http://127.0.0.1:1/auth/token"},
        "response": {"status_code": 500, "content": ""},
    }
    failure = {"operation": "POST /auth/token", "title": "Server error", "message": ""}
    return {
        "phase": "coverage",
        "status": "failure",
        "recorder": {
            "label": "POST /auth/token",
            "cases": {"c1": {"value": case}},
            "interactions": {"c1": interaction},
            "checks": {
                "c1": [
                    {
                        "name": "not_a_server_error",
                        "status": "failure",
                        "failure_info": {"failure": failure},
                    }
                ]
            },
        },
    }


def test_schemathesis_evidence_heading_names_the_request_sent() -> None:
    run = FuzzRun()
    for _ in range(3):
        run.add("ScenarioFinished", _trace_scenario())
    (result,) = [
        r
        for r in run.results("duktig", disabled_checks={}, disabled_phases={}, duration=1.0)
        if r.name == "schemathesis.not_a_server_error"
    ]
    heading = result.details.splitlines()[0]
    assert heading == (
        "1. Server error (seen 3x): TRACE /auth/token (operation POST /auth/token), coverage phase"
    )
    assert "> TRACE /auth/token" in result.details


# --- prerequisites on real servers -------------------------------------------------------


def test_a_login_that_cannot_be_had_blocks_its_dependants_once(served) -> None:
    """Another user's key for the first FIB user: the login check fails, once; the checks
    that need its tokens are blocked by it, not failed."""
    credentials = fib.credentials()
    credentials["users"][0] = {**credentials["users"][1], "email": credentials["users"][0]["email"]}
    results = run_checks("fib", served(fib), {"fib": credentials})
    failed = {n for n, r in results.items() if r.outcome in (Outcome.FAILED, Outcome.ERROR)}
    blocked = {n: r for n, r in results.items() if r.outcome is Outcome.BLOCKED}
    assert failed == {"correctly_signed_login_succeeds"}
    assert {"tokens_are_eddsa_jwts", "logout_succeeds", "expiration_time_matches_exp"} <= set(
        blocked
    )
    assert all(r.cause == "correctly_signed_login_succeeds" for r in blocked.values())
    line = fault_line(results.values())
    assert line == f"1 failure from 1 distinct fault; {len(blocked)} checks blocked by them"


def test_credentials_file_accounts_stand_in_where_signup_is_closed(served) -> None:
    """Signup refused: one failure; login claims still judged with the file's accounts; the
    claims about the signup answer itself are blocked by the check that failed."""
    results = run_checks(
        "user-api", served(user_api, ("signup_closed",)), {"user-api": user_api.credentials()}
    )
    outcomes = {name: r.outcome for name, r in results.items()}
    assert {n for n, o in outcomes.items() if o is Outcome.FAILED} == {"signup_answers_200"}
    for judged in (
        "wrong_password_rejected",
        "login_answer_names_the_user",
        "login_token_names_the_user",
        "login_token_lives_one_hour",
    ):
        assert outcomes[judged] is Outcome.PASSED, results[judged].message
    for blocked in (
        "token_lives_one_hour",
        "signup_then_login_round_trip",
        "duplicate_signup_rejected",
    ):
        assert outcomes[blocked] is Outcome.BLOCKED
        assert results[blocked].cause == "signup_answers_200"


# --- one fault identity across both stages ------------------------------------------------


def _finding(check: str, message: str, status: int, path: str = "/api/user/signup") -> dict:
    """A ScenarioFinished event: one Schemathesis ``check`` failing on POST ``path``."""
    case = {"method": "POST", "path": path, "body": {"email": "a@b.c"}, "media_type": "x"}
    interaction = {
        "request": {"method": "POST", "uri": f"http://127.0.0.1:1{path}"},
        "response": {"status_code": status, "content": '{"message": "Email is taken"}'},
    }
    failure = {"operation": f"POST {path}", "title": "Failed", "message": message}
    entry = {"name": check, "status": "failure", "failure_info": {"failure": failure}}
    return {
        "phase": "examples",
        "status": "failure",
        "recorder": {
            "label": f"POST {path}",
            "cases": {"c1": {"value": case}},
            "interactions": {"c1": interaction},
            "checks": {"c1": [entry]},
        },
    }


def _fuzz_results(*scenarios: dict) -> list[CheckResult]:
    run = FuzzRun()
    for scenario in scenarios:
        run.add("ScenarioFinished", scenario)
    spec = load_spec("user-api")
    return run.results("user-api", disabled_checks={}, disabled_phases={}, duration=1.0, spec=spec)


def test_a_finding_observes_what_its_protocol_twin_observes() -> None:
    """A status, a 5xx and a missing property read as the protocol checks word them; one
    check's findings of two causes are two results, each under its own fault."""
    results = _fuzz_results(
        _finding("status_code_conformance", "Received: 201\nDocumented: 200, 4XX", 201),
        _finding("status_code_conformance", "Received: 500\nDocumented: 200, 4XX", 500),
        _finding("response_schema_conformance", '"userName" is a required property', 200),
    )
    observed = [(r.name, r.observed) for r in results if r.outcome is Outcome.FAILED]
    assert observed == [
        ("schemathesis.status_code_conformance", "POST /api/user/signup: answered 201"),
        ("schemathesis.status_code_conformance", "POST /api/user/signup: answered 5xx"),
        (
            "schemathesis.response_schema_conformance",
            "UserWithToken answer: property userName absent",
        ),
    ]


def test_a_refused_valid_request_says_what_the_answer_said_not_a_guess() -> None:
    guess = (
        "Valid data should have been accepted\nExpected: 200, 4xx\nHint: The request body "
        "contains 1 additional property not defined in the schema (`x`)."
    )
    (result,) = [
        r
        for r in _fuzz_results(_finding("positive_data_acceptance", guess, 409))
        if r.outcome is Outcome.FAILED
    ]
    assert "additional property" not in result.details
    assert 'The answer said: HTTP 409 {"message": "Email is taken"}' in result.details
    assert result.observed == "POST /api/user/signup: answered 409"


def test_a_finding_that_restates_a_blocked_check_is_blocked_too() -> None:
    observed = "UserWithToken answer: property userName absent"
    blocked = _result("login_answer_names_the_user", Outcome.BLOCKED, "x", cause="signup_x")
    blocked.observed = observed
    finding = _result("schemathesis.response_schema_conformance", Outcome.FAILED, "Failed")
    finding.observed = observed
    restated_as_blocked(finding, [_result("signup_x", Outcome.FAILED, "refused"), blocked])
    assert (finding.outcome, finding.cause) == (Outcome.BLOCKED, "signup_x")
    assert finding.message.startswith("blocked by signup_x: restates login_answer_names_the_user")
    twin = _result("login_answer_names_the_user", Outcome.FAILED, "x")
    twin.observed = observed
    kept = _result("schemathesis.response_schema_conformance", Outcome.FAILED, "Failed")
    kept.observed = observed
    assert restated_as_blocked(kept, [twin, blocked]).outcome is Outcome.FAILED


def test_two_checks_failing_on_one_observed_value_are_one_fault() -> None:
    results = []
    for name in ("login_token_lives_one_hour", "token_lives_one_hour"):
        results.append(_result(name, Outcome.FAILED, "does not live one hour"))
        results[-1].observed = "token: lives 86400 s"
    assert fault_line(results) == "2 failures from 1 distinct fault"
    assert fault_identity(results[0]) == "fib: token: lives 86400 s"


# Signup answers 201; userName left out of both answers and both tokens; login 500s for an
# unknown email; a body that is not JSON 500s on both paths.
FIVE_FAULTS = (
    "signup_answers_201",
    "omits_user_name",
    "tokens_omit_user_name",
    "server_error_on_unknown_email",
    "server_error_on_bad_json",
)
SIGNUP, LOGIN = "POST /api/user/signup", "POST /api/user/login"
# fault -> every failed result it explains, from both stages
FIVE_FAULTS_EXPLAIN = {
    f"user-api: {SIGNUP}: answered 201": [
        "signup_answers_200",
        "schemathesis.status_code_conformance",
        "schemathesis.positive_data_acceptance",
    ],
    "user-api: UserWithToken answer: property userName absent": [
        "signup_then_login_round_trip",
        "login_answer_names_the_user",
        "schemathesis.response_schema_conformance",
    ],
    "user-api: token: claim userName absent": [
        "token_is_hs256_jwt_with_documented_claims",
        "login_token_names_the_user",
    ],
    f"user-api: {LOGIN}: answered 5xx": [
        "unknown_email_rejected",
        f"no_server_error[{LOGIN}]",
        "schemathesis.not_a_server_error",
        "schemathesis.status_code_conformance",
    ],
    f"user-api: {SIGNUP}: answered 5xx": [
        "no_server_error_on_bad_input",
        f"no_server_error[{SIGNUP}]",
        "schemathesis.not_a_server_error",
        "schemathesis.status_code_conformance",
    ],
}


@pytest.mark.slow
def test_five_true_faults_are_five_faults_across_both_stages(tmp_path: Path) -> None:
    """Every Schemathesis finding is filed under the protocol fault it repeats; the login
    answer's missing userName is judged on the login answer, not blocked by signup's."""
    verdict = check_in_process(tmp_path, "user-api", FIVE_FAULTS)
    assert verdict.returncode == 1, verdict.explain()
    assert "16 failures from 5 distinct faults; 1 check blocked by them\n" in verdict.output
    report = json.loads((tmp_path / "report" / "report.json").read_text("utf-8"))
    explained = {f["fault"]: f["failed"] for f in report["faults"]}
    assert explained == FIVE_FAULTS_EXPLAIN, verdict.explain()
    by_fault = {f["fault"]: f["blocked"] for f in report["faults"]}
    assert by_fault["user-api: UserWithToken answer: property userName absent"] == [
        "response_bodies_match_the_spec"
    ]
    message = verdict.result("login_token_names_the_user")["message"]
    assert message == "login token lacks the claim userName"
    text = verdict.output
    assert text.index(f"FAULT 4: user-api: {LOGIN}: answered 5xx") < text.index(
        "FAIL user-api schemathesis.not_a_server_error"
    )
    sarif = json.loads((tmp_path / "report" / "report.sarif").read_text("utf-8"))
    faults = {r["properties"]["fault"] for r in sarif["runs"][0]["results"]}
    assert set(FIVE_FAULTS_EXPLAIN) <= faults


@pytest.mark.slow
def test_one_function_for_both_tokens_without_optional_parts_passes(tmp_path: Path) -> None:
    verdict = check_in_process(tmp_path, "user-api", ("one_token_function",))
    assert verdict.returncode == 0, verdict.explain()
    assert "0 failures from 0 distinct faults" in verdict.output
    for name in ("token_is_hs256_jwt_with_documented_claims", "login_token_names_the_user"):
        assert verdict.result(name)["outcome"] == "passed", verdict.explain()


def test_baselines_follow_the_fault_not_the_check_alone() -> None:
    """Two findings of one Schemathesis check under two faults are two fingerprints; a
    baseline written before fault identities still matches by system and check."""
    base = {"system": "user-api", "name": "schemathesis.not_a_server_error", "outcome": "failed"}
    login = {**base, "fault": f"user-api: {LOGIN}: answered 5xx"}
    signup = {**base, "fault": f"user-api: {SIGNUP}: answered 5xx"}
    assert fingerprint(login) != fingerprint(signup)
    block = compare({"results": [login]}, {"results": [signup]}, "old")
    assert [e["cause"] for e in block["new"]] == [login["fault"]]
    assert [e["cause"] for e in block["fixed"]] == [signup["fault"]]
    older = compare({"results": [login]}, {"results": [base]}, "old")
    assert (older["new"], older["fixed"], len(older["unchanged"])) == ([], [], 1)
