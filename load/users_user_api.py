"""User API (seed 003) Locust users: log in with the credentials file's accounts; sign up (opt-in).

Run on its own (``locust -f load/users_user_api.py --host URL --credentials FILE``) or next
to the main locustfile (``-f load/locustfile.py,load/users_user_api.py``). ``UserApiLoginUser``
is the default; ``UserApiSignupUser`` writes a new account per iteration, so it runs only when
named or tagged ``signup``.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from locust import tag, task

import load.hooks  # noqa: F401  (the project's options, user selection and thresholds)
from load.base import ApiUser

__all__ = ["UserApiLoginUser", "UserApiSignupUser", "user_answer_problem"]

LOGIN_PATH = "/api/user/login"
SIGNUP_PATH = "/api/user/signup"
JSON_HEADERS = {"Content-Type": "application/json"}
LOGIN_ROW = "user-api login"
SIGNUP_ROW = "user-api signup"
USER_FIELDS = ("userId", "email", "userName", "token")
# Long enough to name the problem in the failures table, short enough to group repeats.
EXCERPT = 80


def user_answer_problem(status: int, content: bytes) -> str | None:
    """A login or signup answer: 200 with userId, email, userName and a JWT-shaped token."""
    if status != 200:
        return f"HTTP {status}: {content[:EXCERPT].decode('utf-8', 'replace')}"
    try:
        body: Any = json.loads(content)
    except ValueError:
        return "200 with a body that is not JSON"
    if not isinstance(body, dict):
        return f"body is {type(body).__name__}, not an object"
    missing = [f for f in USER_FIELDS if not isinstance(body.get(f), str) or not body.get(f)]
    if missing:
        return f"missing or empty: {', '.join(missing)}"
    if body["token"].count(".") != 2:
        return "token is not a compact JWT"
    return None


class UserApiLoginUser(ApiUser):
    """Email/password login, as fast as the server allows (or ``--user-rate`` per user)."""

    credentials_section = "user-api"

    def on_start(self) -> None:
        super().on_start()
        account = self.account()
        self._body = json.dumps(
            {"email": account["email"], "password": account["password"]}
        ).encode()

    @tag("login")
    @task
    def login(self) -> None:
        self.checked(
            "POST",
            LOGIN_PATH,
            name=LOGIN_ROW,
            validator=user_answer_problem,
            body=self._body,
            headers=JSON_HEADERS,
        )


class UserApiSignupUser(ApiUser):
    """A fresh account per iteration (one row each): signup throughput, bounded by the run."""

    opt_in = True

    @tag("signup")
    @task
    def signup(self) -> None:
        tag_ = secrets.token_hex(8)
        body = {"name": f"load-{tag_}", "email": f"load-{tag_}@example.com", "password": tag_}
        self.checked(
            "POST",
            SIGNUP_PATH,
            name=SIGNUP_ROW,
            validator=user_answer_problem,
            body=json.dumps(body).encode(),
            headers=JSON_HEADERS,
        )


if __name__ == "__main__":
    from locust import run_single_user

    run_single_user(UserApiLoginUser)
