"""Verdict levels: a broken contract claim fails a run, a broken advisory only warns
(unless --strict), and every report says which level each result has."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest

from conformance.checks.registry import Check, check, checks_for
from conformance.engine.context import Context
from conformance.engine.runner import run_check
from conformance.fuzz.config import build_plan
from conformance.fuzz.report import FuzzRun
from conformance.model import CheckNotApplicable, CheckResult, Level, Outcome, RunResult, Stopped
from conformance.output.console import format_line, format_summary
from conformance.output.report import write_reports


def _broken(ctx: Context) -> None:
    """The claim never holds."""
    ctx.fail("it broke", received="this", documented="that")


def _not_applicable(ctx: Context) -> None:
    """Nothing to judge here."""
    raise CheckNotApplicable("the target serves no such endpoint")


def _run(func, level: Level):
    with httpx.Client() as client:
        ctx = Context(base_url="http://127.0.0.1:1", system="demo", client=client, spec={})
        chk = Check(name=func.__name__, system="demo", group="g", func=func, level=level)
        return run_check(chk, ctx)


def test_a_broken_contract_claim_fails_and_a_broken_advisory_warns() -> None:
    failed = _run(_broken, Level.CONTRACT)
    warned = _run(_broken, Level.ADVISORY)
    assert (failed.outcome, failed.level) == (Outcome.FAILED, Level.CONTRACT)
    assert (warned.outcome, warned.level) == (Outcome.WARNED, Level.ADVISORY)
    assert "received:   this" in warned.details  # same evidence as a failure
    assert "WARN" in format_line(warned) and "[advisory]" in format_line(warned)


def test_not_applicable_is_neither_pass_nor_skip() -> None:
    result = _run(_not_applicable, Level.CONTRACT)
    assert result.outcome is Outcome.NOT_APPLICABLE
    assert "N/A" in format_line(result) and "no such endpoint" in format_line(result)


def test_advisories_fail_a_run_only_when_strict() -> None:
    results = [_run(_broken, Level.ADVISORY)]
    lenient = RunResult(target="t", systems=["demo"], results=results)
    strict = RunResult(target="t", systems=["demo"], results=results, strict=True)
    assert lenient.conformant and not strict.conformant
    assert "conformant, with 1 advisories" in format_summary(lenient)
    assert "NOT conformant under --strict" in format_summary(strict)
    contract = RunResult(target="t", systems=["demo"], results=[_run(_broken, Level.CONTRACT)])
    assert not contract.conformant


def test_the_not_run_list_reads_the_stopped_field_not_the_message() -> None:
    def skipped(name: str, message: str, stopped: Stopped | None) -> CheckResult:
        return CheckResult("demo", name, "g", "claim", Outcome.SKIPPED, message, stopped=stopped)

    run = RunResult(
        target="t",
        systems=["demo"],
        results=[
            skipped("cut_off", "did not run: budget spent", Stopped.NOT_RUN),
            # A skip reason that merely reads alike is not a check the stop left out.
            skipped("own_reason", "did not run because no users were given", None),
        ],
        incomplete="budget spent",
    )
    assert "did not run (1): cut_off" in format_summary(run)


def test_the_level_is_declared_at_registration_and_validated() -> None:
    @check("levels-demo", level="advisory")
    def demo_advisory_claim(ctx: Context) -> None:
        """A claim of practice."""

    (registered,) = checks_for("levels-demo")
    assert registered.level is Level.ADVISORY
    with pytest.raises(ValueError):
        check("levels-demo", level="optional")


@pytest.mark.parametrize("strict", [False, True])
def test_reports_carry_the_level_of_every_result(tmp_path: Path, strict: bool) -> None:
    results = [_run(_broken, Level.ADVISORY), _run(_not_applicable, Level.CONTRACT)]
    run = RunResult(target="t", systems=["demo"], results=results, strict=strict)
    write_reports(run, tmp_path)
    data = json.loads((tmp_path / "report.json").read_text())
    assert [(r["outcome"], r["level"]) for r in data["results"]] == [
        ("warned", "advisory"),
        ("not_applicable", "contract"),
    ]
    assert data["totals"]["conformant"] is (not strict)
    suite = ET.parse(tmp_path / "junit.xml").getroot().find("testsuite")
    assert suite.get("failures") == ("1" if strict else "0")
    levels = [p.get("value") for p in suite.iter("property") if p.get("name") == "level"]
    assert levels == ["advisory", "contract"]
    markdown = (tmp_path / "report.md").read_text()
    assert "| *warn* | advisory |" in markdown
    assert "| n/a | contract |" in markdown


def test_schemathesis_levels_come_from_defaults_and_profile() -> None:
    plan = build_plan({"levels": {"ignored_auth": "advisory"}}, max_examples=1, seed=None)
    assert plan.levels["unsupported_method"] == "advisory"  # the project-wide default
    assert plan.levels["ignored_auth"] == "advisory"  # the profile's choice
    assert plan.levels["not_a_server_error"] == "contract"
    with pytest.raises(Exception, match="unknown check"):
        build_plan({"levels": {"no_such_check": "advisory"}}, max_examples=1, seed=None)


def test_a_failing_advisory_schemathesis_check_warns_and_shows_no_own_time() -> None:
    run = FuzzRun()
    failing = {"status": "failure", "name": "unsupported_method", "failure_info": {}}
    run.add(
        "ScenarioFinished",
        {"phase": "coverage", "recorder": {"checks": {"c1": [failing]}, "cases": {}}},
    )
    run.add("EngineFinished", {})
    results = run.results(
        "demo",
        disabled_checks={},
        disabled_phases={},
        duration=3.0,
        levels={"unsupported_method": "advisory"},
    )
    by_name = {r.name: r for r in results}
    method = by_name["schemathesis.unsupported_method"]
    assert (method.outcome, method.level, method.duration) == (
        Outcome.WARNED,
        Level.ADVISORY,
        None,
    )
    assert by_name["schemathesis.run"].duration == 3.0


def test_a_405_without_allow_from_an_advisory_check_is_a_contract_failure() -> None:
    """unsupported_method is advisory (404 for an undeclared method contradicts no document),
    but its 405 without Allow breaks RFC 9110 §15.5.6's MUST: that finding fails the run,
    as the fault the protocol check method_not_allowed_carries_allow names."""
    run = FuzzRun()
    no_allow = "DELETE returned 405 without required `Allow` header\n\nAdd `Allow` header"
    wrong = "Unsupported method DELETE returned 404, expected 405 Method Not Allowed"
    checks = {
        case: [
            {
                "status": "failure",
                "name": "unsupported_method",
                "failure_info": {
                    "failure": {"operation": f"POST {path}", "title": "t", "message": message}
                },
            }
        ]
        for case, path, message in (("c1", "/a", no_allow), ("c2", "/b", wrong))
    }
    run.add("ScenarioFinished", {"phase": "coverage", "recorder": {"checks": checks}})
    run.add("EngineFinished", {})
    results = run.results(
        "demo",
        disabled_checks={},
        disabled_phases={},
        duration=1.0,
        levels={"unsupported_method": "advisory"},
    )
    found = {r.observed: r for r in results if r.name == "schemathesis.unsupported_method"}
    allow = found["405 answers: no Allow header"]
    assert (allow.outcome, allow.level) == (Outcome.FAILED, Level.CONTRACT)
    (other,) = [r for key, r in found.items() if key != allow.observed]
    assert (other.outcome, other.level) == (Outcome.WARNED, Level.ADVISORY)
