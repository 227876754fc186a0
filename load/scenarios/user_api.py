"""User API (seed 003): email/password login; signup as its own opt-in scenario.

Both run only when named (``UserApiLoginUser``, ``UserApiSignupUser``) or tagged (``user-api``
for the login, ``signup`` for the signup), so a plain run stays a FIB measurement.
``UserApiSignupUser`` writes a new account per iteration.
"""

from __future__ import annotations

import json
import secrets

from locust import tag, task

from load.users.base import JSON_HEADERS, ApiUser, PasswordLoginUser
from load.users.validate import user_api_answer_problem

__all__ = ["UserApiLoginUser", "UserApiSignupUser"]

LOGIN_PATH = "/api/user/login"
SIGNUP_PATH = "/api/user/signup"

# Stats row names.
LOGIN_ROW = "user-api login"
SIGNUP_ROW = "user-api signup"


class UserApiLoginUser(PasswordLoginUser):
    """Email/password login, as fast as the server allows (or ``--user-rate`` per user)."""

    credentials_section = "user-api"
    opt_in = True
    login_path = LOGIN_PATH
    login_row = LOGIN_ROW

    def login_problem(self, status: int, content: bytes) -> str | None:
        return user_api_answer_problem(status, content)

    @tag("login", "user-api")
    @task
    def login(self) -> None:
        self.password_login()


class UserApiSignupUser(ApiUser):
    """A fresh account per iteration (one row each): signup throughput, bounded by the run."""

    opt_in = True

    @tag("signup")
    @task
    def signup(self) -> None:
        unique = secrets.token_hex(8)
        body = {"name": f"load-{unique}", "email": f"load-{unique}@example.com", "password": unique}
        self.checked(
            "POST",
            SIGNUP_PATH,
            name=SIGNUP_ROW,
            validator=user_api_answer_problem,
            body=json.dumps(body).encode(),
            headers=JSON_HEADERS,
        )
