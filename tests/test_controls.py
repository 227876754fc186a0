"""Refusal checks and their controls: a refusal counts for the field under test only when the
same request with that field valid is accepted (conformance/checks/controls.py)."""

from __future__ import annotations

import json

from independent import user_api, user_api_policy
from suite_in_process import describe, run_checks

from conformance.checks.controls import Control, require_accepted
from conformance.engine.bounded import BoundedClient
from conformance.engine.context import Context
from conformance.engine.settings import Settings
from conformance.model import CheckBlocked, Exchange, Outcome

SIGNUP_REFUSAL_CHECKS = (
    "signup_without_a_required_field_is_refused",
    "signup_enforces_the_project_limits",
    "duplicate_signup_rejected",
)


def test_a_closed_signup_blocks_the_signup_refusal_checks_instead_of_passing_them(
    served,
) -> None:
    """Every signup gets 403 here: a 4xx, but not for the missing field or the limit."""
    url = served(user_api, ("signup_closed",))
    results = run_checks("user-api", url, {"user-api": user_api.credentials()})
    for name in SIGNUP_REFUSAL_CHECKS:
        assert results[name].outcome is Outcome.BLOCKED, describe(results)
        assert results[name].cause == "signup_answers_200"
    assert "its control" in results["signup_without_a_required_field_is_refused"].message
    # Login refusals still have their control: the file's account logs in.
    assert results["wrong_password_rejected"].outcome is Outcome.PASSED, describe(results)
    assert results["operator_objects_log_nobody_in"].outcome is Outcome.PASSED
    # The emails of every form need a signup: blocked by the one check that reports it.
    for name in ("registered_email_logs_in_as_sent", "login_takes_the_email_in_another_case"):
        assert results[name].outcome is Outcome.BLOCKED, describe(results)
        assert results[name].cause == "signup_answers_200"


def _context(url: str) -> Context:
    client = BoundedClient(timeout=5, max_bytes=64 * 1024)
    ctx = Context(url, "user-api", client, {}, settings=Settings(seed=1, run_tag="abcdef"))
    ctx.check_name = "some_refusal_check"
    return ctx


def _login(url: str) -> tuple[str, dict[str, str]]:
    user = user_api_policy.USERS[0]
    return f"{url}/api/user/login", {"email": user["email"], "password": user["password"]}


def test_a_recent_identical_acceptance_is_reused_and_anything_else_is_sent(served) -> None:
    url = served(user_api_policy)
    ctx = _context(url)
    address, body = _login(url)
    control = Control("/api/user/login", body, owner="signup_then_login_round_trip", what="x")
    accepted = Exchange("POST", address, {}, json.dumps(body), 200, {}, "{}")
    ctx.history.append(accepted)
    require_accepted(ctx, control)
    assert ctx.answers == []  # nothing sent: the earlier acceptance serves
    ctx.history = [
        Exchange("POST", address, {}, json.dumps({**body, "password": "x"}), 200, {}, "")
    ]
    require_accepted(ctx, control)
    assert [status for status, _ in ctx.answers] == [200]  # another body: sent, accepted


def test_a_refused_control_blocks_by_its_owner_and_keeps_the_probe_as_evidence(served) -> None:
    url = served(user_api_policy)
    ctx = _context(url)
    _, body = _login(url)
    wrong = {**body, "password": body["password"] + "-no"}
    probe = Exchange("POST", "probe", {}, "{}", 401, {}, "")
    ctx.last = probe
    control = Control("/api/user/login", wrong, owner="signup_then_login_round_trip", what="x")
    try:
        require_accepted(ctx, control)
    except CheckBlocked as blocked:
        # "Invalid email or password" names the password, yet a login is no password policy.
        assert blocked.cause == "signup_then_login_round_trip"
    else:
        raise AssertionError("a refused control must block the check")
    assert ctx.last is probe
