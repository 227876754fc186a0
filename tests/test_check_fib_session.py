"""FIB lifecycle checks against the reference server and against deliberately broken ones.

The runner is called in-process over real loopback HTTP. Each broken variant must fail
exactly the lifecycle checks named for its fault, with the evidence a reader needs: a
contract check fails, an advisory one warns (the level it was registered with).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import httpx
import pytest
from broken_fib_session import (
    BROKEN,
    BROKEN_ADVISORY,
    NO_LIFECYCLE,
    SHORT_LIVED,
    SHORT_LIVED_NEVER_EXPIRING,
)

from conformance.checks.fib.session_common import LIFECYCLE_OFF_REASON
from conformance.checks.registry import checks_for
from conformance.engine.context import Context
from conformance.engine.runner import run_check, run_system
from conformance.engine.settings import Settings
from conformance.model import CheckResult, Outcome, outcome_for
from conformance.openapi.files import load_spec
from conformance.profiles import get_profile, load_checks
from reference_impl.serving.embedded import running_server

LIFECYCLE_CHECKS = {
    "refresh_returns_new_token_pair",
    "used_refresh_token_is_rejected",
    "access_token_is_not_a_refresh_token",
    "refresh_token_is_not_an_access_token",
    "logout_succeeds",
    "access_token_rejected_after_logout",
    "refresh_token_rejected_after_logout",
    "bearer_prefix_is_optional",
    "missing_authorization_is_refused",
    "garbage_authorization_is_refused",
    "unusable_authorization_gets_401",
    "unsigned_token_is_rejected",
    "tampered_payload_is_rejected",
    "token_signed_by_another_key_is_rejected",
    "hs256_token_keyed_with_public_key_is_rejected",
    "issued_tokens_verify_with_published_key",
    "expired_access_token_is_rejected",
    "reused_refresh_token_revokes_family",
    "logout_ends_refreshed_session",
    "concurrent_refreshes_let_one_through",
    "logout_racing_refresh_ends_the_session",
}
# Runs only when the run may wait out a token's lifetime (see the expiry tests below).
WAITING_CHECKS = {"expired_access_token_is_rejected"}


def hide_jwks(app: Callable) -> Callable:
    """Middleware: the server no longer publishes its key (404 on the JWKS path)."""

    def middleware(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/.well-known/jwks.json":
            start_response("404 Not Found", [("Content-Length", "0")])
            return [b""]
        return app(environ, start_response)

    return middleware


def check_lifecycle(
    options: dict[str, Any] | None = None, *, credentials: bool = True, **server_options: Any
) -> dict[str, CheckResult]:
    """The FIB lifecycle checks, each through the runner's ``run_check``, on a fresh server."""
    profile = get_profile("fib")
    load_checks(profile)
    with running_server(demo_users=1, **server_options) as server, httpx.Client() as client:
        ctx = Context(
            base_url=server.url,
            system="fib",
            client=client,
            spec=load_spec("fib"),
            credentials=server.credentials["fib"] if credentials else None,
            settings=Settings(lifecycle=True, **(options or {})),
        )
        return {
            chk.name: run_check(chk, ctx) for chk in checks_for("fib") if chk.group == "lifecycle"
        }


def _outcomes(results: dict[str, CheckResult]) -> dict[str, str]:
    return {name: f"{r.outcome}: {r.message}" for name, r in results.items()}


def test_reference_server_passes_every_lifecycle_check() -> None:
    """The whole FIB run, login included, so the lifecycle group is seen as the CLI sees it."""
    with running_server(demo_users=1) as server:
        run = run_system(
            get_profile("fib"), server.url, server.credentials, Settings(fuzz=False)
        )
    results = {r.name: r for r in run if r.group == "lifecycle"}
    assert set(results) == LIFECYCLE_CHECKS
    not_passed = {
        name: f"{r.outcome}: {r.message}\n{r.details}"
        for name, r in results.items()
        if r.outcome is not Outcome.PASSED and name not in WAITING_CHECKS
    }
    assert not_passed == {}
    # The alg-confusion check found the key at /.well-known/jwks.json and really ran.
    assert results["hs256_token_keyed_with_public_key_is_rejected"].outcome is Outcome.PASSED
    assert results["expired_access_token_is_rejected"].outcome is Outcome.SKIPPED


@pytest.mark.parametrize("variant", sorted(BROKEN))
def test_broken_variant_fails_exactly_its_checks(variant: str) -> None:
    server_options, must_fail = BROKEN[variant]
    results = check_lifecycle(**server_options)
    broken = {name for name, r in results.items() if r.outcome in (Outcome.FAILED, Outcome.WARNED)}
    assert broken == must_fail, _outcomes(results)
    assert not [r for r in results.values() if r.outcome is Outcome.ERROR]
    for name in must_fail:
        assert results[name].outcome is outcome_for(results[name].level), results[name]
        details = results[name].details
        assert "received:" in details and "documented:" in details and "evidence:" in details


@pytest.mark.parametrize("variant", sorted(BROKEN_ADVISORY))
def test_advisory_variant_warns_on_exactly_its_checks(variant: str) -> None:
    """A session that outlives reuse or logout warns (advisory) and fails nothing."""
    server_options, must_warn = BROKEN_ADVISORY[variant]
    results = check_lifecycle(**server_options)
    warned = {name for name, r in results.items() if r.outcome is Outcome.WARNED}
    assert warned == must_warn, _outcomes(results)
    assert not [r for r in results.values() if r.outcome in (Outcome.FAILED, Outcome.ERROR)]
    for name in must_warn:
        assert results[name].level == "advisory"
        assert "evidence:" in results[name].details


def test_server_without_lifecycle_routes_fails_with_a_plain_reason() -> None:
    from broken_fib_session import without_lifecycle_routes

    results = check_lifecycle(wrap=without_lifecycle_routes)
    messages = {name: r.message for name, r in results.items() if name not in WAITING_CHECKS}
    assert all(
        r.outcome is outcome_for(r.level) for n, r in results.items() if n not in WAITING_CHECKS
    )
    # Checks that need refresh name it first; logout-only checks name logout's 404.
    assert messages["used_refresh_token_is_rejected"] == "refresh not implemented: 405"
    assert messages["missing_authorization_is_refused"] == "refresh not implemented: 405"
    assert messages["logout_succeeds"] == "logout not implemented: 404"
    assert set(messages.values()) == {
        "refresh not implemented: 405",
        "logout not implemented: 404",
    }
    assert "Traceback" not in results["used_refresh_token_is_rejected"].details


def test_lifecycle_off_skips_every_lifecycle_check_and_keeps_the_login() -> None:
    with running_server(demo_users=1, **NO_LIFECYCLE) as server:
        results = run_system(
            get_profile("fib"),
            server.url,
            server.credentials,
            Settings(fuzz=False, lifecycle=False),
        )
    lifecycle = [r for r in results if r.group == "lifecycle"]
    assert {r.name for r in lifecycle} == LIFECYCLE_CHECKS
    assert {(r.outcome, r.message) for r in lifecycle} == {(Outcome.SKIPPED, LIFECYCLE_OFF_REASON)}
    assert not [r for r in results if r.outcome in (Outcome.FAILED, Outcome.ERROR)]


def test_without_credentials_header_checks_still_run() -> None:
    results = check_lifecycle(credentials=False)
    for name in (
        "missing_authorization_is_refused",
        "garbage_authorization_is_refused",
        "unusable_authorization_gets_401",
    ):
        assert results[name].outcome is Outcome.PASSED, results[name]
    assert results["used_refresh_token_is_rejected"].outcome is Outcome.SKIPPED
    assert "credentials" in results["used_refresh_token_is_rejected"].message


def test_key_checks_are_not_applicable_when_the_key_is_unpublished() -> None:
    """The JWKS is a project addition: a server without it is not wrong, nothing to judge."""
    results = check_lifecycle(wrap=hide_jwks)
    for name in (
        "hs256_token_keyed_with_public_key_is_rejected",
        "issued_tokens_verify_with_published_key",
    ):
        result = results[name]
        assert result.outcome is Outcome.NOT_APPLICABLE
        assert result.message.startswith("server key unknown: http://127.0.0.1:")
        assert (
            "/.well-known/jwks.json (no --jwks-url given, so the default) answered 404"
            in result.message
        )
        assert "project addition" in result.message
    assert results["unsigned_token_is_rejected"].outcome is Outcome.PASSED


def test_alg_confusion_check_takes_the_key_from_jwks_url() -> None:
    """A key given by --jwks-url is used: here the variant's key, reached at another server."""
    from broken_fib_session import AlgConfusion, _tokens

    tokens = _tokens(AlgConfusion)
    with running_server(demo_users=0, fib_tokens=tokens) as key_server:
        jwks_url = f"{key_server.url}/.well-known/jwks.json"

        results = check_lifecycle({"jwks_url": jwks_url}, fib_tokens=tokens, wrap=hide_jwks)
    result = results["hs256_token_keyed_with_public_key_is_rejected"]
    assert result.outcome is Outcome.FAILED, result
    assert "HS256-signed with the public key (PEM)" in result.message


@pytest.mark.slow
def test_expired_access_token_is_rejected_by_the_reference_server() -> None:
    result = check_lifecycle({"expiry_wait": 5}, **SHORT_LIVED)["expired_access_token_is_rejected"]
    assert result.outcome is Outcome.PASSED, f"{result.message}\n{result.details}"


@pytest.mark.slow
def test_expired_access_token_accepted_fails_the_expiry_check() -> None:
    results = check_lifecycle({"expiry_wait": 5}, **SHORT_LIVED_NEVER_EXPIRING)
    result = results["expired_access_token_is_rejected"]
    assert result.outcome is Outcome.FAILED, result
    assert result.message == "an access token past its exp was accepted"


def test_expiry_check_skips_when_the_lifetime_exceeds_the_wait() -> None:
    result = check_lifecycle({"expiry_wait": 5})["expired_access_token_is_rejected"]
    assert result.outcome is Outcome.SKIPPED
    assert "past the expiry wait of 5 s" in result.message
