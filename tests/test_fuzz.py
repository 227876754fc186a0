"""Schemathesis on a live loopback server: conformant passes, broken fails the right check.

Each run starts a Schemathesis child (a few CPU-seconds); tests that judge the same run
(same server, same seed) share it through a module fixture. The variants that each break
one more thing are in ``test_fuzz_variants``, so the two files run in parallel.
"""

from __future__ import annotations

import pytest
from fuzz_targets import (
    SESSION,
    SMALL,
    by_name,
    fib_profile,
    five_hundred_for_422,
    run_on,
    serving,
)

from conformance.fuzz.run import run_schemathesis
from conformance.model import Outcome


@pytest.fixture(scope="module")
def conformant_run() -> list:
    """The reference as it is, seed 7: judged for passing and for not-applicable checks."""
    return run_on(None)


@pytest.fixture(scope="module")
def server_error_run() -> list:
    """500 where 422 belongs, seed 7: judged for the failure, and repeated for the seed."""
    return run_on(five_hundred_for_422)


# --- tests -----------------------------------------------------------------------------------


def test_conformant_server_passes_every_check(conformant_run: list) -> None:
    results = by_name(conformant_run)
    failed = {
        n: r.details
        for n, r in results.items()
        if r.outcome not in (Outcome.PASSED, Outcome.NOT_APPLICABLE)
        and not n.startswith("schemathesis.phase.")
    }
    assert not failed, failed
    for name in (
        "not_a_server_error",
        "status_code_conformance",
        "response_schema_conformance",
        "positive_data_acceptance",
        "negative_data_rejection",
        "unsupported_method",
    ):
        assert results[f"schemathesis.{name}"].outcome is Outcome.PASSED
    assert all(r.group == "schemathesis" and r.system == "fib" for r in results.values())


def test_server_error_fails_not_a_server_error_with_the_request(server_error_run: list) -> None:
    results = by_name(server_error_run)
    result = results["schemathesis.not_a_server_error"]
    assert result.outcome is Outcome.FAILED
    assert "POST" in result.details and SESSION in result.details
    assert "< 500" in result.details
    assert result.details.startswith("judged against: the documented contract")


def test_disabled_checks_and_phases_are_skipped_with_their_reason() -> None:
    profile = fib_profile(
        disabled_checks={"ignored_auth": "no security scheme is declared"},
        disabled_phases={"stateful": "kept short in this test"},
    )
    with serving() as url:
        results = by_name(run_schemathesis(profile, url, max_examples=SMALL, seed=7))
    assert results["schemathesis.ignored_auth"].outcome is Outcome.SKIPPED
    assert results["schemathesis.ignored_auth"].message == "no security scheme is declared"
    assert results["schemathesis.phase.stateful"].outcome is Outcome.SKIPPED
    assert results["schemathesis.phase.stateful"].message == "kept short in this test"


def test_same_seed_gives_same_results(server_error_run: list) -> None:
    """A second run, same seed, against a fresh server of the same kind: the same verdicts."""

    def verdicts(results: list) -> list[tuple[str, str, str]]:
        return [(r.name, r.outcome, r.message) for r in results]

    first, second = verdicts(server_error_run), verdicts(run_on(five_hundred_for_422))
    assert first == second
    assert any(outcome is Outcome.FAILED for _, outcome, _ in first)


def test_unreachable_target_is_not_a_pass() -> None:
    with serving() as url:
        pass  # the server is stopped again: nothing listens on its port
    results = run_schemathesis(fib_profile(), url, max_examples=SMALL, seed=7)
    assert results
    assert not any(r.outcome is Outcome.PASSED for r in results)


def test_checks_with_nothing_to_judge_are_not_applicable_with_the_spec_reason(
    conformant_run: list,
) -> None:
    results = by_name(conformant_run)
    use_after_free = results["schemathesis.use_after_free"]
    assert use_after_free.outcome is Outcome.NOT_APPLICABLE
    assert "no DELETE operation" in use_after_free.message
    assert results["schemathesis.ensure_resource_availability"].outcome is Outcome.NOT_APPLICABLE
    assert results["schemathesis.object_level_authorization"].outcome is Outcome.NOT_APPLICABLE
    # FIB's refresh and logout declare a security scheme: that check had something to judge.
    assert results["schemathesis.ignored_auth"].outcome is Outcome.PASSED
