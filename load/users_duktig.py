"""Duktig (seed 004) Locust user: ``POST /auth/token`` with the configured X-Auth-Key.

Run on its own (``locust -f load/users_duktig.py --host URL --credentials FILE``) or next to
the main locustfile. The key comes from the credentials file's ``duktig.authKey``.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from locust import tag, task

import load.hooks  # noqa: F401  (the project's options, user selection and thresholds)
from load.base import ApiUser

__all__ = ["DuktigLoginUser", "duktig_token_problem"]

TOKEN_PATH = "/auth/token"
LOGIN_ROW = "duktig token"
TOKEN_FIELDS = ("access_token", "refresh_token")
EXCERPT = 80


@functools.cache
def auth_key(path: str) -> str:
    """The ``duktig.authKey`` of the credentials file, read once per process."""
    from conformance.credentials import load_credentials

    key = load_credentials(path).get("duktig", {}).get("authKey")
    if not isinstance(key, str) or not key:
        raise RuntimeError(f"no duktig authKey in the credentials file {path!r}")
    return key


def duktig_token_problem(status: int, content: bytes) -> str | None:
    """A sign-in answer: 200, status "OK", two JWT-shaped tokens, an integer expires_in."""
    if status != 200:
        return f"HTTP {status}: {content[:EXCERPT].decode('utf-8', 'replace')}"
    try:
        body: Any = json.loads(content)
    except ValueError:
        return "200 with a body that is not JSON"
    if not isinstance(body, dict) or body.get("status") != "OK":
        return f"status is {body.get('status') if isinstance(body, dict) else body!r}, not 'OK'"
    for field in TOKEN_FIELDS:
        value = body.get(field)
        if not isinstance(value, str) or value.count(".") != 2:
            return f"{field} is not a compact JWT"
    expires = body.get("expires_in")
    if not isinstance(expires, int) or isinstance(expires, bool):
        return f"expires_in is {expires!r}, expected an integer"
    return None


class DuktigLoginUser(ApiUser):
    """Sign-in with email, password and X-Auth-Key, as fast as the server allows."""

    credentials_section = "duktig"

    def on_start(self) -> None:
        super().on_start()
        account = self.account()
        path = self.environment.parsed_options.credentials
        self._headers = {"Content-Type": "application/json", "X-Auth-Key": auth_key(path)}
        self._body = json.dumps(
            {"email": account["email"], "password": account["password"]}
        ).encode()

    @tag("login")
    @task
    def sign_in(self) -> None:
        self.checked(
            "POST",
            TOKEN_PATH,
            name=LOGIN_ROW,
            validator=duktig_token_problem,
            body=self._body,
            headers=self._headers,
        )


if __name__ == "__main__":
    from locust import run_single_user

    run_single_user(DuktigLoginUser)
