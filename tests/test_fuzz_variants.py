"""Schemathesis on broken variants of the reference: each fails the check that names its fault.

Beside ``test_fuzz`` (one Schemathesis child per test, so the two files run in parallel).
"""

from __future__ import annotations

from fuzz_targets import (
    SMALL,
    by_name,
    drops_refresh_token,
    fib_profile,
    hide_jwks,
    serving,
    teapot_for_unknown_email,
)

from conformance.fuzz.run import run_schemathesis
from conformance.model import Outcome


def test_missing_refresh_token_fails_response_schema_conformance() -> None:
    with serving(drops_refresh_token) as url:
        results = by_name(run_schemathesis(fib_profile(), url, max_examples=SMALL, seed=7))
    result = results["schemathesis.response_schema_conformance"]
    assert result.outcome is Outcome.FAILED
    assert "refreshToken" in result.details
    assert results["schemathesis.not_a_server_error"].outcome is Outcome.PASSED


def test_undocumented_status_fails_status_code_conformance() -> None:
    with serving(teapot_for_unknown_email) as url:
        results = by_name(run_schemathesis(fib_profile(), url, max_examples=SMALL, seed=7))
    result = results["schemathesis.status_code_conformance"]
    assert result.outcome is Outcome.FAILED
    assert "418" in result.details


def test_fib_server_without_jwks_passes_and_the_addition_is_not_applicable() -> None:
    """The JWKS is the project's addition: a server without it is judged on the rest only."""
    with serving(hide_jwks) as url:
        results = by_name(run_schemathesis(fib_profile(), url, max_examples=SMALL, seed=7))
    broken = {
        n: r.details for n, r in results.items() if r.outcome in (Outcome.FAILED, Outcome.ERROR)
    }
    assert broken == {}
    left_out = results["schemathesis.operation.getJwks"]
    assert left_out.outcome is Outcome.NOT_APPLICABLE
    assert "answered 404" in left_out.message and "project addition" in left_out.message
    assert results["schemathesis.unsupported_method"].outcome is Outcome.PASSED
