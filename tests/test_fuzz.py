"""Schemathesis on a live loopback server: conformant passes, broken fails the right check.

Each run starts a Schemathesis child (a few CPU-seconds); tests that judge the same run
(same server, same seed) share it through a module fixture.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from conformance.fuzz.run import run_schemathesis
from conformance.model import Outcome
from conformance.profiles import Profile, get_profile
from reference_impl.serving.embedded import running_server

WSGIApp = Callable[..., Any]

SESSION = "/auth/api/v1/authentication-management/session"
# Small but enough for every phase to reach each operation; the FIB run stays in seconds.
SMALL = 3


@contextmanager
def serving(wrap: Callable[[WSGIApp], WSGIApp] | None = None) -> Iterator[str]:
    with running_server(demo_users=1, wrap=wrap) as server:
        yield server.url


# --- broken variants, as WSGI middleware ---------------------------------------------------------


def _rewrite(app: WSGIApp, change: Callable[[dict, str, list, bytes], tuple[str, list, bytes]]):
    def wrapped(environ: dict, start_response: Callable) -> list[bytes]:
        captured: dict = {}

        def capture(status: str, headers: list, exc_info: object = None) -> None:
            captured["status"], captured["headers"] = status, headers

        body = b"".join(app(environ, capture))
        status, headers, body = change(environ, captured["status"], captured["headers"], body)
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]

    return wrapped


def five_hundred_for_422(app: WSGIApp) -> WSGIApp:
    """A server that crashes where it should say 422 (bad signature or key)."""

    def change(environ, status, headers, body):
        if status.startswith("422"):
            error = {"status": {"code": 500, "name": "Internal Server Error"}, "data": None}
            return "500 Internal Server Error", headers, json.dumps(error).encode()
        return status, headers, body

    return _rewrite(app, change)


def drops_refresh_token(app: WSGIApp) -> WSGIApp:
    """A server whose 200 login body lacks data.refreshToken."""

    def change(environ, status, headers, body):
        if status.startswith("200") and environ["REQUEST_METHOD"] == "POST":
            document = json.loads(body)
            if isinstance(document.get("data"), dict):
                document["data"].pop("refreshToken", None)
                body = json.dumps(document).encode()
        return status, headers, body

    return _rewrite(app, change)


def teapot_for_unknown_email(app: WSGIApp) -> WSGIApp:
    """A server that answers an undocumented 418 where the spec says 404."""

    def change(environ, status, headers, body):
        if status.startswith("404") and environ.get("PATH_INFO") == SESSION:
            return "418 I'm a teapot", headers, body
        return status, headers, body

    return _rewrite(app, change)


# --- helpers ---------------------------------------------------------------------------------


def fib_profile(**settings: object) -> Profile:
    """The project's FIB profile, with ``settings`` laid over its Schemathesis settings."""
    profile = get_profile("fib")
    return dataclasses.replace(profile, schemathesis={**profile.schemathesis, **settings})


def by_name(results: list) -> dict:
    names = [r.name for r in results]
    assert len(names) == len(set(names)), f"duplicate result names: {names}"
    return {r.name: r for r in results}


def run_on(wrap: Callable[[WSGIApp], WSGIApp] | None, seed: int = 7) -> list:
    """One Schemathesis run of the FIB profile against a fresh server made by ``wrap``."""
    with serving(wrap) as url:
        return run_schemathesis(fib_profile(), url, max_examples=SMALL, seed=seed)


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


def hide_jwks(app: WSGIApp) -> WSGIApp:
    """A FIB server exactly as the FIB pages describe it: no /.well-known/jwks.json."""

    def wrapped(environ: dict, start_response: Callable) -> list[bytes]:
        if environ.get("PATH_INFO") == "/.well-known/jwks.json":
            body = b'{"status": {"code": 404, "name": "Not Found"}, "data": null}'
            start_response("404 Not Found", [("Content-Type", "application/json")])
            return [body]
        return app(environ, start_response)

    return wrapped


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
