"""Schemathesis with real tokens: refresh and logout are fuzzed with a fresh login's tokens in
every phase, and ``ignored_auth`` judges at contract level with the FIB documents' refusals.

Against the independent FIB server (a stranger's reading: 400 for a token that is no JWT),
one Schemathesis child per test, so this file runs beside the other fuzz files.
"""

from __future__ import annotations

import json

from fuzz_targets import SMALL, fib_profile
from independent import fib

from conformance import observed as say
from conformance import signing
from conformance.fuzz.config import build_plan
from conformance.fuzz.run import run_schemathesis
from conformance.fuzz.tokens import token_login
from conformance.model import Level, Outcome
from conformance.openapi.files import load_spec

LOGOUT = "POST /auth/api/v1/authentication-management/logout"


def _texts(results: list) -> str:
    return json.dumps([[r.message, r.details] for r in results], default=str)


def test_refresh_and_logout_get_real_tokens_outside_the_stateful_phase(tmp_path) -> None:
    """With the stateful phase off, links give no token: every refresh and logout the
    server honoured came with a token from the run's own logins."""
    honoured: dict[str, int] = {}
    url, stop = fib.serve(honoured=honoured)
    profile = fib_profile(disabled_phases={"stateful": "tokens must come from elsewhere"})
    credentials = fib.credentials()
    try:
        results = run_schemathesis(
            profile, url, max_examples=SMALL, seed=7, credentials=credentials
        )
    finally:
        stop()
    assert honoured.get("refresh", 0) > 0 and honoured.get("logout", 0) > 0, honoured
    judged = next(r for r in results if r.name == "schemathesis.ignored_auth")
    assert judged.outcome is Outcome.PASSED, judged.details
    assert judged.level is Level.CONTRACT
    assert "FIB docs" in judged.source
    # Its 400 for a token that is no JWT is a documented refusal: nothing fails (its other
    # readings only warn, at advisory level).
    broken = [r.name for r in results if r.outcome in (Outcome.FAILED, Outcome.ERROR)]
    assert broken == [], _texts(results)
    # The signed login body never shows, whatever the outputs print.
    user = credentials["users"][0]
    signature = signing.sign_email(user["email"], user["privateKeyHex"])
    login = token_login(
        profile.schemathesis,
        credentials=credentials,
        spec=load_spec("fib"),
        base_url=url,
        headers={},
        timeout=5.0,
        refusals=(400, 401, 422),
        tally_file=tmp_path / "tally",
    )
    assert login is not None and signature in login.secrets
    assert signature not in _texts(results)


def test_logout_that_skips_its_auth_check_fails_ignored_auth_as_a_contract() -> None:
    url, stop = fib.serve(flags=("logout_skips_auth",))
    try:
        results = run_schemathesis(
            fib_profile(), url, max_examples=SMALL, seed=7, credentials=fib.credentials()
        )
    finally:
        stop()
    failed = [r for r in results if r.name == "schemathesis.ignored_auth"]
    assert failed and all(r.outcome is Outcome.FAILED for r in failed), _texts(failed)
    assert all(r.level is Level.CONTRACT for r in failed)
    # The same fault the protocol check missing_authorization_is_refused names.
    assert say.honoured_without_token(LOGOUT) in {r.observed for r in failed}
    assert "logout" in failed[0].details and "got 200" in failed[0].details
    # Refresh still checks its token: only logout is at fault.
    assert all("PATCH" not in (r.observed or "") for r in failed)


def test_refusals_come_from_the_profile_and_replace_schemathesis_ignored_auth() -> None:
    plan = build_plan(fib_profile().schemathesis, max_examples=1, seed=1)
    assert plan.auth_refusals == (400, 401, 422)
    assert plan.config["checks"]["ignored_auth"] == {"enabled": False}
    assert plan.levels["ignored_auth"] == "contract"
    plain = build_plan({}, max_examples=1, seed=1)
    assert plain.auth_refusals == () and "ignored_auth" not in plain.config["checks"]
