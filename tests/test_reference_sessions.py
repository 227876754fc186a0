"""FIB sessions end whole: reuse and logout end every token of a login; a login lasts one day.

The project's decision (docs/apis/fib/session.md), on the embedded reference server over
real loopback HTTP; the clock option moves time instead of sleeping.
"""

from __future__ import annotations

import httpx
import jwt
from test_reference_fib import LOGOUT, SESSION, login

DAY = 86_400


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def _refresh(url: str, token: str) -> httpx.Response:
    return httpx.patch(f"{url}{SESSION}", headers={"Authorization": token})


def _logout(url: str, token: str) -> httpx.Response:
    return httpx.post(f"{url}{LOGOUT}", headers={"Authorization": token})


def test_logout_with_the_first_access_token_ends_the_refreshed_session(start_server) -> None:
    server = start_server(demo_users=1)
    first = login(server)
    second = _refresh(server.url, first["refreshToken"]).json()["data"]
    third = _refresh(server.url, second["refreshToken"]).json()["data"]
    assert _logout(server.url, first["accessToken"]).status_code == 200
    assert _refresh(server.url, third["refreshToken"]).status_code == 401
    assert _logout(server.url, third["accessToken"]).status_code == 401
    # Another login of the same user is another session, untouched.
    other = login(server)
    assert _refresh(server.url, other["refreshToken"]).status_code == 200


def test_a_reused_refresh_token_ends_every_token_of_its_login(start_server) -> None:
    server = start_server(demo_users=1)
    first = login(server)
    second = _refresh(server.url, first["refreshToken"]).json()["data"]
    assert _refresh(server.url, first["refreshToken"]).status_code == 401  # the reuse
    assert _refresh(server.url, second["refreshToken"]).status_code == 401
    assert _logout(server.url, second["accessToken"]).status_code == 401


def test_a_session_ends_one_day_after_login_however_often_refreshed(start_server) -> None:
    now = [1_900_000_000.0]
    server = start_server(demo_users=1, clock=lambda: now[0])
    first = login(server)
    session_end = _claims(first["refreshToken"])["exp"]
    assert session_end == 1_900_000_000 + DAY
    now[0] += DAY - 100  # near the end: the refreshed pair may not outlive the session
    late = _refresh(server.url, first["refreshToken"])
    assert late.status_code == 200, late.text
    data = late.json()["data"]
    assert _claims(data["refreshToken"])["exp"] == session_end
    assert _claims(data["accessToken"])["exp"] == session_end
    assert data["expirationTime"] == 100  # what is left of the session, not a fresh 300
    now[0] = session_end + 1
    assert _refresh(server.url, data["refreshToken"]).status_code == 401
