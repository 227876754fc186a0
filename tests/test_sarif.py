"""report.sarif: valid SARIF 2.1.0 (the OASIS schema in tests/schemas/), and what it says.

Every test here that writes a report.sarif validates it against the schema.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
from fixloop_servers import faulty_server
from sarif_check import validate_sarif

from conformance.engine.runner import run_suite
from conformance.engine.settings import Settings
from conformance.fixloop.baseline import fingerprint
from conformance.model import CheckResult, Outcome, RunResult
from conformance.output.console import format_summary
from conformance.output.report import report_json, write_reports
from conformance.output.sarif import sarif_document
from conformance.profiles import discover_profiles

FAULT = "fib/refresh_returns_new_token_pair"


def _validate(log: dict[str, Any]) -> None:
    validate_sarif(log)


@pytest.fixture(scope="module")
def faulty_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Path]]:
    """Two report directories of the same faulty server, same settings, different runs."""
    folders = []
    with faulty_server() as (server, _):
        for number in (1, 2):
            settings = Settings(fuzz=False, lifecycle=True)
            run = run_suite(server.url, [discover_profiles()["fib"]], server.credentials, settings)
            folder = tmp_path_factory.mktemp(f"sarif{number}")
            write_reports(run, folder)
            folders.append(folder)
    yield folders


def _log(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "report.sarif").read_text(encoding="utf-8"))


def test_report_sarif_validates_against_the_sarif_2_1_0_schema(faulty_runs: list[Path]) -> None:
    for folder in faulty_runs:
        _validate(_log(folder))


def test_the_validation_catches_a_broken_log(faulty_runs: list[Path]) -> None:
    log = _log(faulty_runs[0])
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        _validate(log)


def test_one_rule_per_check_with_claim_and_cited_document(faulty_runs: list[Path]) -> None:
    document = json.loads((faulty_runs[0] / "report.json").read_text(encoding="utf-8"))
    rules = _log(faulty_runs[0])["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [f"{r['system']}/{r['name']}" for r in document["results"]]
    rule = next(r for r in rules if r["id"] == FAULT)
    assert rule["shortDescription"]["text"].startswith("PATCH with a refresh token")
    # The check's docstring cites its document; the help carries it whole.
    assert "Source: the public FIB docs" in rule["help"]["text"]
    assert len(rule["help"]["text"]) > len(rule["shortDescription"]["text"])


def test_failures_are_errors_advisories_warnings_at_the_request_location(
    faulty_runs: list[Path],
) -> None:
    document = json.loads((faulty_runs[0] / "report.json").read_text(encoding="utf-8"))
    results = _log(faulty_runs[0])["runs"][0]["results"]
    levels = {r["ruleId"]: r["level"] for r in results}
    expected = {
        f"{r['system']}/{r['name']}": {"failed": "error", "warned": "warning"}[r["outcome"]]
        for r in document["results"]
        if r["outcome"] in ("failed", "warned")
    }
    assert levels == expected and levels[FAULT] == "error"
    fault = next(r for r in results if r["ruleId"] == FAULT)
    location = fault["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == (
        document["target"] + "/auth/api/v1/authentication-management/session"
    )
    assert location["logicalLocations"][0]["name"].startswith("PATCH /auth/")
    assert "curl" in fault["message"]["text"]


def test_partial_fingerprints_are_stable_across_runs(faulty_runs: list[Path]) -> None:
    first, second = (
        {r["ruleId"]: r["partialFingerprints"] for r in _log(f)["runs"][0]["results"]}
        for f in faulty_runs
    )
    assert first == second
    assert len({next(iter(p.values())) for p in first.values()}) == len(first)


def test_fingerprint_ignores_message_text_and_follows_the_cause() -> None:
    result = {
        "system": "fib",
        "name": "x",
        "message": "token abc expired at 12:00",
        "request": {"method": "PATCH", "path": "/s", "status": 401},
    }
    reworded = {**result, "message": "token def expired at 12:01"}
    assert fingerprint(result) == fingerprint(reworded)
    other_status = {**result, "request": {"method": "PATCH", "path": "/s", "status": 500}}
    assert fingerprint(result) != fingerprint(other_status)
    assert fingerprint({**result, "cause": "c1"}) != fingerprint({**result, "cause": "c2"})


def test_reference_server_run_writes_a_valid_log_without_results(reference_server) -> None:
    duktig = [discover_profiles()["duktig"]]
    run = run_suite(
        reference_server.url, duktig, reference_server.credentials, Settings(fuzz=False)
    )
    log = sarif_document(report_json(run))
    _validate(log)
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["tool"]["driver"]["rules"]


def test_every_report_sarif_under_a_tests_tmp_path_is_validated(
    faulty_runs: list[Path], tmp_path: Path
) -> None:
    """The conftest hook validates what a test leaves in tmp_path; here is what it runs."""
    from sarif_check import validate_written

    good = tmp_path / "good"
    good.mkdir()
    (good / "report.sarif").write_text((faulty_runs[0] / "report.sarif").read_text())
    assert validate_written(tmp_path) == 1
    broken = _log(faulty_runs[0])
    del broken["runs"][0]["tool"]
    (good / "report.sarif").write_text(json.dumps(broken))
    with pytest.raises(jsonschema.ValidationError):
        validate_written(tmp_path)
    (good / "report.sarif").unlink()  # the hook runs after this test too


def test_rules_carry_their_sources_as_help_uri_and_tags(faulty_runs: list[Path]) -> None:
    log = _log(faulty_runs[0])
    _validate(log)
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    fault = rules[FAULT]
    assert fault["helpUri"].endswith("/docs/apis/fib/session.md")
    assert fault["properties"]["tags"] == ["FIB docs"]
    assert fault["properties"]["source"].startswith("FIB docs: PATCH the session")
    challenge = rules["fib/unusable_authorization_gets_401"]
    assert challenge["helpUri"] == "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.2"
    assert "RFC 9110 §15.5.2" in challenge["properties"]["tags"]
    assert rules["fib/tokens_are_eddsa_jwts"]["properties"]["tags"] == [
        "seed 000",
        "seed 001",
        "seed 002",
    ]
    # Every protocol check cites a source, so every one of their rules links it.
    protocol = [r for r in rules.values() if not r["name"].startswith("schemathesis.")]
    assert protocol and all(urlsplit(r["helpUri"]).scheme == "https" for r in protocol)


def test_report_md_and_terminal_show_the_source_beside_a_failure(
    faulty_runs: list[Path],
) -> None:
    markdown = (faulty_runs[0] / "report.md").read_text(encoding="utf-8")
    section = markdown.split("## Failures and advisories", 1)[1]
    failure = section.split(f"`{FAULT.split('/')[1]}`", 1)[1].split("\n### ", 1)[0]
    assert "Source: [FIB docs](https://github.com/" in failure
    result = CheckResult(
        system="fib",
        name="x",
        group="login",
        summary="A claim.",
        outcome=Outcome.FAILED,
        message="it broke",
        source="seeds 000-002: the tokens carry exp; RFC 7519 §4.1.4: MUST NOT be accepted",
    )
    text = format_summary(RunResult(target="http://t", systems=["fib"], results=[result]))
    assert "  source: seeds 000-002; RFC 7519 §4.1.4\n" in text
