"""Password logins on the reference server: OWASP-cost upgrade on login, equal work for
unknown and known accounts, and names (the failed-login limits: test_reference_login_limits).

Real loopback HTTP to the embedded server and its real SQLite file.
"""

from __future__ import annotations

import sqlite3

import httpx
import pytest

from reference_impl.auth import passwords
from reference_impl.auth.passwords import LIGHT
from reference_impl.serving.demo import seed_demo_users
from reference_impl.store import Store

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
    store = Store(server.db_path)  # rows from an older, cheaper server
    store.set_api_user_password(api["email"], passwords.hash_password(api["password"], LIGHT))
    cheap = passwords.hash_password(duktig["password"], LIGHT)
    store.update_duktig_user(duktig["email"], password_hash=cheap)
    store.close()
    assert _stored_hash(server.db_path, "api_users", api["email"]).startswith(f"scrypt${LIGHT.n}$")
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


def test_any_name_of_1_to_64_characters_signs_up_as_the_schema_allows(reference_server) -> None:
    for i, name in enumerate(["\x1f", " ", "\u00a0\u2003", "x" * 64]):
        body = {"name": name, "email": f"odd-name-{i}@example.com", "password": "Long-enough-1"}
        answer = httpx.post(reference_server.url + SIGNUP, json=body)
        assert answer.status_code == 200, (name, answer.text)
        assert answer.json()["userName"] == name
    for name in ["", "x" * 65]:
        body = {"name": name, "email": "too@example.com", "password": "Long-enough-1"}
        assert httpx.post(reference_server.url + SIGNUP, json=body).status_code == 400


@pytest.mark.parametrize("cost", [LIGHT, passwords.ScryptCost(n=2**15, r=8, p=1)])
def test_demo_users_are_hashed_at_the_cost_of_the_decoy(tmp_path, cost) -> None:
    """A wrong password costs what an unknown email costs: the same scrypt parameters.
    (The timing itself is measured in bench/login_timing.py, not asserted here.)"""
    store = Store(tmp_path / "r.db")
    seed_demo_users(store, 1, LIGHT)  # an older start at another cost is re-hashed
    seed_demo_users(store, 1, cost)
    decoy = passwords.cost_of(passwords.decoy_hash(cost))
    api_user = store.api_user_by_email("user1@example.com")
    duktig_user = store.duktig_user_by_email("user1@example.com")
    assert api_user and duktig_user
    assert passwords.cost_of(api_user.password_hash) == decoy == cost
    assert passwords.cost_of(duktig_user.password_hash) == decoy
    store.close()
