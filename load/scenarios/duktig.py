"""Duktig (seed 004): ``POST /auth/token`` with email, password and the configured X-Auth-Key.

Runs only when named (``DuktigLoginUser``) or tagged ``duktig``, so a plain run stays a FIB
measurement. The key comes from the credentials file's ``duktig.authKey``.
"""

from __future__ import annotations

import functools

from locust import tag, task

from load.users.base import PasswordLoginUser
from load.users.validate import duktig_token_problem

__all__ = ["DuktigLoginUser"]

TOKEN_PATH = "/auth/token"

# Stats row name.
LOGIN_ROW = "duktig token"


@functools.cache
def auth_key(path: str) -> str:
    """The ``duktig.authKey`` of the credentials file, read once per process."""
    from conformance.engine.credentials import load_credentials

    key = load_credentials(path).get("duktig", {}).get("authKey")
    if not isinstance(key, str) or not key:
        raise RuntimeError(f"no duktig authKey in the credentials file {path!r}")
    return key


class DuktigLoginUser(PasswordLoginUser):
    """Sign-in with email, password and X-Auth-Key, as fast as the server allows."""

    credentials_section = "duktig"
    opt_in = True
    login_path = TOKEN_PATH
    login_row = LOGIN_ROW

    def login_problem(self, status: int, content: bytes) -> str | None:
        return duktig_token_problem(status, content)

    def login_headers(self) -> dict[str, str]:
        key = auth_key(self.environment.parsed_options.credentials)
        return {**super().login_headers(), "X-Auth-Key": key}

    @tag("login", "duktig")
    @task
    def sign_in(self) -> None:
        self.password_login()
