"""What the Duktig checks share: seed 004's words and shapes, the token request with its
X-Auth-Key, and a cached sign-in. Registers no check.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from conformance.checks.controls import Control
from conformance.engine.context import Context
from conformance.model import CheckSkipped

TOKEN_PATH = "/auth/token"
AUTH_HEADER = "X-Auth-Key"

# Seed 004's messages, word for word.
REQUIRED_VALUE = "Required value"
VALID_EMAIL = "Required valid email address"
PASSWORD_STRENGTH = "Required not weak Password Strength between 6 - 256 chars"
EXACT_KEYS = "Required exact values as: email, password"
INCORRECT_CREDENTIALS = "Incorrect credentials"
INACTIVE_MESSAGE = "Due to the status of your account, you are not able to access this resource"
SIGNED_IN = "Signed in successfully"

PASSWORD_MIN, PASSWORD_MAX = 6, 256
LAST_LOGIN_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
LAST_LOGIN_FORMAT = "%Y-%m-%d %H:%M:%S"

ACCESS_CLAIMS = ("iss", "aud", "sub", "jti", "nbf", "iat", "exp", "account")
ACCOUNT_FIELDS = ("userId", "firstName", "lastName", "email", "roleId")
TIME_CLAIMS = ("nbf", "iat", "exp")
DOCUMENTED_OK = (
    '200 {"status": "OK", "message": "Signed in successfully", "lastLogin": '
    '"YYYY-MM-DD HH:MM:SS", "access_token": str, "expires_in": <Unix time>, '
    '"refresh_token": str}'
)


# The check that reports a sign-in that does not serve; the others are blocked by it.
SIGN_IN_CHECK = "success_body_has_documented_fields"


def auth_key(ctx: Context) -> str:
    key = (ctx.credentials or {}).get("authKey")
    if not isinstance(key, str) or not key:
        raise CheckSkipped("no authKey in the 'duktig' credentials section")
    return key


def _user(ctx: Context, section: str) -> dict[str, str]:
    users = (ctx.credentials or {}).get(section) or []
    if not users:
        raise CheckSkipped(f"no {section} in the 'duktig' credentials section")
    return users[0]


def active_user(ctx: Context) -> dict[str, str]:
    return _user(ctx, "users")


def inactive_user(ctx: Context) -> dict[str, str]:
    return _user(ctx, "inactiveUsers")


def request_token(
    ctx: Context, body: Any, *, key: str | None = None, send_key: bool = True
) -> httpx.Response:
    """POST /auth/token with the configured X-Auth-Key unless told otherwise."""
    headers = {AUTH_HEADER: key if key is not None else auth_key(ctx)} if send_key else {}
    if isinstance(body, bytes):
        headers["Content-Type"] = "application/json"
        return ctx.request("POST", TOKEN_PATH, content=body, headers=headers)
    return ctx.post(TOKEN_PATH, body, headers=headers)


def sign_in(ctx: Context, *, fresh: bool = False) -> dict[str, Any]:
    """Log the first active user in; return the 200 body, or fail the calling check."""
    if not fresh and "duktig_login" in ctx.cache:
        ctx.last = ctx.cache["duktig_login"]["exchange"]
        return ctx.cache["duktig_login"]["body"]
    user = active_user(ctx)
    response = request_token(ctx, {"email": user["email"], "password": user["password"]})
    if response.status_code != 200:
        ctx.prerequisite_failed(
            SIGN_IN_CHECK,
            "sign-in with valid credentials was refused",
            received=f"HTTP {response.status_code}",
            documented=DOCUMENTED_OK,
            hint="check authKey and users in the credentials file",
        )
    body = ctx.json_of(response)
    if not isinstance(body, dict):
        ctx.prerequisite_failed(
            SIGN_IN_CHECK,
            "sign-in body is not an object",
            received=repr(body)[:200],
            documented=DOCUMENTED_OK,
        )
    if not fresh:
        ctx.cache["duktig_login"] = {"body": body, "exchange": ctx.last}
    return body


def unknown_email(ctx: Context) -> str:
    """An email no account has, from the run's seed (and its tag, so no earlier run's either)."""
    return ctx.invent.email(ctx.rng("unknown email"))


def sign_in_control(ctx: Context, what: str) -> Control:
    """A refusal check's control: the active user with the right key signs in (200)."""
    user = active_user(ctx)
    return Control(
        TOKEN_PATH,
        {"email": user["email"], "password": user["password"]},
        owner=SIGN_IN_CHECK,
        what=what,
        headers={AUTH_HEADER: auth_key(ctx)},
        accepted=lambda status: status == 200,
    )
