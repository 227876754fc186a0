"""FIB protocol checks against the reference server and against deliberately broken ones.

The runner is called in-process (fast); each broken variant must fail its named check,
and the variant that takes the documents' other readings must pass.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from broken_fib import BROKEN, OTHER_READING

from conformance.checks.fib.login_common import FIB_SESSION_PATH, fib_login_body
from conformance.engine.runner import run_system
from conformance.engine.settings import Settings
from conformance.model import CheckResult, Outcome
from conformance.profiles import get_profile
from reference_impl.serving.embedded import running_server

# Lifecycle checks are another module's subject; these tests judge login and robustness.
LOGIN_GROUPS = {"login", "robustness"}


def check_fib(**server_options: Any) -> dict[str, CheckResult]:
    with running_server(demo_users=1, **server_options) as server:
        results = run_system(
            get_profile("fib"),
            server.url,
            server.credentials,
            Settings(fuzz=False, timeout=10.0, lifecycle=False),
        )
    return {r.name: r for r in results}


def _not_passed(results: dict[str, CheckResult], groups: set[str]) -> dict[str, str]:
    return {
        name: f"{r.outcome}: {r.message}\n{r.details}"
        for name, r in results.items()
        if r.group in groups and r.outcome is not Outcome.PASSED
    }


def test_reference_server_passes_every_login_check() -> None:
    results = check_fib()
    assert _not_passed(results, LOGIN_GROUPS) == {}
    # The example request is alice's, whom the reference server registers: a real 200.
    assert results["seed_example_request_gets_a_documented_answer"].outcome is Outcome.PASSED
    assert len([r for r in results.values() if r.group in LOGIN_GROUPS]) >= 20


@pytest.mark.parametrize("variant", sorted(BROKEN))
def test_broken_variant_fails_its_named_check(variant: str) -> None:
    options, must_fail = BROKEN[variant]
    results = check_fib(**options)
    result = results[must_fail]
    assert result.outcome is Outcome.FAILED, f"{variant}: {must_fail} {result.outcome}"
    # A failure carries what the reader needs: what came back, what is allowed, the exchange.
    assert "received:" in result.details
    assert "documented:" in result.details
    assert "evidence:" in result.details


def test_other_documented_readings_pass() -> None:
    with running_server(demo_users=1, **OTHER_READING) as server:
        # The variant really answers the other way: epoch expirationTime, 401, no message.
        user = server.credentials["fib"]["users"][0]
        good = fib_login_body(user["email"], user["privateKeyHex"])
        ok = httpx.post(server.url + FIB_SESSION_PATH, json=good, timeout=10).json()
        assert ok["data"]["expirationTime"] > 1_000_000_000
        assert "message" not in ok["status"]
        bad = {**good, "signature": "ab" * 64}
        refused = httpx.post(server.url + FIB_SESSION_PATH, json=bad, timeout=10)
        assert refused.status_code == 401
        results = run_system(
            get_profile("fib"),
            server.url,
            server.credentials,
            Settings(fuzz=False, lifecycle=False),
        )
    # Other readings are conformant: advisories (e.g. the project's Cache-Control) allowed.
    broken = _not_passed({r.name: r for r in results}, LOGIN_GROUPS)
    assert {n: m for n, m in broken.items() if not m.startswith("warned")} == {}


def test_without_credentials_login_checks_skip_and_the_rest_run() -> None:
    with running_server(demo_users=1) as server:
        results = run_system(get_profile("fib"), server.url, {}, Settings(fuzz=False))
    by_name = {r.name: r for r in results}
    assert by_name["correctly_signed_login_succeeds"].outcome is Outcome.SKIPPED
    assert "credentials" in by_name["correctly_signed_login_succeeds"].message
    for name in ("unknown_email_gets_404", "rejects_non_hex_signature", "malformed_json_gets_4xx"):
        assert by_name[name].outcome is Outcome.PASSED, by_name[name]
