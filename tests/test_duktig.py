"""Duktig (seed 004): the reference passes every check, each broken variant fails its own,
the 422 map and lastLogin behave as documented. Real HTTP on loopback via ``running_server``.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import httpx
import pytest
from broken_duktig import BROKEN, OTHER_READING, duktig_itself
from suite_in_process import describe, passed_or_opt_in, run_checks, run_checks_on_variant
from wsgi_rewrite import rewriting

from conformance.engine.runner import run_system
from conformance.engine.settings import Settings
from conformance.model import Outcome
from conformance.profiles import get_profile
from reference_impl.serving.embedded import Running, running_server

TOKEN = "/auth/token"
REQUIRED = "Required value"
EMAIL = "Required valid email address"
STRENGTH = "Required not weak Password Strength between 6 - 256 chars"
ACCOUNT = "Required exact values as: email, password"


@pytest.fixture
def server(reference_server: Running) -> Running:
    """The session's reference server (conftest), for tests that change nothing it relies on."""
    return reference_server


def test_reference_server_passes_every_duktig_check(server: Running) -> None:
    results = run_checks("duktig", server.url, server.credentials)
    assert len(results) >= 14
    assert all(passed_or_opt_in(r) for r in results.values()), describe(results)


def test_checks_pass_where_seed_004_allows_other_readings() -> None:
    results = run_checks_on_variant("duktig", **OTHER_READING)
    assert all(passed_or_opt_in(r) for r in results.values()), describe(results)


def test_checks_skip_and_say_why_without_credentials(server: Running) -> None:
    results = run_checks("duktig", server.url, None)
    assert results, "the duktig profile registered no checks"
    # HEAD, OPTIONS and 405 need no account: they judge the server as any HTTP server.
    for name in ("head_and_options_never_5xx", "method_not_allowed_carries_allow"):
        assert results.pop(name).outcome is Outcome.PASSED, describe(results)
    for result in results.values():
        assert result.outcome is Outcome.SKIPPED, describe(results)
        assert "duktig" in result.message and "credentials" in result.message


def test_inactive_check_skips_when_no_inactive_users_are_listed(server: Running) -> None:
    credentials = {**server.credentials}
    credentials["duktig"] = {**credentials["duktig"], "inactiveUsers": []}
    results = run_checks("duktig", server.url, credentials)
    skipped = results["inactive_account_gets_403"]
    assert skipped.outcome is Outcome.SKIPPED
    assert "inactiveUsers" in skipped.message
    assert results["incorrect_credentials_get_401"].outcome is Outcome.PASSED


@pytest.mark.parametrize("variant", sorted(BROKEN))
def test_broken_variant_fails_its_check(variant: str) -> None:
    options, expected = BROKEN[variant]
    results = run_checks_on_variant("duktig", **options)
    assert results[expected].outcome is Outcome.FAILED, describe(results)
    assert results[expected].details, "a failure must carry its evidence"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"password": "Secret-1"}, {"email": [REQUIRED], "account": [ACCOUNT]}),
        ({"email": "", "password": "Secret-1"}, {"email": [REQUIRED]}),
        ({"email": "nope", "password": "Secret-1"}, {"email": [EMAIL]}),
        ({"email": 5, "password": "Secret-1"}, {"email": [EMAIL]}),
        ({"email": "a@example.com"}, {"password": [REQUIRED], "account": [ACCOUNT]}),
        ({"email": "a@example.com", "password": "x" * 5}, {"password": [STRENGTH]}),
        ({"email": "a@example.com", "password": "x" * 257}, {"password": [STRENGTH]}),
        ({"email": "a@example.com", "password": ["Secret-1"]}, {"password": [STRENGTH]}),
        ({"email": "a@example.com", "password": "Secret-1", "x": 1}, {"account": [ACCOUNT]}),
        ({}, {"email": [REQUIRED], "password": [REQUIRED], "account": [ACCOUNT]}),
        ([1], {"account": [ACCOUNT]}),
    ],
)
def test_bad_fields_get_exactly_the_seed_422_map(server: Running, body: Any, errors: dict) -> None:
    key = server.credentials["duktig"]["authKey"]
    response = httpx.post(server.url + TOKEN, json=body, headers={"X-Auth-Key": key})
    assert (response.status_code, response.json()) == (422, errors)


def test_six_and_256_character_passwords_pass_validation(server: Running) -> None:
    headers = {"X-Auth-Key": server.credentials["duktig"]["authKey"]}
    with httpx.Client(base_url=server.url, headers=headers) as client:
        answers = [
            client.post(TOKEN, json={"email": "a@example.com", "password": "x" * n})
            for n in (6, 256)
        ]
    assert [a.status_code for a in answers] == [401, 401]
    assert answers[0].json() == {"status": "error", "message": "Incorrect credentials"}


def test_key_is_judged_before_the_body(server: Running) -> None:
    response = httpx.post(server.url + TOKEN, content=b"{broken", headers={"X-Auth-Key": "x"})
    assert response.status_code == 401
    assert response.json() == {"status": "error", "message": "Invalid or missing X-Auth-Key"}


def test_inactive_account_with_wrong_password_gets_401_not_403(server: Running) -> None:
    """403 only once the password is right: otherwise it would tell a guesser the email exists."""
    duktig = server.credentials["duktig"]
    inactive = duktig["inactiveUsers"][0]
    response = httpx.post(
        server.url + TOKEN,
        json={"email": inactive["email"], "password": inactive["password"] + "-x"},
        headers={"X-Auth-Key": duktig["authKey"]},
    )
    assert response.status_code == 401


def test_last_login_is_this_login_stored_in_the_database() -> None:
    now = [1_700_000_000.0]  # 2023-11-14 22:13:20 UTC
    with running_server(demo_users=1, clock=lambda: now[0]) as server:
        duktig = server.credentials["duktig"]
        user = duktig["users"][0]
        headers = {"X-Auth-Key": duktig["authKey"]}
        seen = []
        for _ in range(2):
            body = httpx.post(server.url + TOKEN, json=user, headers=headers).json()
            with sqlite3.connect(server.db_path) as db:
                (stored,) = db.execute(
                    "SELECT last_login FROM duktig_users WHERE email = ?", (user["email"],)
                ).fetchone()
            seen.append((body["lastLogin"], stored, body["expires_in"]))
            now[0] += 3725  # 1 h 2 min 5 s later
    assert seen == [
        ("2023-11-14 22:13:20", "2023-11-14 22:13:20", 1_700_000_000 + 86_400),
        ("2023-11-14 23:15:25", "2023-11-14 23:15:25", 1_700_003_725 + 86_400),
    ]


def test_duktig_own_answers_are_conformant() -> None:
    """lastLogin null on a first sign-in, 404 for an undeclared method, 422 with a list for a
    body that is not JSON: what Duktig.Microservice itself answers passes, fuzzing included."""
    settings = Settings(fuzz=True, max_examples=5, seed=3)
    with running_server(demo_users=1, wrap=rewriting(duktig_itself())) as server:
        first = httpx.post(
            server.url + TOKEN,
            json={k: server.credentials["duktig"]["users"][0][k] for k in ("email", "password")},
            headers={"X-Auth-Key": server.credentials["duktig"]["authKey"]},
        )
        results = run_system(get_profile("duktig"), server.url, server.credentials, settings)
    assert first.status_code == 200 and first.json()["lastLogin"] is None
    by_name = {r.name: r for r in results}
    broken = {n: r for n, r in by_name.items() if r.outcome in (Outcome.FAILED, Outcome.ERROR)}
    assert broken == {}, describe(broken)
    assert by_name["last_login_has_documented_format"].outcome is Outcome.PASSED
    # Duktig's 422 list for a body that is not JSON: accepted, with the general page's 400 as
    # the advisory reading; 404 for an undeclared method: an advisory too.
    assert by_name["responses_follow_the_project_choices"].outcome is Outcome.WARNED
    assert by_name["schemathesis.unsupported_method"].outcome is Outcome.WARNED
