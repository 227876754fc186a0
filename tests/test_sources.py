"""The written form of a check's source: parsed, linked, refused when malformed."""

from __future__ import annotations

import pytest

from conformance.checks.registry import check, checks_for
from conformance.errors import UsageError
from conformance.fuzz.config import ALL_CHECKS, build_plan
from conformance.fuzz.report import FuzzRun
from conformance.profiles import discover_profiles
from conformance.sources import Kind, parse_source, parse_sources

WELL_FORMED = [
    "seed 003: signup answers 200",
    "seeds 000-002: the tokens are EdDSA JWTs",
    "seeds 000, 002: 404 User has not been found",
    "FIB docs: logout takes the access token",
    "RFC 9110 §15.5.6: the origin server MUST generate an Allow header field in a 405",
    "ASVS 5.0 V6.3.8: valid users cannot be deduced from failed logins",
    "project decision: a body over 1 MiB is refused",
]


@pytest.mark.parametrize("text", WELL_FORMED)
def test_a_source_reads_back_as_written(text: str) -> None:
    assert str(parse_source(text)) == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "seed 003",  # says nothing
        "seed 3: signup answers 200",  # three digits
        "seed 007: a page that does not exist",
        "seeds 003: one page, written as several",
        "seed 000-002: several pages, written as one",
        "RFC 9110: no section",
        "RFC 9110 section 15.6: spelled out",
        "ASVS 5.0 V18.1.1: no such chapter",
        "ASVS V6.3.8: no version",
        "OWASP docs: not a known document",
        "project: not the written form",
        "the FIB docs, somewhere",
    ],
)
def test_a_malformed_source_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_sources(text)


def test_joined_sources_keep_their_order_and_their_own_semicolons() -> None:
    sources = parse_sources(
        "seed 000: 401; the signature; seeds 000, 002: 422; RFC 7519 §7.2: MUST be rejected"
    )
    assert [s.label for s in sources] == ["seed 000", "seeds 000, 002", "RFC 7519 §7.2"]
    assert sources[0].says == "401; the signature"


def test_each_kind_links_where_it_can_be_read() -> None:
    rfc, asvs, seed, doc, ours = (
        parse_source(t)
        for t in (
            "RFC 9110 §15.5.6: MUST send Allow",
            "ASVS 5.0 V14.3.2: no-store",
            "seeds 000-002: the example",
            "FIB docs: refresh",
            "project decision: ours",
        )
    )
    assert rfc.url == "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.6"
    assert asvs.url == (
        "https://github.com/OWASP/ASVS/blob/v5.0.0_release/5.0/en/0x23-V14-Data-Protection.md"
    )
    assert seed.page == "apis/fib/login.md" and seed.url.endswith("/docs/apis/fib/login.md")
    assert doc.page == "apis/fib/session.md"
    assert ours.page == "sources-disagree.md"
    assert rfc.page is None and asvs.page is None


def test_tags_name_every_seed_page_and_standards_group_them() -> None:
    fib = parse_source("seeds 000-002: the example")
    assert fib.tags == ("seed 000", "seed 001", "seed 002")
    assert parse_source("seed 001: the table").standard == fib.standard == "seeds 000-002"
    assert parse_source("seed 003: signup").standard == "seed 003"
    assert parse_source("RFC 9110 §15.6: x").standard == "RFC 9110"
    assert parse_source("ASVS 5.0 V6.2.9: x").tags == ("ASVS 5.0 V6.2.9",)


@pytest.mark.parametrize(
    ("text", "backs"),
    [
        ("seed 004: 401", True),
        ("FIB docs: logout", True),
        ("RFC 7519 §4.1.4: MUST NOT be accepted after exp", True),
        ("RFC 9110 §15.5.2: REQUIRED here", True),
        ("RFC 9110 §15.6: the server SHOULD explain", False),
        ("RFC 9110 §15.6: a 5xx means the server failed", False),
        ("ASVS 5.0 V6.2.9: passwords of 64 characters", False),
        ("project decision: ours", False),
    ],
)
def test_only_documents_and_rfc_musts_back_a_contract(text: str, backs: bool) -> None:
    assert parse_source(text).backs_a_contract is backs


def test_the_registry_refuses_a_malformed_source_and_registers_nothing() -> None:
    def some_claim(ctx) -> None:
        """A claim."""

    with pytest.raises(ValueError, match="written forms"):
        check("sources-test", source="RFC 9110 15.6 the server failed")(some_claim)
    assert checks_for("sources-test") == []
    check("sources-test", source="seed 003: signup answers 200")(some_claim)
    (registered,) = checks_for("sources-test")
    assert [s.kind for s in registered.sources] == [Kind.SEED]


@pytest.mark.parametrize("system", sorted(discover_profiles()))
def test_every_schemathesis_check_a_profile_runs_cites_its_source(system: str) -> None:
    plan = build_plan(discover_profiles()[system].schemathesis, max_examples=1, seed=None)
    assert set(plan.sources) == set(ALL_CHECKS)
    for name, text in plan.sources.items():
        sources = parse_sources(text)
        if plan.levels[name] == "contract":
            assert any(s.backs_a_contract for s in sources), f"{system}: {name}: {text}"


def test_schemathesis_sources_name_each_of_the_profiles_documents() -> None:
    plan = build_plan(discover_profiles()["fib"].schemathesis, max_examples=1, seed=None)
    labels = [s.label for s in parse_sources(plan.sources["status_code_conformance"])]
    assert labels == ["seeds 000-002", "FIB docs"]
    # The FIB profile makes missing_required_header advisory, and cites HTTP's reading for it;
    # ignored_auth is a contract claim of the FIB docs (their refusals: 400, 401, 422).
    assert parse_sources(plan.sources["missing_required_header"])[0].label == "RFC 9110 §15.5.2"
    assert [s.label for s in parse_sources(plan.sources["ignored_auth"])] == ["FIB docs"]
    assert plan.levels["ignored_auth"] == "contract"
    duktig = build_plan({"documents": "seed 004"}, max_examples=1, seed=None)
    assert duktig.sources["content_type_conformance"] == "seed 004: answers are JSON"


@pytest.mark.parametrize(
    "settings",
    [
        {"sources": {"no_such_check": "seed 003: x"}},
        {"sources": {"ignored_auth": "RFC 9110 without a section"}},
        {"documents": ["seed 9"]},
    ],
)
def test_a_profile_cannot_give_a_schemathesis_check_a_malformed_source(settings: dict) -> None:
    with pytest.raises(UsageError):
        build_plan(settings, max_examples=1, seed=None)


def test_schemathesis_results_carry_their_check_source() -> None:
    run = FuzzRun()
    failing = {"status": "failure", "name": "unsupported_method", "failure_info": {}}
    run.add(
        "ScenarioFinished",
        {"phase": "coverage", "recorder": {"checks": {"c1": [failing]}, "cases": {}}},
    )
    run.add("EngineFinished", {})
    source = "RFC 9110 §15.5.6: 405 says the resource does not support the method"
    results = run.results(
        "demo",
        disabled_checks={"ignored_auth": "off here"},
        disabled_phases={},
        duration=1.0,
        levels={"unsupported_method": "advisory"},
        sources={"unsupported_method": source, "ignored_auth": "seed 003: x"},
    )
    by_name = {r.name: r for r in results}
    assert by_name["schemathesis.unsupported_method"].source == source
    assert by_name["schemathesis.ignored_auth"].source == "seed 003: x"
    assert by_name["schemathesis.run"].source == ""
