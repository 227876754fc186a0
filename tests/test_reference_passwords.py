"""Password logins on the reference server: OWASP-cost upgrade on login, the failed-login
limit (429 with Retry-After, per account and per address, bounded memory), and names.

Real loopback HTTP to the embedded server and its real SQLite file.
"""

from __future__ import annotations

import sqlite3

import httpx
import pytest

from reference_impl.auth import passwords
from reference_impl.auth.login_limits import FailedLogins, LoginLimits
from reference_impl.http.errors import TooManyRequests

API_LOGIN = "/api/user/login"
SIGNUP = "/api/user/signup"
DUKTIG = "/auth/token"
WRONG = "not-the-password"


def _stored_hash(db: str, table: str, email: str) -> str:
    with sqlite3.connect(db) as conn:
        (value,) = conn.execute(
            f"SELECT password_hash FROM {table} WHERE email = ?", (email,)
        ).fetchone()
    return value


def test_a_login_upgrades_a_cheaper_stored_hash_to_the_servers_cost(start_server) -> None:
    server = start_server(demo_users=1, password_cost=passwords.OWASP)
    api = server.credentials["user-api"]["users"][0]
    duktig = server.credentials["duktig"]["users"][0]
    assert _stored_hash(server.db_path, "api_users", api["email"]).startswith("scrypt$16384$")
    for _ in range(2):  # the first login upgrades, the second verifies the new row
        body = {"email": api["email"], "password": api["password"]}
        assert httpx.post(server.url + API_LOGIN, json=body, timeout=30).status_code == 200
    assert _stored_hash(server.db_path, "api_users", api["email"]).startswith("scrypt$131072$8$1$")
    key = {"X-Auth-Key": server.credentials["duktig"]["authKey"]}
    answer = httpx.post(server.url + DUKTIG, json=duktig, headers=key, timeout=30)
    assert answer.status_code == 200
    assert _stored_hash(server.db_path, "duktig_users", duktig["email"]).startswith(
        "scrypt$131072$"
    )


def test_failed_logins_per_account_end_in_429_with_retry_after(start_server) -> None:
    limiter = FailedLogins(LoginLimits(per_account=3, per_address=0, window=600))
    server = start_server(demo_users=2, login_limiter=limiter)
    first, second = server.credentials["user-api"]["users"]
    wrong = {"email": first["email"], "password": WRONG}
    assert [httpx.post(server.url + API_LOGIN, json=wrong).status_code for _ in range(3)] == [
        401
    ] * 3
    # Now even the right password waits: the limit is judged before any hashing.
    limited = httpx.post(server.url + API_LOGIN, json={**wrong, "password": first["password"]})
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 600
    assert limited.json() == {
        "error": "too_many_requests",
        "message": "Too many failed logins; try again later.",
    }
    # Another account is not limited.
    ok = {"email": second["email"], "password": second["password"]}
    assert httpx.post(server.url + API_LOGIN, json=ok).status_code == 200


def test_failed_logins_per_address_limit_duktig_too(start_server) -> None:
    limiter = FailedLogins(LoginLimits(per_account=0, per_address=2, window=600))
    server = start_server(demo_users=1, login_limiter=limiter)
    key = {"X-Auth-Key": server.credentials["duktig"]["authKey"]}
    statuses = [
        httpx.post(
            server.url + DUKTIG, json={"email": f"x{i}@example.com", "password": WRONG}, headers=key
        ).status_code
        for i in range(3)
    ]
    assert statuses == [401, 401, 429]
    limited = httpx.post(server.url + DUKTIG, json=server.credentials["duktig"]["users"][0],
                         headers=key)  # fmt: skip
    assert limited.status_code == 429 and "Retry-After" in limited.headers
    assert limited.json()["status"] == "error"


def test_the_limit_ends_with_its_window_and_a_success_clears_the_account() -> None:
    now = [1000.0]
    limiter = FailedLogins(LoginLimits(per_account=2, per_address=0, window=60),
                           clock=lambda: now[0])  # fmt: skip
    for _ in range(2):
        limiter.failed("a@example.com", "127.0.0.1")
    with pytest.raises(TooManyRequests) as limited:
        limiter.check("A@example.com", "127.0.0.1")  # emails count case-insensitively
    assert ("Retry-After", "60") in limited.value.headers
    now[0] += 60
    limiter.check("a@example.com", "127.0.0.1")  # the window is over
    limiter.failed("a@example.com", "127.0.0.1")
    limiter.succeeded("a@example.com")
    limiter.failed("a@example.com", "127.0.0.1")
    limiter.check("a@example.com", "127.0.0.1")  # one failure since the success


def test_the_counters_memory_is_bounded_whatever_clients_send() -> None:
    limiter = FailedLogins(LoginLimits(), max_tracked=100)
    for i in range(5000):
        limiter.failed(f"user{i}@example.com", f"10.0.{i // 250}.{i % 250}")
    assert len(limiter) == 100


def test_any_name_of_1_to_64_characters_signs_up_as_the_schema_allows(reference_server) -> None:
    for i, name in enumerate(["\x1f", " ", "\u00a0\u2003", "x" * 64]):
        body = {"name": name, "email": f"odd-name-{i}@example.com", "password": "Long-enough-1"}
        answer = httpx.post(reference_server.url + SIGNUP, json=body)
        assert answer.status_code == 200, (name, answer.text)
        assert answer.json()["userName"] == name
    for name in ["", "x" * 65]:
        body = {"name": name, "email": "too@example.com", "password": "Long-enough-1"}
        assert httpx.post(reference_server.url + SIGNUP, json=body).status_code == 400
