"""User API (seed 003): the reference server passes every check; each broken variant fails its own.

Real HTTP on loopback against ``running_server``; checks run through the suite's runner.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import httpx
import pytest
from broken_user_api import BROKEN, OTHER_READING
from other_user_api import Faults, serving_other
from suite_in_process import describe, passed_or_opt_in, run_checks, run_checks_on_variant

from conformance.engine.runner import run_system
from conformance.engine.settings import Settings
from conformance.model import CheckResult, Level, Outcome, RunResult
from conformance.profiles import get_profile
from reference_impl.serving.embedded import Running, running_server

SIGNUP = "/api/user/signup"
LOGIN = "/api/user/login"


def test_reference_server_passes_every_user_api_check(reference_server: Running) -> None:
    """Signup makes its own users, so no credentials are needed: none are given."""
    results = run_checks("user-api", reference_server.url, None)
    assert len(results) >= 7
    assert all(passed_or_opt_in(r) for r in results.values()), describe(results)


def test_checks_pass_where_seed_003_allows_other_statuses() -> None:
    """Conformant: no failure. The project's own status choices show as an advisory."""
    results = run_checks_on_variant("user-api", **OTHER_READING)
    not_passed = {n: r.outcome for n, r in results.items() if not passed_or_opt_in(r)}
    assert not_passed == {
        "responses_follow_the_project_choices": Outcome.WARNED,
        # A wrong password gets 403 here: no 401 whose challenge could be judged.
        "unauthorized_answers_name_a_challenge": Outcome.NOT_APPLICABLE,
    }, describe(results)


@pytest.mark.parametrize("variant", sorted(BROKEN))
def test_broken_variant_fails_its_check(variant: str) -> None:
    options, expected = BROKEN[variant]
    results = run_checks_on_variant("user-api", **options)
    assert results[expected].outcome is Outcome.FAILED, describe(results)
    assert results[expected].details, "a failure must carry its evidence"


def test_duplicate_signup_is_409_and_leaves_one_row() -> None:
    user = {"name": "dup", "email": "dup@example.com", "password": "Pass-word-1"}
    with running_server(demo_users=0) as server, httpx.Client(base_url=server.url) as client:
        first = client.post(SIGNUP, json=user)
        second = client.post(SIGNUP, json={**user, "email": "DUP@example.com"})
        login = client.post(LOGIN, json={"email": user["email"], "password": user["password"]})
        with sqlite3.connect(server.db_path) as db:
            rows = db.execute(
                "SELECT password_hash FROM api_users WHERE email = ?", (user["email"],)
            ).fetchall()
    assert (first.status_code, second.status_code, login.status_code) == (200, 409, 200)
    assert second.json()["error"] == "email_taken"
    assert login.json()["userId"] == first.json()["userId"]
    assert len(rows) == 1
    assert rows[0][0].startswith("scrypt$") and user["password"] not in rows[0][0]


def test_unknown_email_and_wrong_password_get_the_same_401(reference_server: Running) -> None:
    with httpx.Client(base_url=reference_server.url) as client:
        known = reference_server.credentials["user-api"]["users"][0]
        wrong = client.post(LOGIN, json={"email": known["email"], "password": "Wrong-pass-1"})
        unknown = client.post(LOGIN, json={"email": "nobody@example.com", "password": "Pw-12345"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"name": "n", "email": "a@example.com"}, 400, "missing_field"),
        ({"name": "n", "email": 7, "password": "Pass-word-1"}, 400, "invalid_field"),
        ({"name": "", "email": "a@example.com", "password": "Pass-word-1"}, 400, "invalid_field"),
        ({"name": "n", "email": "a@example.com", "password": "short"}, 400, "invalid_field"),
        ({"name": "n", "email": "no-at-sign", "password": "Pass-word-1"}, 400, "invalid_field"),
        ([1, 2], 400, "invalid_body"),
    ],
)
def test_signup_refuses_bad_fields_with_400(
    reference_server: Running, body: Any, status: int, code: str
) -> None:
    response = httpx.post(reference_server.url + SIGNUP, json=body)
    assert response.status_code == status
    assert response.json()["error"] == code
    assert response.json()["message"]


# --- a server written apart, taking the other readings of seed 003 ---------------------


def _run_other(faults: Faults | None = None, *, fuzz: bool = False) -> dict[str, CheckResult]:
    settings = Settings(fuzz=fuzz, max_examples=5, seed=3)
    with running_server(demo_users=0, wrap=serving_other(faults)) as server:
        results = run_system(get_profile("user-api"), server.url, None, settings)
    return {r.name: r for r in results}


def test_server_with_other_readings_is_conformant_with_advisories() -> None:
    """UUID ids, 422 for bad fields, framework error bodies, 100-character names, 6-character
    passwords, 404 for undeclared methods: none contradicts seed 003, each is an advisory."""
    results = _run_other(fuzz=True)
    broken = {n: r for n, r in results.items() if r.outcome in (Outcome.FAILED, Outcome.ERROR)}
    assert broken == {}, describe(broken)
    warned = {n for n, r in results.items() if r.outcome is Outcome.WARNED}
    assert {
        "responses_follow_the_project_choices",
        "signup_enforces_the_project_limits",
        "schemathesis.unsupported_method",
    } <= warned, describe(results)
    assert all(results[name].level is Level.ADVISORY for name in warned)
    lenient = RunResult(target="t", systems=["user-api"], results=list(results.values()))
    strict = RunResult(
        target="t", systems=["user-api"], results=list(results.values()), strict=True
    )
    assert lenient.conformant and not strict.conformant


@pytest.mark.parametrize(
    ("faults", "check", "says"),
    [
        (Faults(token_lifetime=86_400), "login_token_lives_one_hour", "one hour"),
        (
            Faults(token_names_someone_else=True),
            "login_token_names_the_user",
            "claims",
        ),
        (Faults(user_name_is_email=True), "login_answer_names_the_user", "userName"),
        (Faults(name_optional=True), "signup_without_a_required_field_is_refused", "without name"),
    ],
)
def test_bug_in_the_other_server_fails_its_contract_check(
    faults: Faults, check: str, says: str
) -> None:
    results = _run_other(faults)
    assert results[check].outcome is Outcome.FAILED, describe(results)
    assert says in results[check].message + results[check].details
    assert "seed 003" in results[check].details  # names the document it enforces
